{# Empty cells of the seed CSVs load as NULL on every engine: no text column of a seed holds the text 'None' or an empty string (dbt-spark's session method would load 'None'), and every seed is checked. #}
{% set seeds = [
    'counties', 'outcomes', 'studies', 'study_units', 'study_windows', 'study_measures',
    'nav_fully_unemployed_county_month', 'ssb_population_county_year',
    'nav_new_aap_recipients_county_q2', 'nav_doctor_certified_sick_leave_county_q1'
] %}
{% for seed in seeds %}
-- depends_on: {{ ref(seed) }}
{% endfor %}
{% set checks = [] %}
{% set unchecked = [] %}
{% if execute %}
    {% for node in graph.nodes.values() if node.resource_type == 'seed' and node.package_name == project_name %}
        {% if node.name not in seeds %}
            {% do unchecked.append(node.name) %}
        {% endif %}
        {% for column, data_type in node.config.column_types.items() if data_type | lower == 'string' %}
            {% do checks.append((node.name, column)) %}
        {% endfor %}
    {% endfor %}
{% endif %}

with loaded as (
    {% for seed, column in checks %}
    select '{{ seed }}' as seed, '{{ column }}' as seed_column, {{ column }} as value
    from {{ ref(seed) }}
    where {{ column }} in ('None', '')
    union all
    {% endfor %}
    {% for seed in unchecked %}
    select '{{ seed }}' as seed, cast(null as string) as seed_column, 'seed not in this test' as value
    union all
    {% endfor %}
    select cast(null as string) as seed, cast(null as string) as seed_column, cast(null as string) as value
    where false
)

select * from loaded
