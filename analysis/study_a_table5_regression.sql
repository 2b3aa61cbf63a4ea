{# Study A, Table 5: the regression effects in percent with their 95 % intervals, next to the placebo effect of a hypothetical intervention over the study's placebo window (Mar 2013 - Oct 2014) estimated in the same regression, and the pre-trend test. Model twfe_county (county and month fixed effects, weighted by the labour force), the one that estimates the placebo window beside the effect. One row per outcome and inference method, in the report's order; recommended marks the row the study headlines, calibrated whether its method's calibration holds on this study. Intervals are NULL where the method gives none or where it is unbounded (conformal). #}
{#- The estimate tables are written by the estimation step and declared as the source `estimates`. -#}
{% set terms = [('post', 'effect'), ('placebo_window', 'placebo'), ('pre_trend', 'pre_trend')] %}
{% set study_outcomes = [
    'jobseekers_dagpenger',
    'new_jobseekers_dagpenger',
    'duration_26_51_dagpenger',
    'duration_52_77_dagpenger',
    'duration_78_103_dagpenger',
    'duration_104plus_dagpenger',
    'jobseekers_no_dagpenger',
    'new_jobseekers_no_dagpenger',
    'duration_26_51_no_dagpenger',
    'duration_52_77_no_dagpenger',
    'duration_78_103_no_dagpenger',
    'duration_104plus_no_dagpenger',
] %}
{#- Valid methods first, then the conventional ones shown for comparison (the report's order). -#}
{% set inference_order = [
    'placebo_t', 'conley_taber', 'permutation', 'ferman_pinto', 'studentized_t',
    'studentized_permutation', 'conformal', 'cluster_county', 'cluster_unit', 'hc1',
] %}
with regression as (
    select *
    from {{ ref('regression_effects') }}
    where study_id = 'hedmark_2014_jobseekers'
        and model = 'twfe_county'
),

observations as (
    select
        outcome_id,
        max(n_obs) as n_obs
    from regression
    where term = 'post'
    group by outcome_id
),

by_inference as (
    select
        outcome_id,
        inference,
        max(case when term = 'post' and recommended then 1 else 0 end) = 1 as recommended,
        max(case when term = 'post' and calibrated then 1 else 0 end) = 1 as calibrated,
        {% for term, prefix in terms %}
        max(case when term = '{{ term }}' then estimate_pct end) as {{ prefix }}_estimate_pct,
        max(case when term = '{{ term }}' then ci_low_pct end) as {{ prefix }}_ci_low_pct,
        max(case when term = '{{ term }}' then ci_high_pct end) as {{ prefix }}_ci_high_pct,
        max(case when term = '{{ term }}' then p_value end) as {{ prefix }}_p_value,
        max(case when term = '{{ term }}' then p_value_holm end) as {{ prefix }}_p_value_holm{% if not loop.last %},{% endif %}
        {% endfor %}
    from regression
    group by outcome_id, inference
),

labels as (
    select outcome_id, label
    from {{ ref('outcomes') }}
)

select
    by_inference.outcome_id,
    labels.label as outcome,
    by_inference.inference,
    by_inference.recommended,
    by_inference.calibrated,
    {% for term, prefix in terms %}
    by_inference.{{ prefix }}_estimate_pct,
    by_inference.{{ prefix }}_ci_low_pct,
    by_inference.{{ prefix }}_ci_high_pct,
    by_inference.{{ prefix }}_p_value,
    by_inference.{{ prefix }}_p_value_holm,
    {% endfor %}
    observations.n_obs
from by_inference
left join observations
    on observations.outcome_id = by_inference.outcome_id
left join labels
    on labels.outcome_id = by_inference.outcome_id
order by
    {{ article_order('by_inference.outcome_id', study_outcomes) }},
    by_inference.outcome_id,
    {{ article_order('by_inference.inference', inference_order) }},
    by_inference.inference
