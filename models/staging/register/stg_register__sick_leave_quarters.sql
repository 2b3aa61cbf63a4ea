{{ after_study_configuration() }}
with source as (
    select * from {{ source('register', 'sick_leave_quarters') }}
),

renamed as (
    select
        cast(county_code as string) as county_code,
        cast(quarter_start as date) as quarter_start,
        cast(sick_leave_pct as double) as sick_leave_pct
    from source
)

select * from renamed
