{# Person-months of job seekers with duration in weeks, the new-job-seeker rule and dagpenger within t..t+3 (complete only up to three months before the last month of data), from one sorted pass per person. #}
{#- (person_id, month) is unique (the contract's key), so the person's next three rows hold every month of t+1..t+3 that is there, and lag/lead over one order replace a range frame. -#}
{{ config(materialized='view') }}

{{ jobseeker_months_flagged() }}
