{# Job-seeker outcome counts by county and month over the full labour-force grid (a month with no events counts 0); new job seekers only in the countable months (from the third month of data to three months before the last, so that dagpenger in t..t+3 can be seen). Summed from the cell counts. #}
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

countable as (
    select
        min(month) filter (where is_countable_month) as first_countable_month,
        max(month) filter (where is_dagpenger_window_complete) as last_countable_month
    from counted
),

counts as (
    select
        county_code,
        month,
        {% for outcome in outcomes %}
        sum({{ outcome.id }}) as {{ outcome.id }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from counted
    group by county_code, month
),

grid as (
    select
        labour_force.county_code,
        labour_force.month,
        labour_force.labour_force,
        {% for outcome in outcomes %}
        coalesce(counts.{{ outcome.id }}, 0) as {{ outcome.id }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from labour_force
    left join counts
        on counts.county_code = labour_force.county_code
        and counts.month = labour_force.month
),

outcome_ids as (
    {{ outcome_id_rows(outcomes | map(attribute='id') | list) }}
),

long as (
    select
        outcome_ids.outcome_id,
        grid.month as period_start,
        grid.county_code,
        cast({{ by_outcome('outcome_ids.outcome_id', counts_by_outcome) }} as double) as numerator,
        cast(grid.labour_force as double) as denominator
    from grid
    cross join outcome_ids
    cross join countable
    where outcome_ids.outcome_id not in ('{{ new_only_ids | join("', '") }}')
        or grid.month between countable.first_countable_month and countable.last_countable_month
)

select * from long
