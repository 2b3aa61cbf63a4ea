{{ estimate_columns('placebo_effects') }}
