"""``baichuan2``: Baichuan2 7B (rotary) and 13B (ALiBi), base, chat and the chat models'
bitsandbytes 4-bit releases (``-4bits``, which need bitsandbytes<0.41.2 and accelerate<0.26 per
the listing). Remote code. Context 4096. Data only."""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "baichuan2": {
        "name": "Baichuan2",
        "architecture": "BaichuanForCausalLM",
        "hf_model_type": "baichuan",
        "template": "baichuan",
        "decoder_layer_cls": "BaichuanLayer",
        "lora_target_modules": ["W_pack", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "remote_code",
        "support_note": "BaichuanForCausalLM from the checkpoint's modeling_baichuan.py",
    },
}

#: the 7B model's code names its layer DecoderLayer, the 13B's BaichuanLayer
_7B_LAYER = {"decoder_layer_cls": "DecoderLayer"}
_4BIT = {
    "quant_method": "bnb",
    "quant_bits": 4,
    "requires": ["bitsandbytes<0.41.2", "accelerate<0.26"],
    "support_note": "BaichuanForCausalLM from the checkpoint's modeling_baichuan.py; bitsandbytes 4-bit weights "
    "that need bitsandbytes<0.41.2 and accelerate<0.26",
}

# fmt: off
CHECKPOINTS = [
    ("baichuan2", "baichuan2-7b-chat", "baichuan-inc/Baichuan2-7B-Chat", "=", 7.51, 4096, "chat", _7B_LAYER),
    ("baichuan2", "baichuan2-7b-base", "baichuan-inc/Baichuan2-7B-Base", "=", 7.51, 4096, "base", _7B_LAYER),
    ("baichuan2", "baichuan2-13b-chat", "baichuan-inc/Baichuan2-13B-Chat", "=", 13.9, 4096, "chat"),
    ("baichuan2", "baichuan2-13b-base", "baichuan-inc/Baichuan2-13B-Base", "=", 13.9, 4096, "base"),
    ("baichuan2", "baichuan2-7b-chat-4bits", "baichuan-inc/Baichuan2-7B-Chat-4bits", "=", 7.51, 4096, "chat", {**_7B_LAYER, **_4BIT}),
    ("baichuan2", "baichuan2-13b-chat-4bits", "baichuan-inc/Baichuan2-13B-Chat-4bits", "=", 13.9, 4096, "chat", _4BIT),
]
# public config.json sizes: multi-head attention, vocabulary 125696, untied head
_7B = model_shape(4096, 32, 32, 32, 11008, 125696, tied=False)
_13B = model_shape(5120, 40, 40, 40, 13696, 125696, tied=False)
# fmt: on
SHAPES = {row[1]: _7B if row[4] < 10 else _13B for row in CHECKPOINTS}
