"""The ``phi3_small`` family (Microsoft): Phi-3-small 8K and 128K instruct.

Not in transformers: ``Phi3SmallForCausalLM`` (``model_type: phi3small``) comes from the
checkpoint's ``modeling_phi3_small.py``, whose block-sparse attention is written in Triton and
whose tokenizer needs ``tiktoken``. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "phi3_small": {
        "name": "Phi-3-small",
        "architecture": "Phi3SmallForCausalLM",
        "hf_model_type": "phi3small",
        "template": "phi3",
        "decoder_layer_cls": "Phi3SmallDecoderLayer",
        "lora_target_modules": ["query_key_value", "dense", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "Phi3SmallForCausalLM from the checkpoint's modeling_phi3_small.py "
        "(block-sparse attention in Triton, a CUDA GPU; tokenizer needs tiktoken); --trust_remote_code true",
        "requires": ["transformers>=4.36", "tiktoken", "triton"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("phi3_small", "phi3-small-8k-instruct", "LLM-Research/Phi-3-small-8k-instruct", "microsoft/Phi-3-small-8k-instruct", 7.39, 8192, "instruct"),
    ("phi3_small", "phi3-small-128k-instruct", "LLM-Research/Phi-3-small-128k-instruct", "microsoft/Phi-3-small-128k-instruct", 7.39, 131072, "instruct", "long-context"),
]
# fmt: on
SHAPES: dict = {}
