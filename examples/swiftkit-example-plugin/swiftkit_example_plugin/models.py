"""The Yi model family (01.AI): Yi and Yi-1.5 base and chat checkpoints.

Light registration module (entry point ``yi`` in group ``swiftkit.models``): it imports nothing
but ``swiftkit.core`` and returns plain specs. Yi checkpoints are Llama-architecture models
(``config.json``: ``model_type: llama``, ``architectures: [LlamaForCausalLM]``), so every spec
points at swiftkit's default loader, :class:`swiftkit.core.models.hf.HFCausalLMLoader`; a family
that needed other code would name its own ``"swiftkit_example_plugin.loader:YiLoader"`` here.

Hub ids are exactly those of the public model listing (ModelScope ``01ai/...``, Hugging Face
``01-ai/...``). Parameter counts and context lengths are those of the checkpoints'
``config.json`` / model cards (``max_position_embeddings``: 4096 for the base and chat models,
200000 for the 200K models, 16384 for the Yi-1.5 16K chat models).
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl

#: The plugin-API version this module was written against (swiftkit checks it on load).
SWIFTKIT_PLUGIN_API = "1.0"

FAMILY = "yi"
#: The chat template every Yi checkpoint uses; registered by this package's templates module.
TEMPLATE = "example-chatml"

_SHARED = {
    "family": FAMILY,
    "architecture": "LlamaForCausalLM",
    "hf_model_type": "llama",
    "template": TEMPLATE,
    "decoder_layer_cls": "LlamaDecoderLayer",
    "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "loader": "swiftkit.core.models.hf:HFCausalLMLoader",
    "requires": ["transformers>=4.34"],
}

# id, ModelScope id, Hugging Face id, parameters (billions), context length, kind
# fmt: off
CHECKPOINTS = [
    ("yi-6b",                 "01ai/Yi-6B",                 "01-ai/Yi-6B",                  6.06,   4096, "base"),
    ("yi-6b-200k",            "01ai/Yi-6B-200K",            "01-ai/Yi-6B-200K",             6.06, 200000, "base"),
    ("yi-6b-chat",            "01ai/Yi-6B-Chat",            "01-ai/Yi-6B-Chat",             6.06,   4096, "chat"),
    ("yi-9b",                 "01ai/Yi-9B",                 "01-ai/Yi-9B",                  8.83,   4096, "base"),
    ("yi-34b",                "01ai/Yi-34B",                "01-ai/Yi-34B",                34.39,   4096, "base"),
    ("yi-34b-200k",           "01ai/Yi-34B-200K",           "01-ai/Yi-34B-200K",           34.39, 200000, "base"),
    ("yi-34b-chat",           "01ai/Yi-34B-Chat",           "01-ai/Yi-34B-Chat",           34.39,   4096, "chat"),
    ("yi-1.5-6b",             "01ai/Yi-1.5-6B",             "01-ai/Yi-1.5-6B",              6.06,   4096, "base"),
    ("yi-1.5-6b-chat",        "01ai/Yi-1.5-6B-Chat",        "01-ai/Yi-1.5-6B-Chat",         6.06,   4096, "chat"),
    ("yi-1.5-9b",             "01ai/Yi-1.5-9B",             "01-ai/Yi-1.5-9B",              8.83,   4096, "base"),
    ("yi-1.5-9b-chat",        "01ai/Yi-1.5-9B-Chat",        "01-ai/Yi-1.5-9B-Chat",         8.83,   4096, "chat"),
    ("yi-1.5-9b-chat-16k",    "01ai/Yi-1.5-9B-Chat-16K",    "01-ai/Yi-1.5-9B-Chat-16K",     8.83,  16384, "chat"),
    ("yi-1.5-34b",            "01ai/Yi-1.5-34B",            "01-ai/Yi-1.5-34B",            34.39,   4096, "base"),
    ("yi-1.5-34b-chat",       "01ai/Yi-1.5-34B-Chat",       "01-ai/Yi-1.5-34B-Chat",       34.39,   4096, "chat"),
    ("yi-1.5-34b-chat-16k",   "01ai/Yi-1.5-34B-Chat-16K",   "01-ai/Yi-1.5-34B-Chat-16K",   34.39,  16384, "chat"),
]
# fmt: on

_KINDS = {"base": "pre-trained base model", "chat": "chat model"}


def _context(n: int) -> str:
    return f"{n // 1000}K" if n % 1000 == 0 else f"{n // 1024}K"


def _spec(id_: str, ms_id: str, hf_id: str, params: float, max_length: int, kind: str) -> ModelSpec:
    name = hf_id.split("/")[-1]
    return ModelSpec(
        id=id_,
        description=f"{name}: {_KINDS[kind]}, {params:g}B parameters, {_context(max_length)} context (01.AI Yi family)",
        tags=["text", "instruct" if kind == "chat" else "base"],
        hf_id=hf_id,
        ms_id=ms_id,
        params_billion=params,
        max_length=max_length,
        **{k: list(v) if isinstance(v, list) else v for k, v in _SHARED.items()},
    )


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every Yi checkpoint in :data:`CHECKPOINTS`. Deterministic, reads no file, imports nothing."""
    return [_spec(*row) for row in CHECKPOINTS]
