{{ after_study_configuration() }}
with source as (
    select * from {{ source('register', 'aap_months') }}
),

renamed as (
    select
        cast(person_id as bigint) as person_id,
        cast(month as date) as month,
        cast(county_code as string) as county_code,
        cast(birth_year as integer) as birth_year,
        cast(transferred_from_old_scheme as boolean) as transferred_from_old_scheme
    from source
)

select * from renamed
