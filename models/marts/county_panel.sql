{# Every outcome of every study by county and period: counts, denominator and rate, with the county's role in the study ('other' = not in the study). #}
with studies as (
    select * from {{ ref('studies') }}
),

windows as (
    select distinct study_id, outcome_id from {{ ref('study_outcome_windows') }}
),

units as (
    select * from {{ ref('study_units') }}
),

excluded as (
    select study_id, county_code
    from {{ ref('study_exclusions') }}
    where is_excluded
),

series as (
    select * from {{ ref('int_outcomes__county_periods') }}
),

panel as (
    select
        windows.study_id,
        series.outcome_id,
        series.period_start,
        series.period_type,
        series.county_code,
        coalesce(units.role, 'other') as role,
        series.numerator,
        series.denominator,
        series.rate_scale * series.numerator / nullif(series.denominator, 0) as rate,
        series.rate_scale,
    from windows
    inner join series
        on series.outcome_id = windows.outcome_id
    left join units
        on units.study_id = windows.study_id
        and units.county_code = series.county_code
    anti join excluded
        on excluded.study_id = windows.study_id
        and excluded.county_code = series.county_code
)

select * from panel
