{{ estimate_columns('rollout_cohort_effects') }}
