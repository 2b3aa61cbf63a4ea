{# Relative effects converted to persons in the treated county and in the whole country over the pre window (the AAP article's Table 3), for outcomes that belong to a total. #}
with effects as (
    select * from {{ ref('effects_pre_post') }}
    where variant = 'all_months'
),

outcomes as (
    select * from {{ ref('outcomes') }}
    where summary_total_outcome is not null
),

county_panel as (
    select * from {{ ref('county_panel') }}
),

series as (
    select * from {{ ref('int_outcomes__county_periods') }}
),

counts as (
    select
        effects.study_id,
        effects.outcome_id,
        sum(county_panel.numerator) filter (where county_panel.role = 'treated') as count_treated_pre
    from effects
    inner join county_panel
        on county_panel.study_id = effects.study_id
        and county_panel.outcome_id = effects.outcome_id
        and {{ in_window('county_panel.period_start', 'effects.pre_start', 'effects.pre_end', 'effects.calendar_months') }}
    group by effects.study_id, effects.outcome_id
),

national_counts as (
    select
        effects.study_id,
        effects.outcome_id,
        sum(series.numerator) as count_national_pre
    from effects
    inner join series
        on series.outcome_id = effects.outcome_id
        and {{ in_window('series.period_start', 'effects.pre_start', 'effects.pre_end', 'effects.calendar_months') }}
    group by effects.study_id, effects.outcome_id
),

persons as (
    select
        effects.study_id,
        effects.outcome_id,
        outcomes.summary_total_outcome,
        effects.effect_pct,
        counts.count_treated_pre,
        national_counts.count_national_pre,
        effects.effect_pct / 100.0 * counts.count_treated_pre as persons_treated,
        effects.effect_pct / 100.0 * national_counts.count_national_pre as persons_national
    from effects
    inner join outcomes using (outcome_id)
    inner join counts using (study_id, outcome_id)
    inner join national_counts using (study_id, outcome_id)
),

shares as (
    select
        persons.study_id,
        persons.outcome_id,
        persons.summary_total_outcome,
        persons.effect_pct,
        persons.count_treated_pre,
        persons.count_national_pre,
        persons.persons_treated,
        persons.persons_national,
        100.0 * persons.persons_treated / nullif(totals.persons_treated, 0) as share_of_total_pct
    from persons
    inner join persons as totals
        on totals.study_id = persons.study_id
        and totals.outcome_id = persons.summary_total_outcome
)

select * from shares
