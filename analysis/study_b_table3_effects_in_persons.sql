{# Study B, Table 3: the relative effects on new AAP recipients converted to persons in Hedmark (effect fraction x the subgroup's count over the pre-window months there), extrapolated to the whole country (the same fraction of the country's count) and each subgroup's share of the effect on all new recipients. One row per subgroup, in the article's order; part_of names the subgroup a row is a part of (NULL for the total and the two origins). #}
{% set article_outcomes = [
    'aap_inflow_total',
    'aap_inflow_sickness_benefit',
    'aap_inflow_sickness_benefit_18_29',
    'aap_inflow_sickness_benefit_30_66',
    'aap_inflow_other',
    'aap_inflow_other_18_29',
    'aap_inflow_other_30_66',
] %}
with summary as (
    select *
    from {{ ref('effects_summary') }}
    where study_id = 'hedmark_2014_aap'
),

totals as (
    select distinct summary_total_outcome as outcome_id
    from summary
    where summary_total_outcome is not null
),

-- A subgroup is part of the longest other outcome (not a total) its id extends: aap_inflow_other_18_29 of aap_inflow_other.
parents as (
    select
        child.outcome_id,
        parent.outcome_id as part_of,
        row_number() over (partition by child.outcome_id order by length(parent.outcome_id) desc) as nearest
    from summary as child
    inner join summary as parent
        on substring(child.outcome_id, 1, length(parent.outcome_id) + 1) = parent.outcome_id || '_'
    left join totals
        on totals.outcome_id = parent.outcome_id
    where totals.outcome_id is null
),

labels as (
    select outcome_id, label
    from {{ ref('outcomes') }}
)

select
    summary.outcome_id,
    labels.label as subgroup,
    parents.part_of,
    summary.effect_pct,
    summary.persons_treated,
    summary.persons_national,
    summary.share_of_total_pct
from summary
left join parents
    on parents.outcome_id = summary.outcome_id
    and parents.nearest = 1
left join labels
    on labels.outcome_id = summary.outcome_id
order by {{ article_order('summary.outcome_id', article_outcomes) }}, summary.outcome_id
