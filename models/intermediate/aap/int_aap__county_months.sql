{# Study B outcomes by county and period (long): sick leave, exhaustion, AAP share two months after, AAP inflow by origin and age, applications, rejections. #}
{% set inflow_splits = [
    ('aap_inflow_total', 'true', 'population_18_66'),
    ('aap_inflow_sickness_benefit', 'from_sickness_benefit', 'population_18_66'),
    ('aap_inflow_other', 'not from_sickness_benefit', 'population_18_66'),
    ('aap_inflow_sickness_benefit_18_29', "from_sickness_benefit and age_group = '18-29'", 'population_18_29'),
    ('aap_inflow_sickness_benefit_30_66', "from_sickness_benefit and age_group = '30-66'", 'population_30_66'),
    ('aap_inflow_other_18_29', "not from_sickness_benefit and age_group = '18-29'", 'population_18_29'),
    ('aap_inflow_other_30_66', "not from_sickness_benefit and age_group = '30-66'", 'population_30_66'),
] %}
{# The outcomes counted on the county-month grid: (outcome_id, numerator, denominator, the grid flag of the months it has). #}
{% set grid_outcomes = [
    ('sickness_benefit_exhaustion', 'exhausted', 'population_18_66', 'in_exhaustion_range'),
    ('aap_share_two_months_after_exhaustion', 'on_aap_two_months_after', 'exhausted_kept', 'in_share_range'),
] %}
{% for outcome_id, _, denominator in inflow_splits %}
    {% do grid_outcomes.append((outcome_id, outcome_id, denominator, 'in_inflow_range')) %}
{% endfor %}
{% do grid_outcomes.append(('aap_applications', 'received', 'population_18_66', 'in_received_range')) %}
{% do grid_outcomes.append(('aap_rejection_pct', 'rejected', 'decided', 'in_decision_range')) %}
{% set numerators, denominators, ranges = [], [], [] %}
{% for outcome_id, numerator, denominator, months in grid_outcomes %}
    {% do numerators.append((outcome_id, 'grid.' ~ numerator)) %}
    {% do denominators.append((outcome_id, 'grid.' ~ denominator)) %}
    {% do ranges.append((outcome_id, 'grid.' ~ months)) %}
{% endfor %}

with population as (
    select * from {{ ref('int_population__county_years') }}
),

exhaustions as (
    select * from {{ ref('int_sickness_benefit_exhaustions_flagged') }}
),

new_recipients as (
    select * from {{ ref('int_aap_months_flagged_new') }}
),

aap_months as (
    select * from {{ ref('stg_register__aap_months') }}
),

application_counts as (
    select * from {{ ref('int_aap_applications__county_months') }}
),

sick_leave as (
    select * from {{ ref('stg_register__sick_leave_quarters') }}
),

exhaustion_bounds as (
    select
        min(exhaustion_month) as first_exhaustion_month,
        max(exhaustion_month) as last_exhaustion_month
    from exhaustions
),

aap_bounds as (
    select
        min(month) as first_aap_month,
        max(month) as last_aap_month
    from aap_months
),

application_bounds as (
    select
        min(period_start) filter (where received > 0) as first_received_month,
        max(period_start) filter (where received > 0) as last_received_month,
        min(period_start) filter (where decided > 0) as first_decision_month,
        max(period_start) filter (where decided > 0) as last_decision_month
    from application_counts
),

bounds as (
    select *
    from exhaustion_bounds
    cross join aap_bounds
    cross join application_bounds
),

months as (
    {{ month_series(
        'least(bounds.first_exhaustion_month, bounds.first_aap_month, bounds.first_received_month)',
        'greatest(bounds.last_exhaustion_month, bounds.last_aap_month, bounds.last_received_month, bounds.last_decision_month)',
        from_relation='bounds'
    ) }}
),

county_months as (
    select
        population.county_code,
        months.period_start,
        population.population_18_29,
        population.population_30_66,
        population.population_18_66
    from months
    inner join population
        on population.year = cast(extract(year from months.period_start) as integer)
),

exhaustion_counts as (
    select
        county_code,
        exhaustion_month as period_start,
        count(*) as exhausted,
        count(*) filter (where not is_transferred_person) as exhausted_kept,
        count(*) filter (where not is_transferred_person and on_aap_two_months_after) as on_aap_two_months_after
    from exhaustions
    group by county_code, exhaustion_month
),

inflow_counts as (
    select
        county_code,
        month as period_start,
        {% for outcome_id, condition, _ in inflow_splits %}
        count(*) filter (where {{ condition }}) as {{ outcome_id }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from new_recipients
    group by county_code, month
),

grid as (
    select
        county_months.*,
        coalesce(exhaustion_counts.exhausted, 0) as exhausted,
        coalesce(exhaustion_counts.exhausted_kept, 0) as exhausted_kept,
        coalesce(exhaustion_counts.on_aap_two_months_after, 0) as on_aap_two_months_after,
        {% for outcome_id, _, _ in inflow_splits %}
        coalesce(inflow_counts.{{ outcome_id }}, 0) as {{ outcome_id }},
        {% endfor %}
        coalesce(application_counts.received, 0) as received,
        coalesce(application_counts.rejected, 0) as rejected,
        coalesce(application_counts.decided, 0) as decided,
        county_months.period_start between bounds.first_exhaustion_month and bounds.last_exhaustion_month
            as in_exhaustion_range,
        county_months.period_start
            between greatest(bounds.first_exhaustion_month, {{ dbt.dateadd('month', -2, 'bounds.first_aap_month') }})
            and least(bounds.last_exhaustion_month, {{ dbt.dateadd('month', -2, 'bounds.last_aap_month') }})
            as in_share_range,
        county_months.period_start
            between {{ dbt.dateadd('month', 1, 'bounds.first_aap_month') }} and bounds.last_aap_month
            as in_inflow_range,
        county_months.period_start between bounds.first_received_month and bounds.last_received_month
            as in_received_range,
        county_months.period_start between bounds.first_decision_month and bounds.last_decision_month
            as in_decision_range
    from county_months
    cross join bounds
    left join exhaustion_counts using (county_code, period_start)
    left join inflow_counts using (county_code, period_start)
    left join application_counts using (county_code, period_start)
),

grid_outcome_ids as (
    {{ outcome_id_rows(grid_outcomes | map(attribute=0) | list) }}
),

long as (
    select
        grid_outcome_ids.outcome_id,
        grid.period_start,
        grid.county_code,
        cast({{ by_outcome('grid_outcome_ids.outcome_id', numerators) }} as double) as numerator,
        cast({{ by_outcome('grid_outcome_ids.outcome_id', denominators) }} as double) as denominator
    from grid
    cross join grid_outcome_ids
    where {{ by_outcome('grid_outcome_ids.outcome_id', ranges) }}

    union all

    select
        'sick_leave_pct' as outcome_id,
        sick_leave.quarter_start as period_start,
        sick_leave.county_code,
        sick_leave.sick_leave_pct * population.population_18_66 as numerator,
        cast(population.population_18_66 as double) as denominator
    from sick_leave
    inner join population
        on population.county_code = sick_leave.county_code
        and population.year = cast(extract(year from sick_leave.quarter_start) as integer)
)

select * from long
