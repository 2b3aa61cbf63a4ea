{# The job-seeker outcome ids with the condition that counts a flagged person-month in each (new_only: counted only in the countable months). #}
{% macro jobseeker_outcomes() %}
    {% set outcomes = [] %}
    {% set durations = [('26_51', 26, 51), ('52_77', 52, 77), ('78_103', 78, 103), ('104plus', 104, none)] %}
    {% for suffix, dagpenger in [('dagpenger', 'has_dagpenger'), ('no_dagpenger', 'not has_dagpenger')] %}
        {% do outcomes.append({'id': 'jobseekers_' ~ suffix, 'condition': dagpenger, 'new_only': false}) %}
        {% set new_dagpenger = 'dagpenger_within_3_months' if suffix == 'dagpenger' else 'not dagpenger_within_3_months' %}
        {% do outcomes.append({'id': 'new_jobseekers_' ~ suffix, 'condition': 'is_new and ' ~ new_dagpenger, 'new_only': true}) %}
        {% for name, low, high in durations %}
            {% set weeks = 'duration_weeks >= ' ~ low if high is none else 'duration_weeks between ' ~ low ~ ' and ' ~ high %}
            {% do outcomes.append({'id': 'duration_' ~ name ~ '_' ~ suffix, 'condition': weeks ~ ' and ' ~ dagpenger, 'new_only': false}) %}
        {% endfor %}
    {% endfor %}
    {{ return(outcomes) }}
{% endmacro %}
