"""The ``grok`` family (xAI): Grok-1, 314B MoE (8 experts, 2 per token), as HPC-AI Tech's PyTorch port.

Not in transformers: ``Grok1ModelForCausalLM`` comes from the checkpoint's ``modeling_grok1.py``
(``model_type: grok-1``). ms-swift formats it with its ``default`` template. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "grok": {
        "name": "Grok-1",
        "architecture": "Grok1ModelForCausalLM",
        "hf_model_type": "grok-1",
        "template": "default",
        "decoder_layer_cls": "DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"],
        "support": "remote_code",
        "support_note": "Grok1ModelForCausalLM from the checkpoint's modeling_grok1.py "
        "(hpcai-tech/grok-1); --trust_remote_code true",
    },
}

# fmt: off
CHECKPOINTS = [
    ("grok", "grok-1", "colossalai/grok-1-pytorch", "hpcai-tech/grok-1", 314.0, 8192, "base", "moe"),
]
# fmt: on
SHAPES: dict = {}
