{{ estimate_columns('sensitivity') }}
