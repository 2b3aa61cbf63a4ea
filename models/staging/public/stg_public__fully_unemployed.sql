{{ after_study_configuration() }}
with source as (
    select * from {{ ref('nav_fully_unemployed_county_month') }}
),

renamed as (
    select
        cast(county_code as string) as county_code,
        cast(county_name as string) as county_name,
        cast(month as date) as month,
        cast(fully_unemployed as bigint) as fully_unemployed,
        cast(pct_of_labour_force_published as double) as pct_of_labour_force_published,
        cast(labour_force as bigint) as labour_force,
        cast(labour_force_low as bigint) as labour_force_low,
        cast(labour_force_high as bigint) as labour_force_high
    from source
)

select * from renamed
