{{ estimate_columns('regression_effects') }}
