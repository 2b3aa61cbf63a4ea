{# Distinct key combinations of the model that have no row in another relation. #}
{% test has_matching_row(model, to, columns) %}
with keys as (
    select distinct {{ columns | join(', ') }}
    from {{ model }}
),

missing as (
    select keys.*
    from keys
    left join {{ to }} as other
        on {% for c in columns %}other.{{ c }} = keys.{{ c }}{% if not loop.last %} and {% endif %}{% endfor %}
    where other.{{ columns[0] }} is null
)

select * from missing
{% endtest %}
