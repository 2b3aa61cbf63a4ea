{#- The monthly refresh (`regeval run --refresh`): the first month of the register extract that changed
since the last build, passed by regeval as the var `refresh_since` ('YYYY-MM-01'). Models built
incrementally recompute only the months that month can change (each says how many months back its
definition reaches). regeval picks that month by comparing per-month row counts and checksums with
those stored at the last build, and builds in full instead when its rules say so (regeval/refresh.py). -#}

{% macro refresh_since() %}
    {%- set since = var('refresh_since', none) -%}
    {%- if since is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-(0[1-9]|1[0-2])-01', since | string) -%}
        {{ exceptions.raise_compiler_error("var refresh_since must be the first day of a month, 'YYYY-MM-01'; got " ~ since) }}
    {%- endif -%}
    {{ return("cast('" ~ since ~ "' as date)") }}
{% endmacro %}

{#- True when an incremental model recomputes only the refreshed months (its table exists and a refresh month is given). -#}
{% macro refreshing() %}
    {{ return(refresh_since() is not none and is_incremental()) }}
{% endmacro %}

{#- The first month an incremental model recomputes: `back` months before the refresh month. -#}
{% macro refresh_from(back) %}
    {{ return(dbt.dateadd('month', -back, refresh_since())) }}
{% endmacro %}

{#- pre_hook of an incremental model (materialized 'incremental', strategy 'append'): before it appends,
remove the rows it is about to recompute - the refreshed months, or every row when its table exists
but no refresh month is given (then it is rebuilt in full). -#}
{% macro delete_refreshed_months(column, back) %}
    {%- if refreshing() -%}
        delete from {{ this }} where {{ column }} >= {{ refresh_from(back) }}
    {%- elif is_incremental() -%}
        delete from {{ this }}
    {%- endif -%}
{% endmacro %}
