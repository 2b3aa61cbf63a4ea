{# The rows of one estimate table from int_estimates_computed, each column cast to this model's contract (its yml, the one home of the names and types). DuckDB only: the estimation model is a dbt-duckdb Python model. #}
{% macro estimate_columns(table) %}
    select
    {%- for column in model.columns.values() %}
        cast(row_values ->> '{{ column.name }}' as {{ column.data_type }}) as {{ column.name }}
        {{- "," if not loop.last }}
    {%- endfor %}
    from {{ ref('int_estimates_computed') }}
    where estimate_table = '{{ table }}'
    order by row_order
{% endmacro %}
