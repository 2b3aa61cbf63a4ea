{# New AAP recipients: an AAP month with none the month before (from the second month of data), with origin and age group; transferred persons left out. #}
with aap_months as (
    select * from {{ ref('stg_register__aap_months') }}
),

transferred as (
    select * from {{ ref('int_aap_persons_transferred') }}
),

exhaustions as (
    select * from {{ ref('stg_register__sickness_benefit_exhaustions') }}
),

data_start as (
    select min(month) as first_month
    from aap_months
),

kept as (
    select aap_months.*
    from aap_months
    anti join transferred
        on transferred.person_id = aap_months.person_id
),

with_previous as (
    select
        kept.*,
        lag(month) over (partition by person_id order by month) as previous_month
    from kept
),

new_recipients as (
    select
        with_previous.person_id,
        with_previous.month,
        with_previous.county_code,
        cast(extract(year from with_previous.month) as integer) - with_previous.birth_year as age
    from with_previous
    cross join data_start
    where with_previous.month >= {{ dbt.dateadd('month', 1, 'data_start.first_month') }}
        and (
            with_previous.previous_month is null
            or with_previous.previous_month < {{ dbt.dateadd('month', -1, 'with_previous.month') }}
        )
),

flagged as (
    select
        new_recipients.*,
        {{ age_group('new_recipients.age') }} as age_group,
        exists (
            select 1
            from exhaustions
            where exhaustions.person_id = new_recipients.person_id
                and exhaustions.exhaustion_month
                    between {{ dbt.dateadd('month', -3, 'new_recipients.month') }} and new_recipients.month
        ) as from_sickness_benefit
    from new_recipients
)

select * from flagged
