{# The study panel's group counts and denominators are the sums over the treated and control counties of the county panel (single-county studies; roll-out studies have group-time effects instead). #}
with summed as (
    select
        study_id,
        outcome_id,
        period_start,
        role as grp,
        sum(numerator) as numerator,
        sum(denominator) as denominator,
        count(*) as n_counties
    from {{ ref('county_panel') }}
    where role in ('treated', 'control')
        and study_id in (select study_id from {{ ref('studies') }} where design = 'single_county')
    group by all
)

select *
from summed
full outer join {{ ref('study_panel') }} as study_panel using (study_id, outcome_id, period_start, grp)
where study_panel.numerator is null
    or summed.numerator is null
    or abs(summed.numerator - study_panel.numerator) > 1e-6
    or abs(summed.denominator - study_panel.denominator) > 1e-6
    or summed.n_counties <> study_panel.n_counties
