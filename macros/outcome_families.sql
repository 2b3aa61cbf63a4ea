{# The outcome families of the row accounting: for each register table that feeds a family, the grouped rows it is counted from (a CTE of row_accounting), the outcome and panel that stand for the family, and why rows are left out before, at and after the period rule. #}
{% macro outcome_families() %}
    {% set transferred = "'person moved to AAP from the old schemes'" %}
    {% set jobseeker_series = 'month outside the job-seeker series' %}
    {% set countable = 'month outside the countable months (from the third month of data to three months before the last)' %}
    {% set first_aap_month = 'first month of AAP data (no month before to tell a new recipient)' %}
    {% set not_new_recipient = "'not a new recipient (AAP the month before)'" %}
    {% set families = [
        {'source_table': 'jobseeker_months', 'family': 'jobseeker_stock', 'outcome_id': 'jobseekers_dagpenger',
         'rows_from': 'jobseeker_groups', 'period_reason': jobseeker_series},
        {'source_table': 'labour_force_months', 'family': 'jobseeker_stock', 'outcome_id': 'jobseekers_dagpenger',
         'rows_from': 'labour_force_groups', 'period_reason': jobseeker_series},
        {'source_table': 'labour_force_months', 'family': 'new_jobseekers', 'outcome_id': 'new_jobseekers_dagpenger',
         'rows_from': 'labour_force_groups', 'period_reason': countable},
        {'source_table': 'sickness_benefit_exhaustions', 'family': 'sickness_benefit_exhaustion',
         'outcome_id': 'sickness_benefit_exhaustion', 'rows_from': 'exhaustion_groups',
         'period_reason': 'month outside the exhaustion series'},
        {'source_table': 'sickness_benefit_exhaustions', 'family': 'aap_share_two_months_after_exhaustion',
         'outcome_id': 'aap_share_two_months_after_exhaustion', 'rows_from': 'exhaustion_groups',
         'early_reason': 'case when is_transferred_person then ' ~ transferred ~ ' end',
         'period_reason': 'exhaustion month whose t+2 is outside the AAP data'},
        {'source_table': 'aap_months', 'family': 'aap_inflow', 'outcome_id': 'aap_inflow_total',
         'rows_from': 'aap_month_groups',
         'early_reason': 'case when is_transferred_person then ' ~ transferred ~ ' end',
         'period_reason': first_aap_month,
         'late_reason': 'case when not is_new_recipient then ' ~ not_new_recipient ~ ' end'},
        {'source_table': 'aap_months', 'family': 'aap_inflow_by_age', 'outcome_id': 'aap_inflow_sickness_benefit_18_29',
         'rows_from': 'aap_month_groups',
         'early_reason': 'case when is_transferred_person then ' ~ transferred ~ ' end',
         'period_reason': first_aap_month,
         'late_reason': 'case when not is_new_recipient then ' ~ not_new_recipient
            ~ " when is_outside_age_groups then 'age outside 18-66 (in no age group)' end"},
        {'source_table': 'aap_applications', 'family': 'aap_applications', 'outcome_id': 'aap_applications',
         'rows_from': 'application_groups', 'period': 'received_month',
         'early_reason': 'case when is_transferred_person then ' ~ transferred ~ ' end',
         'period_reason': 'received month outside the applications series'},
        {'source_table': 'aap_applications', 'family': 'aap_rejection_pct', 'outcome_id': 'aap_rejection_pct',
         'rows_from': 'application_groups', 'period': 'decision_month',
         'early_reason': 'case when is_transferred_person then ' ~ transferred
            ~ " when is_pending then 'pending (no decision yet)' end",
         'period_reason': 'decision month outside the rejections series'},
        {'source_table': 'sick_leave_quarters', 'family': 'sick_leave_pct', 'outcome_id': 'sick_leave_pct',
         'rows_from': 'sick_leave_groups', 'period_reason': 'no population_years rows for the county-year (no weight)'},
    ] %}
    {# The job-seeker families split each group's rows into those the family's rule keeps and those it leaves out (counts of int_jobseeker_months_counted). #}
    {% for family, outcome_id, panel, period_reason, left_out, late_reason in [
        ('jobseeker_duration', 'duration_26_51_dagpenger', 'county_panel', jobseeker_series,
            'n_under_26_weeks', 'job seeker for under 26 weeks (in no duration group)'),
        ('new_jobseekers', 'new_jobseekers_dagpenger', 'county_panel', countable,
            'n_not_new', 'not a new job seeker (registered at one of the two updates before)'),
        ('jobseeker_cells', 'jobseekers_dagpenger', 'cell_panel', jobseeker_series,
            'n_outside_cell_ages', 'age outside 18-66 (no composition cell)'),
    ] %}
        {% for n_rows, reason in [('n_rows - ' ~ left_out, none), (left_out, "'" ~ late_reason ~ "'")] %}
            {% do families.append({
                'source_table': 'jobseeker_months', 'family': family, 'outcome_id': outcome_id, 'panel': panel,
                'rows_from': 'jobseeker_groups', 'period_reason': period_reason, 'late_reason': reason,
                'n_rows': n_rows, 'where': n_rows ~ ' > 0'}) %}
        {% endfor %}
    {% endfor %}
    {% for family, outcome_id in [
        ('sickness_benefit_exhaustion', 'sickness_benefit_exhaustion'),
        ('aap_inflow', 'aap_inflow_total'),
        ('aap_applications', 'aap_applications'),
        ('sick_leave_pct', 'sick_leave_pct'),
    ] %}
        {% do families.append({
            'source_table': 'population_years', 'family': family, 'outcome_id': outcome_id, 'grain': 'year',
            'rows_from': 'population_groups', 'period_reason': 'year outside the periods of the outcome'}) %}
    {% endfor %}
    {{ return(families) }}
{% endmacro %}

{# One select per outcome family (outcome_families): the family_rows of row_accounting. #}
{% macro family_rows() %}
    {% for f in outcome_families() %}
    {% if not loop.first %}union all{% endif %}
    select
        '{{ f.source_table }}' as source_table,
        '{{ f.family }}' as outcome_family,
        '{{ f.outcome_id }}' as outcome_id,
        '{{ f.get("panel", "county_panel") }}' as panel,
        '{{ f.get("grain", "month") }}' as grain,
        county_code,
        {{ f.get('period', 'period_start') }} as period_start,
        cast({{ f.get('early_reason') or 'null' }} as string) as early_reason,
        '{{ f.period_reason }}' as period_reason,
        cast({{ f.get('late_reason') or 'null' }} as string) as late_reason,
        {{ f.get('n_rows', 'n_rows') }} as n_rows
    from {{ f.rows_from }}
    {% if f.get('where') %}where {{ f.where }}{% endif %}
    {% endfor %}
{% endmacro %}
