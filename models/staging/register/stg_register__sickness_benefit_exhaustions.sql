{{ after_study_configuration() }}
with source as (
    select * from {{ source('register', 'sickness_benefit_exhaustions') }}
),

renamed as (
    select
        cast(person_id as bigint) as person_id,
        cast(county_code as string) as county_code,
        cast(birth_year as integer) as birth_year,
        cast(exhaustion_month as date) as exhaustion_month
    from source
)

select * from renamed
