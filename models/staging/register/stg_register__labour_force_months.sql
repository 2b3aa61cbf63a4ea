{{ after_study_configuration() }}
with source as (
    select * from {{ source('register', 'labour_force_months') }}
),

renamed as (
    select
        cast(county_code as string) as county_code,
        cast(month as date) as month,
        cast(labour_force as bigint) as labour_force
    from source
)

select * from renamed
