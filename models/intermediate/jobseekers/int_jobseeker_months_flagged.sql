{# Person-months of job seekers with duration in weeks, the new-job-seeker rule and dagpenger within t..t+3 (complete only up to three months before the last month of data), from one sorted pass per person. #}
{#- (person_id, month) is unique (the contract's key), so the person's next three rows hold every month of t+1..t+3 that is there, and lag/lead over one order replace a range frame. -#}
{{ config(materialized='view') }}

with jobseeker_months as (
    select * from {{ ref('stg_register__jobseeker_months') }}
),

data_start as (
    select
        min(month) as first_month,
        max(month) as last_month
    from jobseeker_months
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
