{{ after_study_configuration() }}
with source as (
    select * from {{ source('register', 'jobseeker_months') }}
),

renamed as (
    select
        cast(person_id as bigint) as person_id,
        cast(month as date) as month,
        cast(county_code as string) as county_code,
        cast(gender as string) as gender,
        cast(birth_year as integer) as birth_year,
        cast(education as string) as education,
        cast(jobseeker_status as string) as jobseeker_status,
        cast(has_dagpenger as boolean) as has_dagpenger,
        cast(spell_start as date) as spell_start
    from source
)

select * from renamed
