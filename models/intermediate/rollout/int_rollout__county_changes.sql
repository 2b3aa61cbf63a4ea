{# Every roll-out study's counties' changes from each cohort's base period (the last period before the cohort's first treated month) to every other period of the study's all_months window, in rate units and in log rates, with the county's side for that cohort and period: 'treated' (in the cohort), 'comparison' (never treated, or not yet treated at the period and the base period when the study compares with the not yet treated); others are left out. #}
with studies as (
    select * from {{ ref('studies') }}
    where design = 'rollout'
),

units as (
    select * from {{ ref('study_units') }}
),

windows as (
    select * from {{ ref('study_outcome_windows') }}
    where variant = 'all_months'
),

panel as (
    select * from {{ ref('county_panel') }}
    where role in ('treated', 'control')
        and rate is not null
),

cells as (
    select
        panel.study_id,
        panel.outcome_id,
        panel.county_code,
        panel.period_start,
        units.first_treated_month,
        studies.comparison,
        panel.rate,
        panel.denominator
    from panel
    inner join studies
        on studies.study_id = panel.study_id
    inner join windows
        on windows.study_id = panel.study_id
        and windows.outcome_id = panel.outcome_id
    inner join units
        on units.study_id = panel.study_id
        and units.county_code = panel.county_code
    where panel.period_start between windows.pre_start and windows.post_end
),

scaled as (
    select
        study_id, outcome_id, county_code, period_start, first_treated_month, comparison,
        'level' as scale,
        rate as y,
        denominator
    from cells
    union all
    select
        study_id, outcome_id, county_code, period_start, first_treated_month, comparison,
        'log' as scale,
        ln(rate) as y,
        denominator
    from cells
    where rate > 0
),

distinct_periods as (
    select distinct study_id, outcome_id, period_start from cells
),

periods as (
    select
        study_id,
        outcome_id,
        period_start,
        row_number() over (partition by study_id, outcome_id order by period_start) as period_index
    from distinct_periods
),

cohorts as (
    select distinct study_id, outcome_id, first_treated_month as cohort
    from cells
    where first_treated_month is not null
),

cohort_bases as (
    select
        cohorts.study_id,
        cohorts.outcome_id,
        cohorts.cohort,
        max(periods.period_start) as base_period
    from cohorts
    inner join periods
        on periods.study_id = cohorts.study_id
        and periods.outcome_id = cohorts.outcome_id
        and periods.period_start < cohorts.cohort
    group by cohorts.study_id, cohorts.outcome_id, cohorts.cohort
),

changes as (
    select
        base.study_id,
        base.outcome_id,
        base.scale,
        cohort_bases.cohort,
        cohort_bases.base_period,
        later.period_start,
        cast(later_index.period_index - base_index.period_index - 1 as integer) as event_time,
        case
            when later.first_treated_month = cohort_bases.cohort then 'treated'
            when later.first_treated_month is null then 'comparison'
            when later.comparison = 'not_yet_treated'
                and later.first_treated_month > greatest(later.period_start, cohort_bases.base_period)
                then 'comparison'
        end as side,
        base.county_code,
        later.y - base.y as change,
        base.y as base_value,
        base.denominator as weight
    from cohort_bases
    inner join scaled as base
        on base.study_id = cohort_bases.study_id
        and base.outcome_id = cohort_bases.outcome_id
        and base.period_start = cohort_bases.base_period
    inner join scaled as later
        on later.study_id = base.study_id
        and later.outcome_id = base.outcome_id
        and later.scale = base.scale
        and later.county_code = base.county_code
        and later.period_start <> cohort_bases.base_period
    inner join periods as base_index
        on base_index.study_id = base.study_id
        and base_index.outcome_id = base.outcome_id
        and base_index.period_start = base.period_start
    inner join periods as later_index
        on later_index.study_id = later.study_id
        and later_index.outcome_id = later.outcome_id
        and later_index.period_start = later.period_start
),

compared as (
    select
        study_id,
        outcome_id,
        scale,
        cohort,
        base_period,
        period_start,
        event_time,
        county_code,
        side,
        change,
        base_value,
        weight
    from changes
    where side is not null
)

select * from compared
