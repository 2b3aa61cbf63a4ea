{# Group rate of summed counts: scale x sum(numerator) / sum(denominator); NULL when the denominators sum to 0. #}
{% macro pooled_rate(numerator, denominator, scale) %}
    {{ scale }} * sum({{ numerator }}) / nullif(sum({{ denominator }}), 0)
{% endmacro %}
