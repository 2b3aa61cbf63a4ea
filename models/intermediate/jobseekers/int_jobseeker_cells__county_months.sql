{# Job-seeker outcome counts by county, month and cell (gender x age group 18-29/30-49/50-66 x education), for the composition-adjusted model; from the cell counts (ages outside 18-66 have no cell). #}
{% set outcomes = jobseeker_outcomes() %}
{% set counts_by_outcome = [] %}
{% for outcome in outcomes %}
    {% do counts_by_outcome.append((outcome.id, 'grid.' ~ outcome.id)) %}
{% endfor %}
{% set new_only_ids = outcomes | selectattr('new_only') | map(attribute='id') | list %}

with counted as (
    select * from {{ ref('int_jobseeker_months_counted') }}
),

labour_force as (
    select * from {{ ref('stg_register__labour_force_months') }}
),

counts as (
    select *
    from counted
    where age_group is not null
),

cells as (
    select distinct
        gender,
        age_group,
        education
    from counts
),

grid as (
    select
        labour_force.county_code,
        labour_force.month,
        cells.gender || '|' || cells.age_group || '|' || cells.education as cell,
        labour_force.labour_force,
        {% for outcome in outcomes %}
        coalesce(counts.{{ outcome.id }}, 0) as {{ outcome.id }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from labour_force
    cross join cells
    left join counts
        on counts.county_code = labour_force.county_code
        and counts.month = labour_force.month
        and counts.gender = cells.gender
        and counts.age_group = cells.age_group
        and counts.education = cells.education
),

countable as (
    select
        min(month) filter (where is_countable_month) as first_countable_month,
        max(month) filter (where is_dagpenger_window_complete) as last_countable_month
    from counted
),

outcome_ids as (
    {{ outcome_id_rows(outcomes | map(attribute='id') | list) }}
),

long as (
    select
        outcome_ids.outcome_id,
        grid.month as period_start,
        grid.county_code,
        grid.cell,
        cast({{ by_outcome('outcome_ids.outcome_id', counts_by_outcome) }} as double) as numerator,
        cast(grid.labour_force as double) as denominator
    from grid
    cross join outcome_ids
    cross join countable
    where outcome_ids.outcome_id not in ('{{ new_only_ids | join("', '") }}')
        or grid.month between countable.first_countable_month and countable.last_countable_month
)

select * from long
