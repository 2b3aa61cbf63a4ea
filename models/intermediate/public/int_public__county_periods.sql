{# Public-data outcomes by county and period (long): fully unemployed per labour force (monthly) and new AAP recipients in Q2 per 1000 aged 18-66. Only the 19 counties; 00 (the country), 99 (unknown) and 50 (Trøndelag, 2018) are left out. #}
with unemployed as (
    select * from {{ ref('stg_public__fully_unemployed') }}
),

aap_q2 as (
    select * from {{ ref('stg_public__new_aap_recipients_q2') }}
),

population as (
    select * from {{ ref('stg_public__population') }}
),

counties as (
    select county_code from {{ ref('counties') }}
),

long as (
    select
        'fully_unemployed' as outcome_id,
        unemployed.month as period_start,
        unemployed.county_code,
        cast(unemployed.fully_unemployed as double) as numerator,
        cast(unemployed.labour_force as double) as denominator
    from unemployed
    inner join counties using (county_code)

    union all

    select
        'aap_inflow_q2' as outcome_id,
        make_date(aap_q2.year, 4, 1) as period_start,
        aap_q2.county_code,
        cast(aap_q2.new_aap_recipients_q2 as double) as numerator,
        cast(population.population_18_66 as double) as denominator
    from aap_q2
    inner join counties using (county_code)
    inner join population
        on population.county_code = aap_q2.county_code
        and population.year = aap_q2.year
)

select * from long
