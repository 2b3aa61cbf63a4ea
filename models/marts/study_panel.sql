{# Every outcome of every single-county study by group (treated, control) and period: pooled counts, denominator and rate, and the number of counties pooled. #}
with single_county_studies as (
    select study_id from {{ ref('studies') }}
    where design = 'single_county'
),

county_panel as (
    select * from {{ ref('county_panel') }}
    where role in ('treated', 'control')
        and study_id in (select study_id from single_county_studies)
),

pooled as (
    select
        study_id,
        outcome_id,
        period_start,
        period_type,
        role as grp,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        {{ pooled_rate('numerator', 'denominator', 'any_value(rate_scale)') }} as rate,
        count(*) as n_counties
    from county_panel
    group by study_id, outcome_id, period_start, period_type, role
)

select * from pooled
