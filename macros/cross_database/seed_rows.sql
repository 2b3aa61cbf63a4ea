{#
    Spark: seed rows inserted as SQL literals, so that an empty CSV cell loads as NULL on Spark as
    it does on DuckDB. dbt-spark's own macro binds the values as parameters, and its session
    method formats a missing value as the text 'None' (and quotes no apostrophe); root-project
    macros win the 'dbt' dispatch, so this one replaces it.
#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {% set batch_size = get_batch_size() %}
    {% set column_override = model['config'].get('column_types', {}) %}
    {% set statements = [] %}
    {% for chunk in agate_table.rows | batch(batch_size) %}
        {% set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    {{ seed_literal(row[loop.index0], column_override.get(col_name, inferred_type)) }}
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {% endset %}
        {% do adapter.add_query(sql, abridge_sql_log=True) %}
        {% if loop.index0 == 0 %}
            {% do statements.append(sql) %}
        {% endif %}
    {% endfor %}
    {{ return(statements[0]) }}
{% endmacro %}

{# A seed value as a Spark SQL literal of the column's type: NULL for an empty cell, else the quoted text (cast to the type unless a string). #}
{% macro seed_literal(value, data_type) %}
    {%- if value is none -%}
        cast(null as {{ data_type }})
    {%- else -%}
        {%- set text = (value | string) | replace('\\', '\\\\') | replace("'", "\\'") -%}
        {%- if data_type | lower == 'string' -%}
            '{{ text }}'
        {%- else -%}
            cast('{{ text }}' as {{ data_type }})
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
