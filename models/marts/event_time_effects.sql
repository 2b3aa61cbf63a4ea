{# Group-time effects of every roll-out study aggregated with the weights in group_time_effects: by event time (periods since adoption; cohorts weighted by size among those observed at that event time), by cohort (its post periods, equally weighted) and overall (the cohort effects weighted by cohort size). #}
with group_time as (
    select * from {{ ref('group_time_effects') }}
),

by_event_time as (
    select
        study_id,
        outcome_id,
        weighting,
        scale,
        'event_time' as aggregation,
        event_time,
        cast(null as date) as cohort,
        sum(weight_event_time * att) as estimate,
        sum(weight_event_time * treated_base) as treated_base,
        count(*) as n_group_time,
        count(distinct cohort) as n_cohorts
    from group_time
    group by study_id, outcome_id, weighting, scale, event_time
),

by_cohort as (
    select
        study_id,
        outcome_id,
        weighting,
        scale,
        'cohort' as aggregation,
        cast(null as integer) as event_time,
        cohort,
        sum(weight_cohort * att) as estimate,
        sum(weight_cohort * treated_base) as treated_base,
        count(*) as n_group_time,
        count(distinct cohort) as n_cohorts
    from group_time
    where is_post
    group by study_id, outcome_id, weighting, scale, cohort
),

overall as (
    select
        study_id,
        outcome_id,
        weighting,
        scale,
        'overall' as aggregation,
        cast(null as integer) as event_time,
        cast(null as date) as cohort,
        sum(weight_overall * att) as estimate,
        sum(weight_overall * treated_base) as treated_base,
        count(*) as n_group_time,
        count(distinct cohort) as n_cohorts
    from group_time
    where is_post
    group by study_id, outcome_id, weighting, scale
),

aggregated as (
    select * from by_event_time
    union all
    select * from by_cohort
    union all
    select * from overall
),

final as (
    select
        study_id,
        outcome_id,
        weighting,
        scale,
        aggregation,
        cast(event_time as integer) as event_time,
        cohort,
        cast(estimate as double) as estimate,
        cast(treated_base as double) as treated_base,
        cast({{ att_pct('scale', 'estimate', 'treated_base') }} as double) as estimate_pct,
        cast(n_group_time as integer) as n_group_time,
        cast(n_cohorts as integer) as n_cohorts
    from aggregated
)

select * from final
