{# Every outcome of every study by county and period: counts, denominator and rate, with the county's role in the study ('other' = not in the study). #}
with study_outcomes as (
    select distinct study_id, outcome_id from {{ ref('study_outcome_windows') }}
),

study_counties as (
    select * from {{ ref('study_counties') }}
    where not is_excluded
),

series as (
    select * from {{ ref('int_outcomes__county_periods') }}
),

panel as (
    select
        study_outcomes.study_id,
        series.outcome_id,
        series.period_start,
        series.period_type,
        series.county_code,
        study_counties.role,
        series.numerator,
        series.denominator,
        series.rate_scale * series.numerator / nullif(series.denominator, 0) as rate,
        series.rate_scale
    from study_outcomes
    inner join series
        on series.outcome_id = study_outcomes.outcome_id
    inner join study_counties
        on study_counties.study_id = study_outcomes.study_id
        and study_counties.county_code = series.county_code
)

select * from panel
