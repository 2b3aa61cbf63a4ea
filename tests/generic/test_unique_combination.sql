{# Key values that occur on more than one row of the model. With repeats_counted_in (a model holding the number of rows that repeat a key, found by a sorted pass over the same rows in column repeats_column), the full group-by runs only when that number is not 0; var duplicate_keys_from_counts=false (regeval validate, where the model is not built) always runs it. #}
{% test unique_combination(model, combination_of_columns, repeats_counted_in=none, repeats_column=none) %}
{% set from_counts = repeats_counted_in is not none and var('duplicate_keys_from_counts', true) %}
{% if from_counts %}
with repeats as (
    select coalesce(sum({{ repeats_column }}), 0) as n_repeats
    from {{ ref(repeats_counted_in) }}
)

{% endif %}
select
    {{ combination_of_columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
{% if from_counts %}
where (select n_repeats from repeats) > 0
{% endif %}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}
