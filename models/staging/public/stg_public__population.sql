{{ after_study_configuration() }}
with source as (
    select * from {{ ref('ssb_population_county_year') }}
),

renamed as (
    select
        cast(county_code as string) as county_code,
        cast(county_name as string) as county_name,
        cast(year as integer) as year,
        cast(pop_total as bigint) as population_total,
        cast(pop_18_66 as bigint) as population_18_66,
        cast(pop_15_74 as bigint) as population_15_74,
        cast(quality_note as string) as quality_note
    from source
)

select * from renamed
