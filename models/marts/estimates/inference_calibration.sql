{{ estimate_columns('inference_calibration') }}
