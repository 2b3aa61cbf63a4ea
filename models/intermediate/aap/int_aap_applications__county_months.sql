{# AAP applications by county and month: received (by received month), and rejected and decided (granted + rejected, by decision month; pending ones are not decided); transferred persons left out. #}
with applications as (
    select applications.*
    from {{ ref('stg_register__aap_applications') }} as applications
    anti join {{ ref('int_aap_persons_transferred') }} as transferred
        on transferred.person_id = applications.person_id
),

received as (
    select
        county_code,
        received_month as period_start,
        count(*) as received
    from applications
    group by county_code, received_month
),

decided as (
    select
        county_code,
        decision_month as period_start,
        count(*) filter (where decision = 'rejected') as rejected,
        count(*) filter (where decision in ('granted', 'rejected')) as decided
    from applications
    where decision_month is not null
    group by county_code, decision_month
),

counted as (
    select
        county_code,
        period_start,
        coalesce(received.received, 0) as received,
        coalesce(decided.rejected, 0) as rejected,
        coalesce(decided.decided, 0) as decided
    from received
    full outer join decided using (county_code, period_start)
)

select * from counted
