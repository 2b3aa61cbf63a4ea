{# Study A, Table 2: new job seekers (registered at an update but not at the two before) with and without dagpenger, in percent of the labour force. Layout as Table 1: one row per variant and line, the columns treated, control and difference per outcome, the effect in percent on the effect_pct line's difference column. #}
{{ article_pre_post_by_column(
    'hedmark_2014_jobseekers',
    ['new_jobseekers_dagpenger', 'new_jobseekers_no_dagpenger']
) }}
