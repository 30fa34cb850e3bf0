"""Inference machinery: engine creation from a run config or checkpoint, ``swift infer``,
the OpenAI-compatible server and export. Heavy imports live inside the functions."""
