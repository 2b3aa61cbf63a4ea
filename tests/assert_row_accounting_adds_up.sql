{# Source tables and outcome families of row_accounting whose rows read are not the rows used plus the rows left out, and register tables missing from it. #}
{% set register_tables = [] %}
{% if execute %}
    {% for source_node in graph.sources.values() if source_node.source_name == 'register' %}
        {% do register_tables.append(source_node.name) %}
    {% endfor %}
{% endif %}

with accounting as (
    select * from {{ ref('row_accounting') }}
),

families as (
    select
        source_table,
        outcome_family,
        min(rows_read) as rows_read,
        max(rows_read) as rows_read_max,
        min(rows_used) as rows_used,
        max(rows_used) as rows_used_max,
        sum(rows_left_out) as rows_left_out
    from accounting
    group by source_table, outcome_family
),

unbalanced as (
    select
        source_table,
        outcome_family,
        'rows_read <> rows_used + rows_left_out' as problem
    from families
    where rows_read <> rows_used + rows_left_out
        or rows_read <> rows_read_max
        or rows_used <> rows_used_max
),

register_tables as (
    {% for table in register_tables %}
    select '{{ table }}' as source_table
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select cast(null as string) as source_table where false
    {% endfor %}
),

missing as (
    select
        register_tables.source_table,
        cast(null as string) as outcome_family,
        'register table not accounted for' as problem
    from register_tables
    anti join families
        on families.source_table = register_tables.source_table
),

problems as (
    select * from unbalanced
    union all
    select * from missing
)

select * from problems
