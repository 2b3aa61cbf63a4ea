{{ estimate_columns('synthetic_weights') }}
