{{ after_study_configuration() }}
with source as (
    select * from {{ ref('nav_doctor_certified_sick_leave_county_q1') }}
),

renamed as (
    select
        cast(county_code as string) as county_code,
        cast(county_name as string) as county_name,
        cast(year as integer) as year,
        cast(sick_leave_pct_q1 as double) as sick_leave_pct_q1
    from source
)

select * from renamed
