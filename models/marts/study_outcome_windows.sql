{{ after_study_configuration() }}
{# The pre and post windows of every study, outcome and variant: an outcome's own row wins over the study's default row ('*'). #}
with studies as (
    select * from {{ ref('studies') }}
),

outcomes as (
    select * from {{ ref('outcomes') }}
),

windows as (
    select * from {{ ref('study_windows') }}
),

study_outcomes as (
    select
        studies.study_id,
        outcomes.outcome_id
    from studies
    inner join outcomes
        on outcomes.domain = studies.domain
        and outcomes.source = studies.source
),

candidates as (
    select
        study_outcomes.study_id,
        study_outcomes.outcome_id,
        windows.variant,
        windows.pre_start,
        windows.pre_end,
        windows.post_start,
        windows.post_end,
        coalesce(windows.calendar_months, '') as calendar_months,
        row_number() over (
            partition by study_outcomes.study_id, study_outcomes.outcome_id, windows.variant
            order by case when windows.outcome_id = '*' then 1 else 0 end
        ) as preference
    from study_outcomes
    inner join windows
        on windows.study_id = study_outcomes.study_id
        and windows.outcome_id in ('*', study_outcomes.outcome_id)
),

resolved as (
    select
        study_id,
        outcome_id,
        variant,
        pre_start,
        pre_end,
        post_start,
        post_end,
        calendar_months
    from candidates
    where preference = 1
)

select * from resolved
