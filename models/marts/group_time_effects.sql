{# Group-time effects ATT(g, t) of every roll-out study and outcome: each cohort (treated counties sharing a first treated month) against the never-treated or not-yet-treated counties, every period against the cohort's base period (the last one before it), unweighted and denominator-weighted, in rate points and in logs, with the weights that aggregate them to event time, cohort and overall. #}
with compared as (
    select * from {{ ref('int_rollout__county_changes') }}
),

sides as (
    {{ group_time_att('compared') }}
),

paired as (
    select
        treated.study_id,
        treated.outcome_id,
        treated.scale,
        treated.cohort,
        treated.base_period,
        treated.period_start,
        treated.event_time,
        treated.n_counties as n_treated,
        comparison.n_counties as n_comparison,
        treated.total_weight as treated_weight,
        treated.change_unweighted as treated_change_unweighted,
        treated.change_denominator as treated_change_denominator,
        comparison.change_unweighted as comparison_change_unweighted,
        comparison.change_denominator as comparison_change_denominator,
        treated.base_unweighted as treated_base_unweighted,
        treated.base_denominator as treated_base_denominator
    from sides as treated
    inner join sides as comparison
        on comparison.study_id = treated.study_id
        and comparison.outcome_id = treated.outcome_id
        and comparison.scale = treated.scale
        and comparison.cohort = treated.cohort
        and comparison.period_start = treated.period_start
        and comparison.side = 'comparison'
    where treated.side = 'treated'
),

weighted as (
    select
        study_id, outcome_id, scale, cohort, base_period, period_start, event_time,
        n_treated, n_comparison,
        'unweighted' as weighting,
        cast(n_treated as double) as cohort_size,
        treated_change_unweighted as treated_change,
        comparison_change_unweighted as comparison_change,
        treated_base_unweighted as treated_base
    from paired
    union all
    select
        study_id, outcome_id, scale, cohort, base_period, period_start, event_time,
        n_treated, n_comparison,
        'denominator' as weighting,
        cast(treated_weight as double) as cohort_size,
        treated_change_denominator as treated_change,
        comparison_change_denominator as comparison_change,
        treated_base_denominator as treated_base
    from paired
),

with_att as (
    select
        *,
        treated_change - comparison_change as att,
        event_time >= 0 as is_post,
        sum(cohort_size) over (
            partition by study_id, outcome_id, scale, weighting, event_time
        ) as event_time_size,
        sum(case when event_time >= 0 then 1 else 0 end) over (
            partition by study_id, outcome_id, scale, weighting, cohort
        ) as n_post_periods
    from weighted
),

cohort_sizes as (
    select distinct study_id, outcome_id, scale, weighting, cohort, cohort_size
    from with_att
    where is_post
),

post_sizes as (
    select study_id, outcome_id, scale, weighting, sum(cohort_size) as post_cohort_size
    from cohort_sizes
    group by study_id, outcome_id, scale, weighting
),

final as (
    select
        with_att.study_id,
        with_att.outcome_id,
        with_att.weighting,
        with_att.scale,
        with_att.cohort,
        with_att.base_period,
        with_att.period_start,
        with_att.event_time,
        with_att.is_post,
        cast(with_att.n_treated as integer) as n_treated,
        cast(with_att.n_comparison as integer) as n_comparison,
        cast(with_att.treated_change as double) as treated_change,
        cast(with_att.comparison_change as double) as comparison_change,
        cast(with_att.att as double) as att,
        cast(with_att.treated_base as double) as treated_base,
        cast({{ att_pct('with_att.scale', 'with_att.att', 'with_att.treated_base') }} as double) as att_pct,
        with_att.cohort_size,
        cast(with_att.cohort_size / with_att.event_time_size as double) as weight_event_time,
        cast(case when with_att.is_post then 1.0 / with_att.n_post_periods end as double) as weight_cohort,
        cast(case
            when with_att.is_post
                then with_att.cohort_size / post_sizes.post_cohort_size / with_att.n_post_periods
        end as double) as weight_overall
    from with_att
    left join post_sizes
        on post_sizes.study_id = with_att.study_id
        and post_sizes.outcome_id = with_att.outcome_id
        and post_sizes.scale = with_att.scale
        and post_sizes.weighting = with_att.weighting
)

select * from final
