{# Population on 1 January by county and year: aged 18-29, 30-66 and 18-66. #}
with population as (
    select * from {{ ref('stg_register__population_years') }}
),

pivoted as (
    select
        county_code,
        year,
        sum(population) filter (where age_group = '18-29') as population_18_29,
        sum(population) filter (where age_group = '30-66') as population_30_66,
        sum(population) as population_18_66
    from population
    group by county_code, year
)

select * from pivoted
