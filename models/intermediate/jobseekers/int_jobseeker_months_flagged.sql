{# Person-months of job seekers with duration in weeks, the new-job-seeker rule and dagpenger within t..t+3 (complete only up to three months before the last month of data). #}
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
        bool_or(has_dagpenger) over (
            partition by person_id
            order by month
            range between current row and interval 3 month following
        ) as dagpenger_within_3_months
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
        with_history.dagpenger_within_3_months,
        cast(floor({{ dbt.datediff('with_history.spell_start', 'with_history.month', 'day') }} / 7) as integer)
            as duration_weeks,
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
