{{ after_study_configuration() }}
with source as (
    select * from {{ source('register', 'population_years') }}
),

renamed as (
    select
        cast(county_code as string) as county_code,
        cast(year as integer) as year,
        cast(age_group as string) as age_group,
        cast(population as bigint) as population
    from source
)

select * from renamed
