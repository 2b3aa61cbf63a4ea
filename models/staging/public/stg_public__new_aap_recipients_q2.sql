{{ after_study_configuration() }}
with source as (
    select * from {{ ref('nav_new_aap_recipients_county_q2') }}
),

renamed as (
    select
        cast(county_code as string) as county_code,
        cast(county_name as string) as county_name,
        cast(year as integer) as year,
        cast(new_aap_recipients_q2 as bigint) as new_aap_recipients_q2
    from source
)

select * from renamed
