{# One row per month (column period_start, DATE) from first_month to last_month inclusive; bounds may refer to columns of from_relation. #}
{% macro month_series(first_month, last_month, from_relation=none) %}
    select cast(generate_series as date) as period_start
    from {% if from_relation %}{{ from_relation }}, {% endif %}generate_series(
        cast({{ first_month }} as timestamp),
        cast({{ last_month }} as timestamp),
        interval 1 month
    )
{% endmacro %}
