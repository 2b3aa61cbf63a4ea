{# Every single-county study has a pre/post row for each outcome of its domain and each window variant it defines. #}
with expected as (
    select windows.study_id, windows.outcome_id, windows.variant
    from {{ ref('study_outcome_windows') }} as windows
    inner join {{ ref('studies') }} as studies
        on studies.study_id = windows.study_id
        and studies.design = 'single_county'
),

missing as (
    select expected.*
    from expected
    anti join {{ ref('effects_pre_post') }} as effects
        using (study_id, outcome_id, variant)
)

select * from missing
