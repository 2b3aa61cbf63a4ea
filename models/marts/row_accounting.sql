{# Every register row read, by source table and outcome family: the rows the family's study groups use and the rows left out, with the reason (rows_read = rows_used + the rows_left_out of all reasons). The families and their reasons are macro outcome_families; the rules' flags come from the intermediate models. #}

with series as (
    select distinct
        outcome_id,
        'month' as grain,
        period_start,
        county_code
    from {{ ref('int_outcomes__county_periods') }}
),

series_years as (
    select distinct
        outcome_id,
        'year' as grain,
        cast({{ dbt.date_trunc('year', 'period_start') }} as date) as period_start,
        county_code
    from series
),

outcome_periods as (
    select * from series
    union all
    select * from series_years
),

county_panel_counties as (
    select distinct
        outcome_id,
        'county_panel' as panel,
        county_code
    from {{ ref('county_panel') }}
    where role in ('treated', 'control')
),

cell_panel_counties as (
    select distinct
        outcome_id,
        'cell_panel' as panel,
        county_code
    from {{ ref('cell_panel') }}
    where role in ('treated', 'control')
),

study_counties as (
    select * from county_panel_counties
    union all
    select * from cell_panel_counties
),

gap_counties as (
    select distinct
        windows.outcome_id,
        exclusions.county_code
    from {{ ref('study_exclusions') }} as exclusions
    inner join {{ ref('study_outcome_windows') }} as windows
        on windows.study_id = exclusions.study_id
    where exclusions.is_excluded
),

transferred as (
    select * from {{ ref('int_aap_persons_transferred') }}
),

jobseeker_groups as (
    select
        county_code,
        month as period_start,
        sum(n_rows) as n_rows,
        sum(n_rows - n_new) as n_not_new,
        sum(n_rows - n_in_duration_group) as n_under_26_weeks,
        coalesce(sum(n_rows) filter (where age_group is null), 0) as n_outside_cell_ages
    from {{ ref('int_jobseeker_months_counted') }}
    group by county_code, month
),

labour_force_groups as (
    select
        county_code,
        month as period_start,
        count(*) as n_rows
    from {{ ref('stg_register__labour_force_months') }}
    group by all
),

population_groups as (
    select
        county_code,
        make_date(year, 1, 1) as period_start,
        count(*) as n_rows
    from {{ ref('stg_register__population_years') }}
    group by all
),

exhaustion_groups as (
    select
        county_code,
        exhaustion_month as period_start,
        is_transferred_person,
        count(*) as n_rows
    from {{ ref('int_sickness_benefit_exhaustions_flagged') }}
    group by all
),

aap_month_groups as (
    select
        aap_months.county_code,
        aap_months.month as period_start,
        transferred.person_id is not null as is_transferred_person,
        new_recipients.person_id is not null as is_new_recipient,
        new_recipients.age_group is null as is_outside_age_groups,
        count(*) as n_rows
    from {{ ref('stg_register__aap_months') }} as aap_months
    left join transferred
        on transferred.person_id = aap_months.person_id
    left join {{ ref('int_aap_months_flagged_new') }} as new_recipients
        on new_recipients.person_id = aap_months.person_id
        and new_recipients.month = aap_months.month
    group by all
),

application_groups as (
    select
        applications.county_code,
        applications.received_month,
        applications.decision_month,
        applications.decision = 'pending' as is_pending,
        transferred.person_id is not null as is_transferred_person,
        count(*) as n_rows
    from {{ ref('stg_register__aap_applications') }} as applications
    left join transferred
        on transferred.person_id = applications.person_id
    group by all
),

sick_leave_groups as (
    select
        county_code,
        quarter_start as period_start,
        count(*) as n_rows
    from {{ ref('stg_register__sick_leave_quarters') }}
    group by all
),

family_rows as (
    {{ family_rows() }}
),

classified as (
    select
        family_rows.source_table,
        family_rows.outcome_family,
        family_rows.n_rows,
        case
            when family_rows.early_reason is not null then family_rows.early_reason
            when outcome_periods.outcome_id is null then family_rows.period_reason
            when family_rows.late_reason is not null then family_rows.late_reason
            when study_counties.county_code is not null then null
            when gap_counties.county_code is not null then 'county left out of the study by its gap policy'
            else 'county outside every study of the outcome'
        end as reason
    from family_rows
    left join outcome_periods
        on outcome_periods.outcome_id = family_rows.outcome_id
        and outcome_periods.grain = family_rows.grain
        and outcome_periods.period_start = family_rows.period_start
        and outcome_periods.county_code = family_rows.county_code
    left join study_counties
        on study_counties.outcome_id = family_rows.outcome_id
        and study_counties.panel = family_rows.panel
        and study_counties.county_code = family_rows.county_code
    left join gap_counties
        on gap_counties.outcome_id = family_rows.outcome_id
        and gap_counties.county_code = family_rows.county_code
),

used as (
    select
        source_table,
        outcome_family,
        cast(coalesce(sum(n_rows) filter (where reason is null), 0) as bigint) as rows_used
    from classified
    group by source_table, outcome_family
),

left_out as (
    select
        source_table,
        outcome_family,
        reason,
        cast(sum(n_rows) as bigint) as rows_left_out
    from classified
    where reason is not null
    group by source_table, outcome_family, reason
),

rows_read as (
    {% for table in [
        'jobseeker_months', 'labour_force_months', 'population_years', 'sickness_benefit_exhaustions',
        'aap_months', 'aap_applications', 'sick_leave_quarters',
    ] %}
    select
        '{{ table }}' as source_table,
        cast(count(*) as bigint) as rows_read
    from {{ ref('stg_register__' ~ table) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

accounting as (
    select
        used.source_table,
        used.outcome_family,
        rows_read.rows_read,
        used.rows_used,
        coalesce(left_out.rows_left_out, 0) as rows_left_out,
        left_out.reason
    from used
    inner join rows_read
        on rows_read.source_table = used.source_table
    left join left_out
        on left_out.source_table = used.source_table
        and left_out.outcome_family = used.outcome_family
)

select * from accounting
