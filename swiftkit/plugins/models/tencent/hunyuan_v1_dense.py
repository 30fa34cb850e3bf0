"""Hunyuan dense models 0.5B-7B (ms-swift model type ``hunyuan_v1_dense``): pre-trained and
instruction-tuned (hybrid fast/slow thinking), 256K context, plus Tencent's FP8, AWQ-Int4 and
GPTQ-Int4 quantizations of the instruct models.

Parameter counts are the sizes in the names (the model cards give no finer figure).
"""

from __future__ import annotations

_LORA = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

FAMILIES = {
    "hunyuan_v1_dense": {
        "name": "Hunyuan dense",
        "architecture": "HunYuanDenseV1ForCausalLM",
        "hf_model_type": "hunyuan_v1_dense",
        "template": "hunyuan",
        "decoder_layer_cls": "HunYuanDenseV1DecoderLayer",
        "lora_target_modules": _LORA,
        "loader": "swiftkit.plugins.models.tencent.loader:HunyuanDenseLoader",
        "requires": ["transformers>=4.55.0.dev0"],
        "support": "tested",
        "support_note": "HunYuanDenseV1ForCausalLM is native in transformers 5.19; a tiny model passes "
        "the family test matrix (LoRA, full, resume, export, pt infer)",
    },
}

_SIZES = {"0.5B": 0.5, "1.8B": 1.8, "4B": 4.0, "7B": 7.0}
_CONTEXT = 262144  # "natively supports a 256K context window" (model cards)

# fmt: off
CHECKPOINTS = [
    *(("hunyuan_v1_dense", f"hunyuan-{s.lower()}-instruct", f"Tencent-Hunyuan/Hunyuan-{s}-Instruct",
       f"tencent/Hunyuan-{s}-Instruct", p, _CONTEXT, "instruct", "thinking", "long-context") for s, p in _SIZES.items()),
    *(("hunyuan_v1_dense", f"hunyuan-{s.lower()}-pretrain", f"Tencent-Hunyuan/Hunyuan-{s}-Pretrain",
       f"tencent/Hunyuan-{s}-Pretrain", p, _CONTEXT, "base", "long-context") for s, p in _SIZES.items()),
    *(("hunyuan_v1_dense", f"hunyuan-{s.lower()}-instruct-{q.lower()}", f"Tencent-Hunyuan/Hunyuan-{s}-Instruct-{q}",
       f"tencent/Hunyuan-{s}-Instruct-{q}", p, _CONTEXT, "instruct", "thinking", "long-context")
      for q in ("FP8", "AWQ-Int4", "GPTQ-Int4") for s, p in _SIZES.items()),
]
# fmt: on
