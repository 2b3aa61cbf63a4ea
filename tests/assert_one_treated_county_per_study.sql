{# Every study has exactly one treated county and at least two control counties. #}
select
    studies.study_id,
    count(*) filter (where units.role = 'treated') as n_treated,
    count(*) filter (where units.role = 'control') as n_control
from {{ ref('studies') }} as studies
left join {{ ref('study_units') }} as units using (study_id)
group by studies.study_id
having count(*) filter (where units.role = 'treated') <> 1
    or count(*) filter (where units.role = 'control') < 2
