{# Creates one raw relation per register source table over its file in REGEVAL_DATA, at the start of every dbt invocation. #}
{% macro create_register_relations() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {{ return(adapter.dispatch('create_register_relations', 'regeval')()) }}
{% endmacro %}

{# The register source tables (graph nodes), in the order of the source YAML. #}
{% macro register_source_nodes() %}
    {% set nodes = [] %}
    {% for source_node in graph.sources.values() if source_node.source_name == 'register' %}
        {% do nodes.append(source_node) %}
    {% endfor %}
    {{ return(nodes) }}
{% endmacro %}

{# DuckDB: a view per table over <table>.parquet, else <table>.csv typed by the source's declared columns; returns the statements for the hook. #}
{% macro default__create_register_relations() %}
    {% set data_dir = var('register_data') | string %}
    {% set statements = [] %}
    {% for source_node in register_source_nodes() %}
        {% set table = source_node.name %}
        {% if loop.first %}
            {% do statements.append('create schema if not exists ' ~ source_node.schema) %}
        {% endif %}
        {% set base = (data_dir ~ '/' ~ table) | replace("'", "''") %}
        {% set found = run_query(
            "select (select count(*) from glob('" ~ base ~ ".parquet')) as n_parquet, "
            ~ "(select count(*) from glob('" ~ base ~ ".csv')) as n_csv"
        ) %}
        {% if found.rows[0][0] > 0 %}
            {% set reader = "read_parquet('" ~ base ~ ".parquet')" %}
        {% elif found.rows[0][1] > 0 %}
            {% set column_types = [] %}
            {% for column in source_node.columns.values() %}
                {% do column_types.append("'" ~ column.name ~ "': '" ~ column.data_type | upper ~ "'") %}
            {% endfor %}
            {% set reader = "read_csv('" ~ base ~ ".csv', header = true, auto_detect = false, columns = {"
                ~ column_types | join(', ') ~ "})" %}
        {% else %}
            {{ exceptions.raise_compiler_error(
                "register table " ~ table ~ ": no file " ~ table ~ ".parquet or " ~ table ~ ".csv in "
                ~ data_dir ~ " (REGEVAL_DATA). Run `make run` to generate the synthetic register, "
                ~ "or point REGEVAL_DATA at an extract."
            ) }}
        {% endif %}
        {% do statements.append("create or replace view " ~ source_node.schema ~ "." ~ table ~ " as select * from " ~ reader) %}
    {% endfor %}
    {{ return(statements | join(';\n')) }}
{% endmacro %}

{#
    Spark: an external table per table over <REGEVAL_DATA>/<table>.<format>, the format being the
    variable register_format ('parquet' by default; 'csv' reads a header row and the declared
    column types; any other data source Spark knows, such as 'orc' or 'delta', is taken as it is).
    Spark runs one statement at a time, so the statements run here and the hook gets none.
#}
{% macro spark__create_register_relations() %}
    {% set data_dir = var('register_data') | string %}
    {% set format = var('register_format') | string %}
    {% for source_node in register_source_nodes() %}
        {% set table = source_node.name %}
        {% set relation = source_node.schema ~ '.' ~ table %}
        {% set path = (data_dir ~ '/' ~ table ~ '.' ~ format) | replace('\\', '\\\\') | replace("'", "\\'") %}
        {% if loop.first %}
            {% do run_query('create schema if not exists ' ~ source_node.schema) %}
        {% endif %}
        {% do run_query('drop table if exists ' ~ relation) %}
        {% if format == 'csv' %}
            {% set columns = [] %}
            {% for column in source_node.columns.values() %}
                {% do columns.append(column.name ~ ' ' ~ column.data_type) %}
            {% endfor %}
            {% do run_query(
                'create table ' ~ relation ~ ' (' ~ columns | join(', ') ~ ") using csv options (path '"
                ~ path ~ "', header 'true')"
            ) %}
        {% else %}
            {% do run_query('create table ' ~ relation ~ ' using ' ~ format ~ " location '" ~ path ~ "'") %}
        {% endif %}
    {% endfor %}
    {{ return('') }}
{% endmacro %}
