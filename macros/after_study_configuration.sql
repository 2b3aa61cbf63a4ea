{# Makes the calling model depend on the study seeds, so that `dbt build` runs their tests before it and skips it when one fails. #}
{% macro after_study_configuration() %}
    -- depends_on: {{ ref('studies') }}, {{ ref('study_units') }}, {{ ref('study_windows') }}, {{ ref('outcomes') }}
{% endmacro %}
