{# Study A, Table 3: job seekers with dagpenger by job-seeker duration (26-51, 52-77, 78-103, 104 or more weeks), in percent of the labour force. One block of lines (pre, post, change, effect_pct) per duration group and variant; on the effect_pct line the difference column holds the relative effect in percent. #}
{{ article_pre_post_by_row(
    'hedmark_2014_jobseekers',
    ['duration_26_51_dagpenger', 'duration_52_77_dagpenger', 'duration_78_103_dagpenger', 'duration_104plus_dagpenger']
) }}
