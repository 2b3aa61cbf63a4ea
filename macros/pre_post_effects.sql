{# The pre/post columns from four window means: diff_pre, diff_post, change_treated, change_control, did, effect_pct. #}
{% macro pre_post_effects(treated_pre, treated_post, control_pre, control_post) %}
    {{ treated_pre }} - {{ control_pre }} as diff_pre,
    {{ treated_post }} - {{ control_post }} as diff_post,
    {{ treated_post }} - {{ treated_pre }} as change_treated,
    {{ control_post }} - {{ control_pre }} as change_control,
    ({{ treated_post }} - {{ treated_pre }}) - ({{ control_post }} - {{ control_pre }}) as did,
    {{ relative_effect(
        '((' ~ treated_post ~ ' - ' ~ treated_pre ~ ') - (' ~ control_post ~ ' - ' ~ control_pre ~ '))',
        treated_pre
    ) }} as effect_pct
{% endmacro %}
