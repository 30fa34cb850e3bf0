"""A model family plugin: SmolLM2 (Hugging Face's small Llama-architecture models).

Registration module: it imports ``swiftkit.core`` and nothing else, so discovery stays cheap.
The loader lives in :mod:`model_plugin.loader` and is named by a lazy reference.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.1"

# What every checkpoint of the family shares.
_FAMILY = dict(
    family="smollm2",
    architecture="LlamaForCausalLM",  # the class name in config.json's "architectures"
    hf_model_type="llama",  # config.json's "model_type": how a local folder is matched
    template="chatml",  # a template id; it may come from another plugin (here: built-in)
    lora_target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    decoder_layer_cls="LlamaDecoderLayer",  # what FSDP wraps
    loader="model_plugin.loader:SmolLM2Loader",
    tags=["smollm2", "instruct"],
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    return [
        ModelSpec(
            id="smollm2-135m-instruct",
            description="SmolLM2 135M instruct",
            hf_id="HuggingFaceTB/SmolLM2-135M-Instruct",
            params_billion=0.135,
            max_length=8192,
            aliases=["smollm2-135m"],
            **_FAMILY,
        ),
        ModelSpec(
            id="smollm2-360m-instruct",
            description="SmolLM2 360M instruct",
            hf_id="HuggingFaceTB/SmolLM2-360M-Instruct",
            params_billion=0.36,
            max_length=8192,
            **_FAMILY,
        ),
    ]
