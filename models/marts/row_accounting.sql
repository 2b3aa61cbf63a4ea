{# Every register row read, by source table and outcome family: the rows the family's study groups use and the rows left out, with the reason (rows_read = rows_used + the rows_left_out of all reasons). #}
{% set transferred_reason = "person moved to AAP from the old schemes" %}

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
    select
        'jobseeker_months' as source_table,
        'jobseeker_stock' as outcome_family,
        'jobseekers_dagpenger' as outcome_id,
        'county_panel' as panel,
        'month' as grain,
        county_code,
        period_start,
        cast(null as string) as early_reason,
        'month outside the job-seeker series' as period_reason,
        cast(null as string) as late_reason,
        n_rows
    from jobseeker_groups
{% for family, outcome_id, panel, period_reason, left_out, late_reason in [
    ('jobseeker_duration', 'duration_26_51_dagpenger', 'county_panel', 'month outside the job-seeker series',
        'n_under_26_weeks', 'job seeker for under 26 weeks (in no duration group)'),
    ('new_jobseekers', 'new_jobseekers_dagpenger', 'county_panel',
        'month outside the countable months (from the third month of data to three months before the last)',
        'n_not_new', 'not a new job seeker (registered at one of the two updates before)'),
    ('jobseeker_cells', 'jobseekers_dagpenger', 'cell_panel', 'month outside the job-seeker series',
        'n_outside_cell_ages', 'age outside 18-66 (no composition cell)'),
] %}
    {% for n_rows, reason in [('n_rows - ' ~ left_out, none), (left_out, late_reason)] %}
    union all

    select
        'jobseeker_months',
        '{{ family }}',
        '{{ outcome_id }}',
        '{{ panel }}',
        'month',
        county_code,
        period_start,
        null,
        '{{ period_reason }}',
        {{ "'" ~ reason ~ "'" if reason else 'null' }},
        {{ n_rows }}
    from jobseeker_groups
    where {{ n_rows }} > 0
    {% endfor %}
{% endfor %}

    union all

    select
        'labour_force_months',
        'jobseeker_stock',
        'jobseekers_dagpenger',
        'county_panel',
        'month',
        county_code,
        period_start,
        null,
        'month outside the job-seeker series',
        null,
        n_rows
    from labour_force_groups

    union all

    select
        'labour_force_months',
        'new_jobseekers',
        'new_jobseekers_dagpenger',
        'county_panel',
        'month',
        county_code,
        period_start,
        null,
        'month outside the countable months (from the third month of data to three months before the last)',
        null,
        n_rows
    from labour_force_groups

    {% for family, outcome_id in [
        ('sickness_benefit_exhaustion', 'sickness_benefit_exhaustion'),
        ('aap_inflow', 'aap_inflow_total'),
        ('aap_applications', 'aap_applications'),
        ('sick_leave_pct', 'sick_leave_pct'),
    ] %}
    union all

    select
        'population_years',
        '{{ family }}',
        '{{ outcome_id }}',
        'county_panel',
        'year',
        county_code,
        period_start,
        null,
        'year outside the periods of the outcome',
        null,
        n_rows
    from population_groups
    {% endfor %}

    union all

    select
        'sickness_benefit_exhaustions',
        'sickness_benefit_exhaustion',
        'sickness_benefit_exhaustion',
        'county_panel',
        'month',
        county_code,
        period_start,
        null,
        'month outside the exhaustion series',
        null,
        n_rows
    from exhaustion_groups

    union all

    select
        'sickness_benefit_exhaustions',
        'aap_share_two_months_after_exhaustion',
        'aap_share_two_months_after_exhaustion',
        'county_panel',
        'month',
        county_code,
        period_start,
        case when is_transferred_person then '{{ transferred_reason }}' end,
        'exhaustion month whose t+2 is outside the AAP data',
        null,
        n_rows
    from exhaustion_groups

    union all

    select
        'aap_months',
        'aap_inflow',
        'aap_inflow_total',
        'county_panel',
        'month',
        county_code,
        period_start,
        case when is_transferred_person then '{{ transferred_reason }}' end,
        'first month of AAP data (no month before to tell a new recipient)',
        case when not is_new_recipient then 'not a new recipient (AAP the month before)' end,
        n_rows
    from aap_month_groups

    union all

    select
        'aap_months',
        'aap_inflow_by_age',
        'aap_inflow_sickness_benefit_18_29',
        'county_panel',
        'month',
        county_code,
        period_start,
        case when is_transferred_person then '{{ transferred_reason }}' end,
        'first month of AAP data (no month before to tell a new recipient)',
        case
            when not is_new_recipient then 'not a new recipient (AAP the month before)'
            when is_outside_age_groups then 'age outside 18-66 (in no age group)'
        end,
        n_rows
    from aap_month_groups

    union all

    select
        'aap_applications',
        'aap_applications',
        'aap_applications',
        'county_panel',
        'month',
        county_code,
        received_month,
        case when is_transferred_person then '{{ transferred_reason }}' end,
        'received month outside the applications series',
        null,
        n_rows
    from application_groups

    union all

    select
        'aap_applications',
        'aap_rejection_pct',
        'aap_rejection_pct',
        'county_panel',
        'month',
        county_code,
        decision_month,
        case
            when is_transferred_person then '{{ transferred_reason }}'
            when is_pending then 'pending (no decision yet)'
        end,
        'decision month outside the rejections series',
        null,
        n_rows
    from application_groups

    union all

    select
        'sick_leave_quarters',
        'sick_leave_pct',
        'sick_leave_pct',
        'county_panel',
        'month',
        county_code,
        period_start,
        null,
        'no population_years rows for the county-year (no weight)',
        null,
        n_rows
    from sick_leave_groups
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
