{# The two halves of a one-pass unpivot of wide outcome columns: outcome_id_rows lists the ids (one row each, column outcome_id), by_outcome picks each row's expression. #}
{% macro outcome_id_rows(outcome_ids) %}
    {% for outcome_id in outcome_ids %}
    select '{{ outcome_id }}' as outcome_id
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
{% endmacro %}

{# case outcome_column when 'id' then expression ... end, from (outcome_id, expression) pairs. #}
{% macro by_outcome(outcome_column, pairs) %}
    case {{ outcome_column }}
        {% for outcome_id, expression in pairs %}
        when '{{ outcome_id }}' then {{ expression }}
        {% endfor %}
    end
{% endmacro %}
