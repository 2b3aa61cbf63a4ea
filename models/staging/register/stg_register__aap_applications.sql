{{ after_study_configuration() }}
with source as (
    select * from {{ source('register', 'aap_applications') }}
),

renamed as (
    select
        cast(application_id as bigint) as application_id,
        cast(person_id as bigint) as person_id,
        cast(county_code as string) as county_code,
        cast(birth_year as integer) as birth_year,
        cast(received_month as date) as received_month,
        cast(decision as string) as decision,
        cast(decision_month as date) as decision_month
    from source
)

select * from renamed
