{# Study B (case-review workshops and AAP inflow, Hedmark, Apr 2013 / Apr 2014), Table 1: effect = [(B-A)-(D-C)]/A for every outcome of the study, with A, B the treated county's (Hedmark's) and C, D the control group's mean rates over the pre and post windows (all months). One row per outcome, in the article's order. #}
{% set article_outcomes = [
    'sick_leave_pct',
    'sickness_benefit_exhaustion',
    'aap_share_two_months_after_exhaustion',
    'aap_inflow_total',
    'aap_inflow_sickness_benefit',
    'aap_inflow_other',
    'aap_inflow_sickness_benefit_18_29',
    'aap_inflow_sickness_benefit_30_66',
    'aap_inflow_other_18_29',
    'aap_inflow_other_30_66',
    'aap_applications',
    'aap_rejection_pct',
] %}
with effects as (
    select *
    from {{ ref('effects_pre_post') }}
    where study_id = 'hedmark_2014_aap'
        and variant = 'all_months'
),

labels as (
    select outcome_id, label, unit
    from {{ ref('outcomes') }}
)

select
    effects.outcome_id,
    labels.label as outcome,
    labels.unit,
    effects.pre_start,
    effects.pre_end,
    effects.post_start,
    effects.post_end,
    effects.treated_pre as a_treated_pre,
    effects.treated_post as b_treated_post,
    effects.control_pre as c_control_pre,
    effects.control_post as d_control_post,
    effects.did,
    effects.effect_pct
from effects
left join labels
    on labels.outcome_id = effects.outcome_id
order by {{ article_order('effects.outcome_id', article_outcomes) }}, effects.outcome_id
