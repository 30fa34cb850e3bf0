"""``baichuan``: Baichuan-7B (rotary) and Baichuan-13B (ALiBi), fused ``W_pack`` q/k/v projection.
Their custom code needs transformers<4.34 (listing): unsupported on 5.19. Baichuan-7B's class is
spelled ``BaiChuanForCausalLM``. Context: ``max_position_embeddings`` / ``model_max_length``
(4096). Data only."""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "baichuan": {
        "name": "Baichuan",
        "architecture": "BaichuanForCausalLM",
        "hf_model_type": "baichuan",
        "template": "baichuan",
        "decoder_layer_cls": "BaichuanLayer",
        "lora_target_modules": ["W_pack", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "support": "unsupported",
        "support_note": "BaichuanForCausalLM from the checkpoint's modeling_baichuan.py needs transformers<4.34 "
        "(installed: 5.19)",
        "requires": ["transformers<4.34"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("baichuan", "baichuan-13b-chat", "baichuan-inc/Baichuan-13B-Chat", "=", 13.26, 4096, "chat"),
    ("baichuan", "baichuan-13b-base", "baichuan-inc/Baichuan-13B-Base", "=", 13.26, 4096, "base"),
    ("baichuan", "baichuan-7b", "baichuan-inc/baichuan-7B", "baichuan-inc/Baichuan-7B", 7.0, 4096, "base",
     {"architecture": "BaiChuanForCausalLM", "decoder_layer_cls": "DecoderLayer",
      "support_note": "BaiChuanForCausalLM from the checkpoint's modeling_baichuan.py needs transformers<4.34 "
      "(installed: 5.19)"}),
]
# public config.json sizes: multi-head attention, vocabulary 64000, untied head
_7B = model_shape(4096, 32, 32, 32, 11008, 64000, tied=False)
_13B = model_shape(5120, 40, 40, 40, 13696, 64000, tied=False)
# fmt: on
SHAPES = {row[1]: _7B if row[4] < 10 else _13B for row in CHECKPOINTS}
