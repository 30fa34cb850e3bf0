"""The SmolLM model family (Hugging Face TB): SmolLM 135M, 360M and 1.7B, base and instruct.

Light registration module (entry point ``smollm`` in group ``swiftkit.models``): it imports
nothing but ``swiftkit.core`` and returns plain specs. SmolLM checkpoints are Llama-architecture
models (``config.json``: ``model_type: llama``, ``architectures: [LlamaForCausalLM]``), so every
spec points at swiftkit's default loader, :class:`swiftkit.models.hf.HFCausalLMLoader`; a family
that needed other code would name its own ``"swiftkit_example_plugin.loader:SmolLMLoader"`` here.

swiftkit does not ship this family (it is not in ms-swift's public model listing), which is why
a third party registers it. The checkpoints are published on the Hugging Face hub only
(``HuggingFaceTB/...``), so their ModelScope id is ``None``. Parameter counts and the 2048-token
context (``max_position_embeddings``) are those of the model cards / ``config.json``.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.models.checkpoints import checkpoint_specs

#: The plugin-API version this module was written against (swiftkit checks it on load).
SWIFTKIT_PLUGIN_API = "1.0"

FAMILY = "smollm"
#: The chat template every SmolLM checkpoint uses; registered by this package's templates module.
TEMPLATE = "example-chatml"

#: what every SmolLM checkpoint shares (``checkpoint_specs`` adds the per-row fields)
FAMILIES = {
    FAMILY: {
        "name": "SmolLM",
        "architecture": "LlamaForCausalLM",
        "hf_model_type": "llama",
        "template": TEMPLATE,
        "decoder_layer_cls": "LlamaDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.models.hf:HFCausalLMLoader",
        "requires": ["transformers>=4.40"],
    },
}

# family, id, ModelScope id (None: not published there), Hugging Face id, parameters (billions),
# context length, kind
# fmt: off
CHECKPOINTS = [
    ("smollm", "smollm-135m",           None, "HuggingFaceTB/SmolLM-135M",           0.135, 2048, "base"),
    ("smollm", "smollm-135m-instruct",  None, "HuggingFaceTB/SmolLM-135M-Instruct",  0.135, 2048, "instruct"),
    ("smollm", "smollm-360m",           None, "HuggingFaceTB/SmolLM-360M",           0.36,  2048, "base"),
    ("smollm", "smollm-360m-instruct",  None, "HuggingFaceTB/SmolLM-360M-Instruct",  0.36,  2048, "instruct"),
    ("smollm", "smollm-1.7b",           None, "HuggingFaceTB/SmolLM-1.7B",           1.71,  2048, "base"),
    ("smollm", "smollm-1.7b-instruct",  None, "HuggingFaceTB/SmolLM-1.7B-Instruct",  1.71,  2048, "instruct"),
]
# fmt: on


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every SmolLM checkpoint in :data:`CHECKPOINTS`. Deterministic, reads no file, imports nothing."""
    return checkpoint_specs(FAMILIES, CHECKPOINTS)
