{# Every outcome of every family by county and period in one long table: the one input of the study marts. #}
with unioned as (
    select * from {{ ref('int_jobseekers__county_months') }}
    union all
    select * from {{ ref('int_aap__county_months') }}
    union all
    select * from {{ ref('int_public__county_periods') }}
),

outcomes as (
    select * from {{ ref('outcomes') }}
),

described as (
    select
        unioned.outcome_id,
        unioned.period_start,
        unioned.county_code,
        unioned.numerator,
        unioned.denominator,
        outcomes.domain,
        outcomes.source,
        outcomes.period_type,
        outcomes.rate_scale
    from unioned
    inner join outcomes using (outcome_id)
)

select * from described
