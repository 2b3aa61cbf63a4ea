{# No study reads an outcome of another data source: register studies read the extract, public studies the published seeds. #}
select
    county_panel.study_id,
    county_panel.outcome_id,
    studies.source as study_source,
    outcomes.source as outcome_source
from (select distinct study_id, outcome_id from {{ ref('county_panel') }}) as county_panel
inner join {{ ref('studies') }} as studies using (study_id)
inner join {{ ref('outcomes') }} as outcomes using (outcome_id)
where studies.source <> outcomes.source
