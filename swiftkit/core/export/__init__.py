"""The contract of export steps (``swift export``: quantization, GGUF, Ollama, hub upload)."""
