{# Every period of every study outcome's county panel with its place in the study design (all_months windows): the one home of pre, post, span, placebo and calibration membership, read by the estimation. #}
with periods as (
    select distinct
        study_id,
        outcome_id,
        period_start
    from {{ ref('county_panel') }}
),

windows as (
    select * from {{ ref('study_outcome_windows') }}
    where variant = 'all_months'
),

studies as (
    select * from {{ ref('studies') }}
),

flagged as (
    select
        periods.study_id,
        periods.outcome_id,
        periods.period_start,
        {{ in_window('periods.period_start', 'windows.pre_start', 'windows.pre_end', 'windows.calendar_months') }}
            as in_pre,
        {{ in_window('periods.period_start', 'windows.post_start', 'windows.post_end', 'windows.calendar_months') }}
            as in_post,
        {{ in_window('periods.period_start', 'windows.pre_start', 'windows.post_end', 'windows.calendar_months') }}
            as in_span,
        {{ in_window(
            'periods.period_start',
            'windows.pre_start',
            dbt.dateadd('day', -1, 'studies.intervention_month'),
            'windows.calendar_months'
        ) }} as in_pre_intervention,
        periods.period_start < studies.intervention_month as before_intervention,
        periods.period_start < least(
            studies.intervention_month,
            coalesce(studies.earlier_intervention_month, studies.intervention_month)
        ) as before_first_intervention,
        coalesce(
            periods.period_start between studies.placebo_start and studies.placebo_end, false
        ) as in_placebo_window
    from periods
    inner join windows
        on periods.study_id = windows.study_id
        and periods.outcome_id = windows.outcome_id
    inner join studies
        on periods.study_id = studies.study_id
)

select * from flagged
