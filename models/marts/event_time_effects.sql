{# Group-time effects of every roll-out study aggregated with the weights in group_time_effects: by event time (periods since adoption; cohorts weighted by size among those observed at that event time, flagged balanced where every cohort is), by cohort (its post periods, equally weighted) and overall (the cohort effects weighted by cohort size). #}
with group_time as (
    select * from {{ ref('group_time_effects') }}
),

cohort_counts as (
    select study_id, outcome_id, weighting, scale, count(distinct cohort) as n_cohorts_all
    from group_time
    group by study_id, outcome_id, weighting, scale
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
        aggregated.study_id,
        aggregated.outcome_id,
        aggregated.weighting,
        aggregated.scale,
        aggregated.aggregation,
        cast(aggregated.event_time as integer) as event_time,
        aggregated.cohort,
        cast(aggregated.estimate as double) as estimate,
        cast(aggregated.treated_base as double) as treated_base,
        cast({{ att_pct('aggregated.scale', 'aggregated.estimate', 'aggregated.treated_base') }} as double) as estimate_pct,
        cast(aggregated.n_group_time as integer) as n_group_time,
        cast(aggregated.n_cohorts as integer) as n_cohorts,
        case
            when aggregated.aggregation = 'event_time'
                then aggregated.n_cohorts = cohort_counts.n_cohorts_all
        end as balanced
    from aggregated
    inner join cohort_counts
        on cohort_counts.study_id = aggregated.study_id
        and cohort_counts.outcome_id = aggregated.outcome_id
        and cohort_counts.weighting = aggregated.weighting
        and cohort_counts.scale = aggregated.scale
)

select * from final
