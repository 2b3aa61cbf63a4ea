{# The distinct non-NULL values of a string expression in a group, sorted and joined by separator (an aggregate). #}
{% macro string_agg_distinct(expression, separator=', ') %}
    {{ return(adapter.dispatch('string_agg_distinct', 'regeval')(expression, separator)) }}
{% endmacro %}

{# DuckDB: string_agg with distinct and an order by inside the aggregate. #}
{% macro default__string_agg_distinct(expression, separator=', ') %}
    string_agg(distinct {{ expression }}, '{{ separator }}' order by {{ expression }})
{% endmacro %}

{# Spark: the set of values, sorted, joined. #}
{% macro spark__string_agg_distinct(expression, separator=', ') %}
    array_join(array_sort(collect_set({{ expression }})), '{{ separator }}')
{% endmacro %}
