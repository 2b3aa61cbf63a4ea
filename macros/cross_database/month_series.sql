{# One row per month (column period_start, DATE) from first_month to last_month inclusive; bounds may refer to columns of from_relation. #}
{% macro month_series(first_month, last_month, from_relation=none) %}
    {{ return(adapter.dispatch('month_series', 'regeval')(first_month, last_month, from_relation)) }}
{% endmacro %}

{# DuckDB (and PostgreSQL): generate_series over timestamps with a one-month step. #}
{% macro default__month_series(first_month, last_month, from_relation=none) %}
    select cast(generate_series as date) as period_start
    from {% if from_relation %}{{ from_relation }}, {% endif %}generate_series(
        cast({{ first_month }} as timestamp),
        cast({{ last_month }} as timestamp),
        interval 1 month
    )
{% endmacro %}

{# Spark: one array of dates from sequence(), exploded into rows. #}
{% macro spark__month_series(first_month, last_month, from_relation=none) %}
    select explode(sequence(
        cast({{ first_month }} as date),
        cast({{ last_month }} as date),
        interval 1 month
    )) as period_start
    {% if from_relation %}from {{ from_relation }}{% endif %}
{% endmacro %}
