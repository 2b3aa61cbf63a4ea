{# Persons flagged as moved to AAP from the old schemes on any row: left out of every AAP outcome. #}
select distinct person_id
from {{ ref('stg_register__aap_months') }}
where transferred_from_old_scheme
