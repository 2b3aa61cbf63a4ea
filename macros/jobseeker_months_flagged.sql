{#- Person-months of job seekers with their flags (int_jobseeker_months_flagged). With from_month, only the
months from from_month on: a month's flags read the person's rows from two months before (the new-job-seeker
rule) to three after (dagpenger in t..t+3), and the data's first and last month. -#}
{% macro jobseeker_months_flagged(from_month=none) %}

with jobseeker_months as (
    select * from {{ ref('stg_register__jobseeker_months') }}
    {% if from_month is not none %}
    where month >= {{ dbt.dateadd('month', -2, from_month) }}
    {% endif %}
),

data_start as (
    select
        min(month) as first_month,
        max(month) as last_month
    {% if from_month is none %}
    from jobseeker_months
    {% else %}
    from {{ ref('stg_register__jobseeker_months') }}
    {% endif %}
),

with_history as (
    select
        jobseeker_months.*,
        lag(month) over (partition by person_id order by month) as previous_month,
        least(
            lead(case when has_dagpenger then month end, 1) over (partition by person_id order by month),
            lead(case when has_dagpenger then month end, 2) over (partition by person_id order by month),
            lead(case when has_dagpenger then month end, 3) over (partition by person_id order by month)
        ) as next_dagpenger_month
    from jobseeker_months
),

flagged as (
    select
        with_history.person_id,
        with_history.month,
        with_history.county_code,
        with_history.gender,
        with_history.education,
        cast(extract(year from with_history.month) as integer) - with_history.birth_year as age,
        with_history.has_dagpenger,
        coalesce(with_history.previous_month = with_history.month, false) as repeats_key,
        with_history.has_dagpenger
            or coalesce(
                with_history.next_dagpenger_month <= {{ dbt.dateadd('month', 3, 'with_history.month') }},
                false
            ) as dagpenger_within_3_months,
        cast(
            floor(
                {{ dbt.datediff('with_history.spell_start', 'with_history.month', 'day') }}
                / 7
            ) as integer
        ) as duration_weeks,
        with_history.month >= {{ dbt.dateadd('month', 2, 'data_start.first_month') }} as is_countable_month,
        with_history.month <= {{ dbt.dateadd('month', -3, 'data_start.last_month') }} as is_dagpenger_window_complete,
        with_history.month >= {{ dbt.dateadd('month', 2, 'data_start.first_month') }}
            and (
                with_history.previous_month is null
                or with_history.previous_month < {{ dbt.dateadd('month', -2, 'with_history.month') }}
            ) as is_new
    from with_history
    cross join data_start
)

select * from flagged
{% if from_month is not none %}
where month >= {{ from_month }}
{% endif %}
{% endmacro %}
