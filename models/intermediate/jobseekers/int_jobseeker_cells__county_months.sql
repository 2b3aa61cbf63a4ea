{# Job-seeker outcome counts by county, month and cell (gender x age group 18-29/30-49/50-66 x education), for the composition-adjusted model. #}
{% set outcomes = jobseeker_outcomes() %}
{% set counts_by_outcome = [] %}
{% for outcome in outcomes %}
    {% do counts_by_outcome.append((outcome.id, 'grid.' ~ outcome.id)) %}
{% endfor %}
{% set new_only_ids = outcomes | selectattr('new_only') | map(attribute='id') | list %}

with flagged as (
    select
        *,
        {{ age_group('age', 'three') }} as age_group
    from {{ ref('int_jobseeker_months_flagged') }}
),

labour_force as (
    select * from {{ ref('stg_register__labour_force_months') }}
),

counts as (
    select
        county_code,
        month,
        gender || '|' || age_group || '|' || education as cell,
        {% for outcome in outcomes %}
        count(*) filter (where {{ outcome.condition }}) as {{ outcome.id }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from flagged
    where age_group is not null
    group by county_code, month, cell
),

cells as (
    select distinct cell
    from counts
),

grid as (
    select
        labour_force.county_code,
        labour_force.month,
        cells.cell,
        labour_force.labour_force,
        {% for outcome in outcomes %}
        coalesce(counts.{{ outcome.id }}, 0) as {{ outcome.id }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from labour_force
    cross join cells
    left join counts
        on counts.county_code = labour_force.county_code
        and counts.month = labour_force.month
        and counts.cell = cells.cell
),

countable as (
    select
        min(month) filter (where is_countable_month) as first_countable_month,
        max(month) filter (where is_dagpenger_window_complete) as last_countable_month
    from flagged
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
