{# New AAP recipients: an AAP month with none the month before (from the second month of data), with origin and age group; transferred persons left out. #}
{#- Incremental (DuckDB): a refresh recomputes the months from the refresh month on (a month's flag reads
the month before it, and the exhaustions of t-3..t). A person newly flagged as transferred changes earlier
months too: regeval rebuilds in full then. -#}
{{ config(
    materialized='incremental' if target.type == 'duckdb' else 'table',
    incremental_strategy='append',
    pre_hook="{{ delete_refreshed_months('month', 0) }}"
) }}

with aap_months as (
    select * from {{ ref('stg_register__aap_months') }}
    {% if refreshing() %}
    where month >= {{ refresh_from(1) }}
    {% endif %}
),

transferred as (
    select * from {{ ref('int_aap_persons_transferred') }}
),

exhaustions as (
    select * from {{ ref('stg_register__sickness_benefit_exhaustions') }}
),

data_start as (
    select min(month) as first_month
    from {{ ref('stg_register__aap_months') }}
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
        {% if refreshing() %}
        and with_previous.month >= {{ refresh_from(0) }}
        {% endif %}
        and (
            with_previous.previous_month is null
            or with_previous.previous_month < {{ dbt.dateadd('month', -1, 'with_previous.month') }}
        )
),

{#- The months t for which an exhaustion lies in t-3..t: each exhaustion covers its month and the three after (an equi-join in place of a date-range exists). -#}
exhaustion_covered_months as (
    {% for offset in range(4) %}
    select
        person_id,
        {{ dbt.dateadd('month', offset, 'exhaustion_month') }} as month
    from exhaustions
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

from_exhaustion as (
    select distinct
        person_id,
        cast(month as date) as month
    from exhaustion_covered_months
),

flagged as (
    select
        new_recipients.*,
        {{ age_group('new_recipients.age') }} as age_group,
        from_exhaustion.person_id is not null as from_sickness_benefit
    from new_recipients
    left join from_exhaustion
        on from_exhaustion.person_id = new_recipients.person_id
        and from_exhaustion.month = new_recipients.month
)

select * from flagged
