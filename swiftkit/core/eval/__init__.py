"""The contract of evaluation backends (``swift eval``, evaluation during training)."""
