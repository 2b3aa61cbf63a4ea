{# Rows whose column is not an identifier (var identifier_pattern: 1-64 of a-z, 0-9, _); the first stops the test with an error naming the value, since such a name would become a file name. #}
{% test valid_identifier(model, column_name) %}
{% set rule = var("identifier_pattern") %}
{% set bad = "not " ~ matches_pattern("coalesce(cast(" ~ column_name ~ " as string), '')", rule) %}
select *
from {{ model }}
where {{ bad }}
    and (
        case when {{ bad }} then {{ raise_error(
            "'" ~ model.identifier ~ "." ~ column_name ~ " ' || coalesce('''' || left(cast("
            ~ column_name ~ " as string), 80) || '''', 'NULL') || ' must match " ~ rule
            ~ " (1-64 lowercase letters, digits or _)'"
        ) }} end
    ) is null
{% endtest %}
