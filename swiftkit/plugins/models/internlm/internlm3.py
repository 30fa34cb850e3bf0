"""``internlm3``: InternLM3-8B-Instruct (Llama-like, grouped-query attention), remote code.
The listing renders it with the ``internlm2`` template. Context: ``max_position_embeddings``.
Data only."""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "internlm3": {
        "name": "InternLM3",
        "architecture": "InternLM3ForCausalLM",
        "hf_model_type": "internlm3",
        "template": "internlm2",
        "decoder_layer_cls": "InternLM3DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "InternLM3ForCausalLM from the checkpoint's modeling_internlm3.py",
        "requires": ["transformers>=4.48"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("internlm3", "internlm3-8b-instruct", "Shanghai_AI_Laboratory/internlm3-8b-instruct", "internlm/internlm3-8b-instruct", 8.8, 32768, "instruct"),
]
# fmt: on
SHAPES = {"internlm3-8b-instruct": model_shape(4096, 48, 32, 2, 10240, 128512, tied=False)}
