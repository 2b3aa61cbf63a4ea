{# Age group label for an age: '18-29', '30-49', '50-66' (groups = 'three') or '18-29', '30-66' (groups = 'two'); NULL outside 18-66. #}
{% macro age_group(age, groups='two') %}
    case
        when {{ age }} between 18 and 29 then '18-29'
        {% if groups == 'three' %}
        when {{ age }} between 30 and 49 then '30-49'
        when {{ age }} between 50 and 66 then '50-66'
        {% else %}
        when {{ age }} between 30 and 66 then '30-66'
        {% endif %}
    end
{% endmacro %}
