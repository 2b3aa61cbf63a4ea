{{ estimate_columns('rollout_inference') }}
