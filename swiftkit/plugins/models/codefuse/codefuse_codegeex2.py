"""CodeFuse-CodeGeeX2 (``model_type`` ``codefuse_codegeex2``): Ant Group's fine-tune of CodeGeeX2-6B,
a ChatGLM2 model (ChatGLMForConditionalGeneration from the checkpoint's ``modeling_chatglm.py``,
config ``model_type`` ``chatglm``, 8K context).

The listing requires ``transformers<4.34`` for its code: unsupported on the pinned transformers.
"""

from __future__ import annotations

FAMILIES = {
    "codefuse_codegeex2": {
        "name": "CodeFuse-CodeGeeX2",
        "architecture": "ChatGLMForConditionalGeneration",
        "hf_model_type": "chatglm",
        "template": "codefuse",
        "decoder_layer_cls": "GLMBlock",
        "lora_target_modules": ["query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"],
        "requires": ["transformers<4.34"],
        "support": "unsupported",
        "support_note": "ChatGLMForConditionalGeneration from the checkpoint's modeling_chatglm.py needs "
        "transformers<4.34; swiftkit pins transformers 5.19",
    },
}

# fmt: off
CHECKPOINTS = [
    ("codefuse_codegeex2", "codefuse-codegeex2-6b", "codefuse-ai/CodeFuse-CodeGeeX2-6B", "=", 6.24, 8192, "chat",
     "code"),
]
# fmt: on
