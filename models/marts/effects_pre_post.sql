{# Pre/post window means of the treated and control group rates, their differences, the difference-in-differences and the relative effect, for every study, outcome and variant. #}
with windows as (
    select * from {{ ref('study_outcome_windows') }}
),

study_panel as (
    select * from {{ ref('study_panel') }}
),

periods as (
    select
        study_id,
        outcome_id,
        period_start,
        any_value(rate) filter (where grp = 'treated') as treated_rate,
        any_value(rate) filter (where grp = 'control') as control_rate
    from study_panel
    group by study_id, outcome_id, period_start
    having count(rate) filter (where grp = 'treated') = 1
        and count(rate) filter (where grp = 'control') = 1
),

window_means as (
    select
        windows.study_id,
        windows.outcome_id,
        windows.variant,
        windows.pre_start,
        windows.pre_end,
        windows.post_start,
        windows.post_end,
        windows.calendar_months,
        {% for window in ['pre', 'post'] %}
        {% set in_this_window = in_window('periods.period_start', 'windows.' ~ window ~ '_start', 'windows.' ~ window ~ '_end', 'windows.calendar_months') %}
        count(*) filter (where {{ in_this_window }}) as n_periods_{{ window }},
        avg(periods.treated_rate) filter (where {{ in_this_window }}) as treated_{{ window }},
        avg(periods.control_rate) filter (where {{ in_this_window }}) as control_{{ window }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from windows
    inner join periods
        on periods.study_id = windows.study_id
        and periods.outcome_id = windows.outcome_id
    group by all
),

effects as (
    select
        study_id,
        outcome_id,
        variant,
        pre_start,
        pre_end,
        post_start,
        post_end,
        calendar_months,
        n_periods_pre,
        n_periods_post,
        treated_pre,
        treated_post,
        control_pre,
        control_post,
        {{ pre_post_effects('treated_pre', 'treated_post', 'control_pre', 'control_post') }}
    from window_means
)

select * from effects
