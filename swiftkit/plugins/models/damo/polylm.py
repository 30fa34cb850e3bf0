"""PolyLM (``model_type`` ``polylm``): DAMO's multilingual 13B base model (18 languages).

The weights are a GPT2LMHeadModel (2K context), but the tokenizer is the checkpoint's own code,
so loading needs ``--trust_remote_code true``.
"""

from __future__ import annotations

FAMILIES = {
    "polylm": {
        "name": "PolyLM",
        "architecture": "GPT2LMHeadModel",
        "hf_model_type": "gpt2",
        "template": "default",
        "decoder_layer_cls": "GPT2Block",
        "lora_target_modules": ["c_attn", "c_proj", "c_fc"],
        "support": "remote_code",
        "support_note": "the tokenizer comes from the checkpoint's own code (slow, legacy sentencepiece): loads only "
        "with --trust_remote_code true; not tested by swiftkit",
    },
}

# fmt: off
CHECKPOINTS = [
    ("polylm", "polylm-13b", "damo/nlp_polylm_13b_text_generation", "DAMO-NLP-MT/polylm-13b", 13.0, 2048, "base",
     "multilingual"),
]
# fmt: on
