"""The contract of the dataset-format kind: the row converter interface and its errors."""
