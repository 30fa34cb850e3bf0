"""The Yi model family (01.AI): Yi and Yi-1.5 base and chat checkpoints.

Light registration module (entry point ``yi`` in group ``swiftkit.models``): it imports nothing
but ``swiftkit.core`` and returns plain specs. Yi checkpoints are Llama-architecture models
(``config.json``: ``model_type: llama``, ``architectures: [LlamaForCausalLM]``), so every spec
points at swiftkit's default loader, :class:`swiftkit.models.hf.HFCausalLMLoader`; a family
that needed other code would name its own ``"swiftkit_example_plugin.loader:YiLoader"`` here.

Hub ids are exactly those of the public model listing (ModelScope ``01ai/...``, Hugging Face
``01-ai/...``). Parameter counts and context lengths are those of the checkpoints'
``config.json`` / model cards (``max_position_embeddings``: 4096 for the base and chat models,
200000 for the 200K models, 16384 for the Yi-1.5 16K chat models).
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.models.checkpoints import checkpoint_specs

#: The plugin-API version this module was written against (swiftkit checks it on load).
SWIFTKIT_PLUGIN_API = "1.0"

FAMILY = "yi"
#: The chat template every Yi checkpoint uses; registered by this package's templates module.
TEMPLATE = "example-chatml"

#: what every Yi checkpoint shares (``checkpoint_specs`` adds the per-row fields)
FAMILIES = {
    FAMILY: {
        "name": "01.AI Yi",
        "architecture": "LlamaForCausalLM",
        "hf_model_type": "llama",
        "template": TEMPLATE,
        "decoder_layer_cls": "LlamaDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.models.hf:HFCausalLMLoader",
        "requires": ["transformers>=4.34"],
    },
}

# family, id, ModelScope id, Hugging Face id, parameters (billions), context length, kind
# fmt: off
CHECKPOINTS = [
    ("yi", "yi-6b",                 "01ai/Yi-6B",                 "01-ai/Yi-6B",                  6.06,   4096, "base"),
    ("yi", "yi-6b-200k",            "01ai/Yi-6B-200K",            "01-ai/Yi-6B-200K",             6.06, 200000, "base"),
    ("yi", "yi-6b-chat",            "01ai/Yi-6B-Chat",            "01-ai/Yi-6B-Chat",             6.06,   4096, "instruct"),
    ("yi", "yi-9b",                 "01ai/Yi-9B",                 "01-ai/Yi-9B",                  8.83,   4096, "base"),
    ("yi", "yi-34b",                "01ai/Yi-34B",                "01-ai/Yi-34B",                34.39,   4096, "base"),
    ("yi", "yi-34b-200k",           "01ai/Yi-34B-200K",           "01-ai/Yi-34B-200K",           34.39, 200000, "base"),
    ("yi", "yi-34b-chat",           "01ai/Yi-34B-Chat",           "01-ai/Yi-34B-Chat",           34.39,   4096, "instruct"),
    ("yi", "yi-1.5-6b",             "01ai/Yi-1.5-6B",             "01-ai/Yi-1.5-6B",              6.06,   4096, "base"),
    ("yi", "yi-1.5-6b-chat",        "01ai/Yi-1.5-6B-Chat",        "01-ai/Yi-1.5-6B-Chat",         6.06,   4096, "instruct"),
    ("yi", "yi-1.5-9b",             "01ai/Yi-1.5-9B",             "01-ai/Yi-1.5-9B",              8.83,   4096, "base"),
    ("yi", "yi-1.5-9b-chat",        "01ai/Yi-1.5-9B-Chat",        "01-ai/Yi-1.5-9B-Chat",         8.83,   4096, "instruct"),
    ("yi", "yi-1.5-9b-chat-16k",    "01ai/Yi-1.5-9B-Chat-16K",    "01-ai/Yi-1.5-9B-Chat-16K",     8.83,  16384, "instruct"),
    ("yi", "yi-1.5-34b",            "01ai/Yi-1.5-34B",            "01-ai/Yi-1.5-34B",            34.39,   4096, "base"),
    ("yi", "yi-1.5-34b-chat",       "01ai/Yi-1.5-34B-Chat",       "01-ai/Yi-1.5-34B-Chat",       34.39,   4096, "instruct"),
    ("yi", "yi-1.5-34b-chat-16k",   "01ai/Yi-1.5-34B-Chat-16K",   "01-ai/Yi-1.5-34B-Chat-16K",   34.39,  16384, "instruct"),
]
# fmt: on


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every Yi checkpoint in :data:`CHECKPOINTS`. Deterministic, reads no file, imports nothing."""
    return checkpoint_specs(FAMILIES, CHECKPOINTS)
