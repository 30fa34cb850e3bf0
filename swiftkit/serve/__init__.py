"""``swift deploy``: the OpenAI-compatible HTTP server and its request/response models."""
