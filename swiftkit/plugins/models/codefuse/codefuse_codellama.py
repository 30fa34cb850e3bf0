"""CodeFuse-CodeLlama (``model_type`` ``codefuse_codellama``): Ant Group's fine-tune of CodeLlama-34B.

A plain LlamaForCausalLM (native in transformers): grouped-query attention (8 kv heads), a 32K
vocabulary, rope theta 1e6 and a 16K context, as CodeLlama-34B's config.json.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "codefuse_codellama": {
        "name": "CodeFuse-CodeLlama",
        "architecture": "LlamaForCausalLM",
        "hf_model_type": "llama",
        "template": "codefuse_codellama",
        "decoder_layer_cls": "LlamaDecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "tested",
        "support_note": "LlamaForCausalLM native in transformers; a tiny model is trained (LoRA, full), resumed, "
        "exported and served by swiftkit's family check",
    },
}

# fmt: off
CHECKPOINTS = [
    ("codefuse_codellama", "codefuse-codellama-34b", "codefuse-ai/CodeFuse-CodeLlama-34B", "=", 33.74, 16384,
     "chat", "code"),
]
# fmt: on
SHAPES = {"codefuse-codellama-34b": model_shape(8192, 48, 64, 8, 22016, 32000, tied=False)}
