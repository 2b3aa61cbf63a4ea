{# Creates one raw view per register source table over its file in REGEVAL_DATA (parquet, else CSV typed by the source's columns). #}
{% macro create_register_relations() %}
    {% if not execute %}{{ return('') }}{% endif %}
    {% set data_dir = var('register_data') | string %}
    {% set statements = ['create schema if not exists raw'] %}
    {% for source_node in graph.sources.values() if source_node.source_name == 'register' %}
        {% set table = source_node.name %}
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
        {% do statements.append("create or replace view raw." ~ table ~ " as select * from " ~ reader) %}
    {% endfor %}
    {{ return(statements | join(';\n')) }}
{% endmacro %}
