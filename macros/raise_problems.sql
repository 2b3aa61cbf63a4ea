{# The end of a test whose last CTE `problems` has a column problem (a sentence): a CTE `listed` and the final select, which stops with one error listing every problem, one per line. #}
{% macro raise_problems() %}
listed as (
    select {{ string_agg_distinct('problem', '\n') }} as all_problems
    from problems
)

select problems.*
from problems
cross join listed
where (case when listed.all_problems is not null then {{ raise_error("listed.all_problems") }} end) is null
{% endmacro %}
