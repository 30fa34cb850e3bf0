"""Inference machinery: engine creation from a run config or checkpoint and ``swift infer``."""
