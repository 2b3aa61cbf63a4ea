{# Stops the query with a message (a string expression) when evaluated. #}
{% macro raise_error(message) %}
    {{ return(adapter.dispatch('raise_error', 'regeval')(message)) }}
{% endmacro %}

{# DuckDB: error(). #}
{% macro default__raise_error(message) %}
    error({{ message }})
{% endmacro %}

{# Spark: raise_error(). #}
{% macro spark__raise_error(message) %}
    raise_error({{ message }})
{% endmacro %}
