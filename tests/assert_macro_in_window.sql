{# The in_window macro over a values list: rows where it disagrees with the expected answer. #}
with cases as (
    select * from (values
        (date '2014-01-01', date '2014-01-01', date '2014-03-01', '', true),
        (date '2014-03-01', date '2014-01-01', date '2014-03-01', '', true),
        (date '2014-04-01', date '2014-01-01', date '2014-03-01', '', false),
        (date '2013-12-01', date '2013-12-01', date '2014-10-01', '12|1|2', true),
        (date '2014-02-01', date '2013-12-01', date '2014-10-01', '12|1|2', true),
        (date '2014-03-01', date '2013-12-01', date '2014-10-01', '12|1|2', false),
        (date '2014-01-01', date '2013-12-01', date '2014-10-01', '11|12', false),
        (date '2014-11-01', date '2014-01-01', date '2014-12-01', '1|11', true),
        (date '2014-05-01', date '2014-01-01', date '2014-12-01', null, true)
    ) as t(period, window_start, window_end, calendar_months, expected)
)

select *
from cases
where {{ in_window('period', 'window_start', 'window_end', 'calendar_months') }} <> expected
