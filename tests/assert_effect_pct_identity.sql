{# Every pre/post row: did = change_treated - change_control and effect_pct = 100 x did / treated_pre. #}
select *
from {{ ref('effects_pre_post') }}
where abs(did - (change_treated - change_control)) > 1e-12
    or abs(change_treated - (treated_post - treated_pre)) > 1e-12
    or abs(change_control - (control_post - control_pre)) > 1e-12
    or (treated_pre <> 0 and abs(effect_pct - 100.0 * did / treated_pre) > 1e-9)
