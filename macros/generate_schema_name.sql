{# Schemas by layer: a folder's +schema is used as the schema name itself (dbt's default would prefix the target schema); without one, the target schema (main on DuckDB). #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
