{{ config(materialized='view') }}

with study_outcomes as (
    select distinct study_id, outcome_id
    from {{ ref('study_outcome_windows') }}
    where variant = 'all_months'
),

recommended as (
    select *
    from {{ ref('regression_effects') }}
    where recommended
),

headline as (
    select
        study_outcomes.study_id,
        study_outcomes.outcome_id,
        outcomes.label as outcome_label,
        outcomes.unit,
        recommended.model,
        recommended.inference as method,
        recommended.estimate_pct,
        recommended.ci_low_pct,
        recommended.ci_high_pct,
        recommended.p_value,
        recommended.p_value_holm,
        recommended.estimate,
        recommended.ci_low,
        recommended.ci_high,
        recommended.treated_pre_mean,
        recommended.n_controls,
        coalesce(recommended.calibrated, false) as calibrated,
        coalesce(
            recommended.recommendation,
            'no single-county inference for this outcome (too few periods or controls)'
        ) as recommendation
    from study_outcomes
    inner join {{ ref('outcomes') }} as outcomes
        on study_outcomes.outcome_id = outcomes.outcome_id
    left join recommended
        on study_outcomes.study_id = recommended.study_id
        and study_outcomes.outcome_id = recommended.outcome_id
)

select * from headline
