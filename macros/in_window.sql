{# True when a period lies in [window_start, window_end] and, if calendar_months is set ('12|1|2'), in one of those calendar months. #}
{% macro in_window(period, window_start, window_end, calendar_months) %}
    (
        {{ period }} between {{ window_start }} and {{ window_end }}
        and (
            coalesce({{ calendar_months }}, '') = ''
            or '|' || {{ calendar_months }} || '|'
                like '%|' || cast(extract(month from {{ period }}) as string) || '|%'
        )
    )
{% endmacro %}
