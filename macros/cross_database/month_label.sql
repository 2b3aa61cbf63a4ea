{# The label 'YYYY-MM' of a date (a string). #}
{% macro month_label(date_expression) %}
    {{ return(adapter.dispatch('month_label', 'regeval')(date_expression)) }}
{% endmacro %}

{# DuckDB: strftime with C format codes. #}
{% macro default__month_label(date_expression) %}
    strftime({{ date_expression }}, '%Y-%m')
{% endmacro %}

{# Spark: date_format with Java datetime patterns. #}
{% macro spark__month_label(date_expression) %}
    date_format({{ date_expression }}, 'yyyy-MM')
{% endmacro %}
