{# Study B counts by county, month and age group (18-29, 30-66) with the age group's population, for the composition-adjusted model. #}
with population as (
    select * from {{ ref('stg_register__population_years') }}
),

exhaustions as (
    select
        county_code,
        exhaustion_month as period_start,
        {{ age_group('cast(extract(year from exhaustion_month) as integer) - birth_year') }} as cell
    from {{ ref('stg_register__sickness_benefit_exhaustions') }}
),

new_recipients as (
    select
        county_code,
        month as period_start,
        age_group as cell,
        from_sickness_benefit
    from {{ ref('int_aap_months_flagged_new') }}
),

series as (
    select outcome_id, period_start, county_code
    from {{ ref('int_aap__county_months') }}
    where outcome_id in (
        'sickness_benefit_exhaustion', 'aap_inflow_total', 'aap_inflow_sickness_benefit', 'aap_inflow_other'
    )
),

events as (
    select 'sickness_benefit_exhaustion' as outcome_id, county_code, period_start, cell from exhaustions
    union all
    select 'aap_inflow_total' as outcome_id, county_code, period_start, cell from new_recipients
    union all
    select 'aap_inflow_sickness_benefit' as outcome_id, county_code, period_start, cell
    from new_recipients where from_sickness_benefit
    union all
    select 'aap_inflow_other' as outcome_id, county_code, period_start, cell
    from new_recipients where not from_sickness_benefit
),

counts as (
    select outcome_id, county_code, period_start, cell, count(*) as n_events
    from events
    where cell is not null
    group by all
),

grid as (
    select
        series.outcome_id,
        series.period_start,
        series.county_code,
        population.age_group as cell,
        cast(coalesce(counts.n_events, 0) as double) as numerator,
        cast(population.population as double) as denominator
    from series
    inner join population
        on population.county_code = series.county_code
        and population.year = cast(extract(year from series.period_start) as integer)
    left join counts
        on counts.outcome_id = series.outcome_id
        and counts.county_code = series.county_code
        and counts.period_start = series.period_start
        and counts.cell = population.age_group
)

select * from grid
