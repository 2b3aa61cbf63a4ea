{# Counties of a study missing a period inside the study's windows, with the gap policy applied ('exclude_county' leaves them out of the study). #}
with studies as (
    select * from {{ ref('studies') }}
),

units as (
    select * from {{ ref('study_units') }}
),

counties as (
    select * from {{ ref('counties') }}
),

windows as (
    select * from {{ ref('study_outcome_windows') }}
),

series as (
    select outcome_id, period_start, county_code
    from {{ ref('int_outcomes__county_periods') }}
),

window_periods as (
    select distinct
        windows.study_id,
        windows.outcome_id,
        periods.period_start
    from windows
    inner join (select distinct outcome_id, period_start from series) as periods
        on periods.outcome_id = windows.outcome_id
        and (
            {{ in_window('periods.period_start', 'windows.pre_start', 'windows.pre_end', 'windows.calendar_months') }}
            or {{ in_window('periods.period_start', 'windows.post_start', 'windows.post_end', 'windows.calendar_months') }}
        )
),

missing as (
    select
        window_periods.study_id,
        window_periods.outcome_id,
        window_periods.period_start,
        units.county_code,
        units.role
    from window_periods
    inner join units
        on units.study_id = window_periods.study_id
    anti join series
        on series.outcome_id = window_periods.outcome_id
        and series.period_start = window_periods.period_start
        and series.county_code = units.county_code
),

summarised as (
    select
        study_id,
        county_code,
        role,
        {{ string_agg_distinct('outcome_id') }} as outcome_ids,
        count(distinct period_start) as n_missing_periods,
        {{ string_agg_distinct(month_label('period_start')) }} as missing_periods
    from missing
    group by study_id, county_code, role
),

described as (
    select
        summarised.study_id,
        summarised.county_code,
        counties.county_name,
        summarised.role,
        summarised.outcome_ids,
        summarised.n_missing_periods,
        summarised.missing_periods,
        'no figure for ' || summarised.n_missing_periods || ' period(s) inside the study windows ('
            || summarised.missing_periods || ')' as reason,
        studies.gap_policy,
        studies.gap_policy = 'exclude_county' as is_excluded
    from summarised
    inner join studies using (study_id)
    left join counties using (county_code)
)

select * from described
