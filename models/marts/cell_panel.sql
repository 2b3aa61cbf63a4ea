{# Register outcome counts by study, county, period and composition cell with their exposure, for the Poisson model with cell fixed effects (internal: not published). #}
with windows as (
    select distinct study_id, outcome_id from {{ ref('study_outcome_windows') }}
),

units as (
    select * from {{ ref('study_units') }}
),

excluded as (
    select study_id, county_code
    from {{ ref('study_exclusions') }}
    where is_excluded
),

cells as (
    select * from {{ ref('int_jobseeker_cells__county_months') }}
    union all
    select * from {{ ref('int_aap_cells__county_months') }}
),

panel as (
    select
        windows.study_id,
        cells.outcome_id,
        cells.period_start,
        cells.county_code,
        units.role,
        cells.cell,
        cells.numerator,
        cells.denominator,
    from windows
    inner join cells
        on cells.outcome_id = windows.outcome_id
    inner join units
        on units.study_id = windows.study_id
        and units.county_code = cells.county_code
    anti join excluded
        on excluded.study_id = windows.study_id
        and excluded.county_code = cells.county_code
)

select * from panel
