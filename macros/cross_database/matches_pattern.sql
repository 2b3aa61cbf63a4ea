{# True when a string expression matches a regular expression anchored with ^ and $. #}
{% macro matches_pattern(expression, pattern) %}
    {{ return(adapter.dispatch('matches_pattern', 'regeval')(expression, pattern)) }}
{% endmacro %}

{# DuckDB: regexp_full_match (RE2). #}
{% macro default__matches_pattern(expression, pattern) %}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{% endmacro %}

{# Spark: rlike (Java regular expressions; the pattern's anchors make it a full match). #}
{% macro spark__matches_pattern(expression, pattern) %}
    ({{ expression }} rlike '{{ pattern }}')
{% endmacro %}
