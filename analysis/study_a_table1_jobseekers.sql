{# Study A (stricter follow-up of job seekers, Hedmark, Nov 2014), Table 1: registered job seekers with and without dagpenger in percent of the labour force. One row per variant and line (pre, post, change, effect_pct); per outcome the columns treated (Hedmark), control and difference; on the effect_pct line the difference column holds the relative effect in percent (100 x did / treated pre mean). #}
{{ article_pre_post_by_column(
    'hedmark_2014_jobseekers',
    ['jobseekers_dagpenger', 'jobseekers_no_dagpenger']
) }}
