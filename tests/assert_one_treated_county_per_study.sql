{# A single-county study has exactly one treated county (starting at the study's intervention_month) and at least two control counties; a roll-out study has a first treated month on every treated county and on no control county, at least one treated county, and at least two control counties when it compares with the never treated. #}
with units as (
    select
        studies.study_id,
        studies.design,
        studies.comparison,
        units.role,
        units.first_treated_month
    from {{ ref('studies') }} as studies
    left join {{ ref('study_units') }} as units using (study_id)
),

checked as (
    select
        study_id,
        design,
        count(*) filter (where role = 'treated') as n_treated,
        count(*) filter (where role = 'control') as n_control,
        count(*) filter (where role = 'treated' and first_treated_month is null) as n_treated_without_month,
        count(*) filter (where role = 'control' and first_treated_month is not null) as n_control_with_month,
        count(*) filter (where design = 'single_county' and first_treated_month is not null) as n_single_with_month,
        max(comparison) as comparison
    from units
    group by study_id, design
)

select * from checked
where (design = 'single_county' and (n_treated <> 1 or n_control < 2 or n_single_with_month > 0))
    or (design = 'rollout' and (
        n_treated < 1
        or n_treated_without_month > 0
        or n_control_with_month > 0
        or comparison is null
        or (comparison = 'never_treated' and n_control < 2)
    ))
