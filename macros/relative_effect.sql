{# Relative effect in percent: 100 x did / base (the treated pre-window mean); NULL when the base is 0. #}
{% macro relative_effect(did, base) %}
    100.0 * {{ did }} / nullif({{ base }}, 0)
{% endmacro %}
