{# County-years of the model (year of the date column) without both population_years rows. #}
{% test has_population_rows(model, column_name) %}
with county_years as (
    select distinct
        county_code,
        cast(extract(year from {{ column_name }}) as integer) as year
    from {{ model }}
),

population as (
    select
        county_code,
        year,
        count(distinct age_group) as n_age_groups
    from {{ source('register', 'population_years') }}
    group by county_code, year
),

missing as (
    select
        county_years.county_code,
        county_years.year,
        coalesce(population.n_age_groups, 0) as n_age_groups
    from county_years
    left join population
        on population.county_code = county_years.county_code
        and population.year = county_years.year
    where coalesce(population.n_age_groups, 0) < 2
)

select * from missing
{% endtest %}
