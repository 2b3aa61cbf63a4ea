{# Groups with single-county inference rows that do not have exactly one recommended row. #}
{% test one_recommended_row(model, by) %}
select
    {{ by | join(', ') }},
    sum(case when recommended then 1 else 0 end) as n_recommended
from {{ model }}
where model in ('twfe_county', 'sc_county', 'sdid_county') and term = 'post' and inference not in ('hc1', 'cluster_county')
group by {{ by | join(', ') }}
having sum(case when recommended then 1 else 0 end) <> 1
{% endtest %}
