{# ATT(g, t) from county changes: for each cohort g, scale and period t, the treated counties' mean change from the cohort's base period minus the comparison counties' mean change over the same span, unweighted and weighted by the base-period denominator (Callaway and Sant'Anna 2021, no covariates). #}
{% macro group_time_att(changes) %}
    {#- changes: relation or CTE with study_id, outcome_id, scale, cohort, base_period, period_start,
        event_time, side ('treated' or 'comparison'), change, base_value, weight (base-period denominator). -#}
    select
        study_id,
        outcome_id,
        scale,
        cohort,
        base_period,
        period_start,
        event_time,
        side,
        count(*) as n_counties,
        sum(weight) as total_weight,
        avg(change) as change_unweighted,
        sum(weight * change) / nullif(sum(weight), 0) as change_denominator,
        avg(base_value) as base_unweighted,
        sum(weight * base_value) / nullif(sum(weight), 0) as base_denominator
    from {{ changes }}
    group by study_id, outcome_id, scale, cohort, base_period, period_start, event_time, side
{% endmacro %}

{# Relative effect of a group-time or aggregated effect in percent: on the log scale 100 x (exp(att) - 1); on the level scale 100 x att / the treated counties' base-period level. #}
{% macro att_pct(scale, att, treated_base) %}
    case
        when {{ scale }} = 'log' then 100.0 * (exp({{ att }}) - 1)
        else {{ relative_effect(att, treated_base) }}
    end
{% endmacro %}
