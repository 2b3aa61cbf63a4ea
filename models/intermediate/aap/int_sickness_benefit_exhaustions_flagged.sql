{# Exhaustions of sickness benefit, flagged for transferred persons and for an AAP month two months later. #}
with exhaustions as (
    select * from {{ ref('stg_register__sickness_benefit_exhaustions') }}
),

aap_months as (
    select person_id, month
    from {{ ref('stg_register__aap_months') }}
),

transferred as (
    select * from {{ ref('int_aap_persons_transferred') }}
),

flagged as (
    select
        exhaustions.*,
        exhaustions.person_id in (select person_id from transferred) as is_transferred_person,
        exists (
            select 1
            from aap_months
            where aap_months.person_id = exhaustions.person_id
                and aap_months.month = {{ dbt.dateadd('month', 2, 'exhaustions.exhaustion_month') }}
        ) as on_aap_two_months_after
    from exhaustions
)

select * from flagged
