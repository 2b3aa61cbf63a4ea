{{ estimate_columns('event_study') }}
