{# Study A, Table 4: job seekers without dagpenger by job-seeker duration (26-51, 52-77, 78-103, 104 or more weeks), in percent of the labour force. Layout as Table 3. #}
{{ article_pre_post_by_row(
    'hedmark_2014_jobseekers',
    ['duration_26_51_no_dagpenger', 'duration_52_77_no_dagpenger', 'duration_78_103_no_dagpenger', 'duration_104plus_no_dagpenger']
) }}
