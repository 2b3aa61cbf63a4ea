{# Rows whose date column lies outside [first, last] (NULLs pass): the register period of the contract. #}
{% test in_date_range(model, column_name, first, last) %}
select *
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} not between date '{{ first }}' and date '{{ last }}'
{% endtest %}
