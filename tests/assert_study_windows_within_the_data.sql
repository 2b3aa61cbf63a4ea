{# Every study window lies within the months its outcomes have data for; each problem in the analyst's words, all of them stopping the test in one error. #}
with data_months as (
    select
        domain,
        source,
        min(period_start) as first_period,
        max(period_start) as last_period
    from {{ ref('int_outcomes__county_periods') }}
    group by domain, source
),

study_windows as (
    select
        windows.study_id,
        windows.variant,
        windows.pre_start,
        windows.pre_end,
        windows.post_start,
        windows.post_end,
        data_months.first_period,
        data_months.last_period
    from {{ ref('study_windows') }} as windows
    inner join {{ ref('studies') }} as studies on windows.study_id = studies.study_id
    inner join data_months
        on studies.domain = data_months.domain and studies.source = data_months.source
),

problems as (
    select
        study_id,
        'study ' || study_id || ': post window ' || {{ month_label('post_start') }} || '..'
        || {{ month_label('post_end') }} || ' (' || variant || ') is past the last month of data ('
        || {{ month_label('last_period') }} || ')' as problem
    from study_windows
    where post_end > last_period

    union all

    select
        study_id,
        'study ' || study_id || ': pre window ' || {{ month_label('pre_start') }} || '..'
        || {{ month_label('pre_end') }} || ' (' || variant || ') starts before the first month of data ('
        || {{ month_label('first_period') }} || ')' as problem
    from study_windows
    where pre_start < first_period
),

{{ raise_problems() }}
