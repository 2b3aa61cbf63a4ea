{# The source articles' pre/post tables from effects_pre_post (used by the analyses in analysis/): lines pre, post, change and effect_pct by variant, laid out with one column trio per outcome or one block of lines per outcome. #}

{# case column when values[0] then 1 ... else len + 1 end: a sort key that puts the listed values first, in the list's order. #}
{% macro article_order(column, values) %}
    case {{ column }}
        {% for value in values %}
        when '{{ value }}' then {{ loop.index }}
        {% endfor %}
        else {{ values | length + 1 }}
    end
{% endmacro %}

{# One row per outcome, variant and line of the study's effects_pre_post rows of the listed outcomes: treated, control and difference as the article's pre/post tables show them. #}
{% macro article_pre_post_lines(study_id, outcome_ids) %}
    select
        effects.outcome_id,
        effects.variant,
        {{ article_order('effects.variant', ['all_months', 'same_months']) }} as variant_order,
        lines.line_order,
        lines.line,
        case lines.line when 'pre' then effects.pre_start when 'post' then effects.post_start end as window_start,
        case lines.line when 'pre' then effects.pre_end when 'post' then effects.post_end end as window_end,
        case when lines.line in ('pre', 'post') then coalesce(effects.calendar_months, '') end as calendar_months,
        case lines.line
            when 'pre' then effects.treated_pre
            when 'post' then effects.treated_post
            when 'change' then effects.change_treated
        end as treated,
        case lines.line
            when 'pre' then effects.control_pre
            when 'post' then effects.control_post
            when 'change' then effects.change_control
        end as control,
        case lines.line
            when 'pre' then effects.diff_pre
            when 'post' then effects.diff_post
            when 'change' then effects.did
            when 'effect_pct' then effects.effect_pct
        end as difference
    from {{ ref('effects_pre_post') }} as effects
    cross join (
        select 1 as line_order, 'pre' as line
        union all
        select 2 as line_order, 'post' as line
        union all
        select 3 as line_order, 'change' as line
        union all
        select 4 as line_order, 'effect_pct' as line
    ) as lines
    where effects.study_id = '{{ study_id }}'
        and effects.outcome_id in ('{{ outcome_ids | join("', '") }}')
{% endmacro %}

{# The outcomes side by side (Study A Tables 1-2): per variant the lines pre, post, change, effect_pct; per outcome the columns <outcome>_treated, _control, _difference; the window on the pre and post lines when every outcome has the same. #}
{% macro article_pre_post_by_column(study_id, outcome_ids) %}
with lines as (
    {{ article_pre_post_lines(study_id, outcome_ids) }}
),

laid_out as (
    select
        variant,
        variant_order,
        line,
        line_order,
        case
            when count(distinct window_start) = 1 and count(distinct window_end) = 1
                and count(distinct calendar_months) = 1
                then min(window_start)
        end as window_start,
        case
            when count(distinct window_start) = 1 and count(distinct window_end) = 1
                and count(distinct calendar_months) = 1
                then min(window_end)
        end as window_end,
        case
            when count(distinct window_start) = 1 and count(distinct window_end) = 1
                and count(distinct calendar_months) = 1
                then min(calendar_months)
        end as calendar_months,
        {% for outcome_id in outcome_ids %}
        max(case when outcome_id = '{{ outcome_id }}' then treated end) as {{ outcome_id }}_treated,
        max(case when outcome_id = '{{ outcome_id }}' then control end) as {{ outcome_id }}_control,
        max(case when outcome_id = '{{ outcome_id }}' then difference end) as {{ outcome_id }}_difference{% if not loop.last %},{% endif %}
        {% endfor %}
    from lines
    group by variant, variant_order, line, line_order
)

select
    variant,
    line,
    window_start,
    window_end,
    calendar_months,
    {% for outcome_id in outcome_ids %}
    {{ outcome_id }}_treated,
    {{ outcome_id }}_control,
    {{ outcome_id }}_difference{% if not loop.last %},{% endif %}
    {% endfor %}
from laid_out
order by variant_order, variant, line_order
{% endmacro %}

{# The outcomes one under the other (Study A Tables 3-4): per outcome (in the listed order) and variant the lines pre, post, change, effect_pct with treated, control and difference. #}
{% macro article_pre_post_by_row(study_id, outcome_ids) %}
with lines as (
    {{ article_pre_post_lines(study_id, outcome_ids) }}
),

labels as (
    select outcome_id, label
    from {{ ref('outcomes') }}
)

select
    lines.outcome_id,
    labels.label as outcome,
    lines.variant,
    lines.line,
    lines.window_start,
    lines.window_end,
    lines.calendar_months,
    lines.treated,
    lines.control,
    lines.difference
from lines
left join labels
    on labels.outcome_id = lines.outcome_id
order by
    {{ article_order('lines.outcome_id', outcome_ids) }},
    lines.variant_order,
    lines.variant,
    lines.line_order
{% endmacro %}
