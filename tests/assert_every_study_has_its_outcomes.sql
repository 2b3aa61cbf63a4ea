{# Every study has a pre/post row for each outcome of its domain and each window variant it defines. #}
with expected as (
    select windows.study_id, windows.outcome_id, windows.variant
    from {{ ref('study_outcome_windows') }} as windows
),

missing as (
    select expected.*
    from expected
    anti join {{ ref('effects_pre_post') }} as effects
        using (study_id, outcome_id, variant)
)

select * from missing
