{# Every county's place in every study: its role ('treated', 'control', or 'other' when not in the study) and whether the study's gap policy leaves it out. #}
with studies as (
    select * from {{ ref('studies') }}
),

counties as (
    select * from {{ ref('counties') }}
),

units as (
    select * from {{ ref('study_units') }}
),

exclusions as (
    select * from {{ ref('study_exclusions') }}
),

study_counties as (
    select
        studies.study_id,
        counties.county_code,
        counties.county_name,
        coalesce(units.role, 'other') as role,
        coalesce(exclusions.is_excluded, false) as is_excluded
    from studies
    cross join counties
    left join units
        on units.study_id = studies.study_id
        and units.county_code = counties.county_code
    left join exclusions
        on exclusions.study_id = studies.study_id
        and exclusions.county_code = counties.county_code
)

select * from study_counties
