"""The ``mixtral`` family (Mistral AI): Mixtral-8x7B and 8x22B sparse mixture-of-experts models.

``MixtralForCausalLM``: 8 experts, 2 routed per token. In transformers 5 the experts' weights
are fused 3-D parameters, so LoRA targets the attention projections (plus the experts through
PEFT's parameter targeting where the trainer asks for it). ms-swift formats them with its
``llama`` template. The tiny config (4 experts, no sliding window) lives in the loader. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "mixtral": {
        "name": "Mixtral",
        "architecture": "MixtralForCausalLM",
        "hf_model_type": "mixtral",
        "template": "llama",
        "decoder_layer_cls": "MixtralDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
        "loader": "swiftkit.plugins.models.mistral.loader:MixtralLoader",
        "support": "tested",
        "support_note": "MixtralForCausalLM, native in transformers; tiny 4-expert model through the family test matrix",
        "requires": ["transformers>=4.36"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("mixtral", "mixtral-8x7b-instruct-v0.1", "AI-ModelScope/Mixtral-8x7B-Instruct-v0.1", "mistralai/Mixtral-8x7B-Instruct-v0.1", 46.7, 32768, "instruct", "moe"),
    ("mixtral", "mixtral-8x7b-v0.1", "AI-ModelScope/Mixtral-8x7B-v0.1", "mistralai/Mixtral-8x7B-v0.1", 46.7, 32768, "base", "moe"),
    ("mixtral", "mixtral-8x22b-v0.1", "AI-ModelScope/Mixtral-8x22B-v0.1", "mistral-community/Mixtral-8x22B-v0.1", 140.6, 65536, "base", "moe"),
    ("mixtral", "mixtral-8x7b-aqlm-2bit-1x16-hf", "AI-ModelScope/Mixtral-8x7b-AQLM-2Bit-1x16-hf", "ISTA-DASLab/Mixtral-8x7b-AQLM-2Bit-1x16-hf", 46.7, 32768, "base", "moe", "quantized",
     {"requires": ["transformers>=4.38", "aqlm", "torch>=2.2.0"], "support": "unsupported", "support_note": "AQLM 2-bit weights: needs the aqlm package (aqlm[gpu]>=1.0, torch>=2.2), not installed"}),
]
# fmt: on
SHAPES: dict = {}
