{{ estimate_columns('synthetic_paths') }}
