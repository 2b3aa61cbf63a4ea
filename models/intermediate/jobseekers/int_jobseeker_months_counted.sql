{# Job-seeker person-months counted once, by county, month and composition cell (gender x age group 18-29/30-49/50-66, NULL outside 18-66, x education): every job-seeker outcome, and the rows the row accounting needs. #}
{% set outcomes = jobseeker_outcomes() %}

{#- Incremental (DuckDB): a refresh recomputes the months from three before the refresh month on, the
months whose flags a new or changed month can change (dagpenger in t..t+3, the last complete month). -#}
{{ config(
    materialized='incremental' if target.type == 'duckdb' else 'table',
    incremental_strategy='append',
    pre_hook="{{ delete_refreshed_months('month', 3) }}"
) }}
-- depends_on: {{ ref('stg_register__jobseeker_months') }}

with flagged as (
    {% if refreshing() %}
    {{ jobseeker_months_flagged(refresh_from(3)) }}
    {% else %}
    select * from {{ ref('int_jobseeker_months_flagged') }}
    {% endif %}
),

counted as (
    select
        county_code,
        month,
        gender,
        {{ age_group('age', 'three') }} as age_group,
        education,
        is_countable_month,
        is_dagpenger_window_complete,
        count(*) as n_rows,
        count(*) filter (where is_new) as n_new,
        count(*) filter (where duration_weeks >= 26) as n_in_duration_group,
        count(*) filter (where repeats_key) as n_repeated_keys,
        {% for outcome in outcomes %}
        count(*) filter (where {{ outcome.condition }}) as {{ outcome.id }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from flagged
    group by
        county_code,
        month,
        gender,
        {{ age_group('age', 'three') }},
        education,
        is_countable_month,
        is_dagpenger_window_complete
)

select * from counted
