{# Register outcome counts by single-county study, county, period and composition cell with their exposure, for the composition-adjusted Poisson model (internal: not published). #}
with study_outcomes as (
    select distinct windows.study_id, windows.outcome_id
    from {{ ref('study_outcome_windows') }} as windows
    inner join {{ ref('studies') }} as studies
        on studies.study_id = windows.study_id
        and studies.design = 'single_county'
),

study_counties as (
    select * from {{ ref('study_counties') }}
    where role in ('treated', 'control')
        and not is_excluded
),

cells as (
    select * from {{ ref('int_jobseeker_cells__county_months') }}
    union all
    select * from {{ ref('int_aap_cells__county_months') }}
),

panel as (
    select
        study_outcomes.study_id,
        cells.outcome_id,
        cells.period_start,
        cells.county_code,
        study_counties.role,
        cells.cell,
        cells.numerator,
        cells.denominator
    from study_outcomes
    inner join cells
        on cells.outcome_id = study_outcomes.outcome_id
    inner join study_counties
        on study_counties.study_id = study_outcomes.study_id
        and study_counties.county_code = cells.county_code
)

select * from panel
