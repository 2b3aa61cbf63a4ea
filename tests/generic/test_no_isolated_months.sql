{# Months of the model's date column on either side of a gap of more than max_gap_months (e.g. a stray 2030 row after data ending in 2016): the isolated side has few rows. #}
{% test no_isolated_months(model, column_name, max_gap_months) %}
with months as (
    select distinct cast({{ dbt.date_trunc('month', column_name) }} as date) as {{ column_name }}
    from {{ model }}
    where {{ column_name }} is not null
),

neighbours as (
    select
        {{ column_name }},
        lag({{ column_name }}) over (order by {{ column_name }}) as month_before,
        lead({{ column_name }}) over (order by {{ column_name }}) as month_after
    from months
),

beside_gap as (
    select {{ column_name }}
    from neighbours
    where {{ dbt.datediff('month_before', column_name, 'month') }} > {{ max_gap_months }}
        or {{ dbt.datediff(column_name, 'month_after', 'month') }} > {{ max_gap_months }}
)

select * from beside_gap
{% endtest %}
