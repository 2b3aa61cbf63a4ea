{# Rows whose date column is not the first day of a month (NULLs pass). #}
{% test first_of_month(model, column_name) %}
select *
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} <> cast({{ dbt.date_trunc('month', column_name) }} as date)
{% endtest %}
