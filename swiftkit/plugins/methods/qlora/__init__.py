"""QLoRA tuner: registration module (light: imports nothing heavy).

LoRA on a base model quantized by bitsandbytes while it loads. Takes every ``lora`` option
(same schemas) plus ms-swift's quantization flags (``--quant_bits``, ``--bnb_4bit_quant_type``,
``--bnb_4bit_compute_dtype``, ``--bnb_4bit_use_double_quant``, ``--bnb_4bit_quant_storage``) and
``--qlora_upcast``, which weights of the base beside the quantized linears go to float32.
Because quantization happens at load time, the tuner hands the loader its arguments: see
:meth:`swiftkit.plugins.methods.qlora.tuner.QLoraTuner.load_kwargs`.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import LORA, QUANTIZATION, option_schema

SWIFTKIT_PLUGIN_API = "1.5"

QLORA_OPTIONS = option_schema(
    LORA,
    QUANTIZATION,
    own={
        "qlora_upcast": {
            "enum": ["norms", "all"],
            "default": "norms",
            "description": "Which unquantized weights of the frozen base go to float32. norms: only the "
            "normalization weights (they compute in float32 and hand their input's dtype on); embeddings "
            "and the output head stay in torch_dtype. all: every unquantized weight, embeddings and head "
            "included, as peft's prepare_model_for_kbit_training does (2 bytes more per embedding and "
            "head parameter in bf16/fp16 runs: +2.9 GiB for Qwen2.5-14B, +4.6 GiB for Qwen2.5-72B, plus "
            "float32 hidden states).",
        },
    },
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="qlora",
            kind="tuner",
            description="QLoRA: LoRA adapters on a 4-bit (nf4) or 8-bit base quantized by bitsandbytes "
            "at load time.",
            tags=["peft", "adapter", "quantization"],
            requires=["peft>=0.17", "bitsandbytes>=0.43"],
            options=QLORA_OPTIONS,
            trains={
                "weights": "adapters",
                "rank_option": "lora_rank",
                "quantized": {
                    "bits_option": "quant_bits",
                    "double_quant_option": "bnb_4bit_use_double_quant",
                    "upcast_option": "qlora_upcast",
                    "storage_option": "bnb_4bit_quant_storage",
                },
            },
            recommend={"order": 30, "label": "QLoRA"},
            impl="swiftkit.plugins.methods.qlora.tuner:QLoraTuner",
        )
    ]


@hookimpl
def swift_config_adjust(config: dict[str, Any], command: str) -> None:
    """``--quant_method`` is shared with ``swift export``: a QLoRA run quantizes its base with
    bitsandbytes only, so any other method is refused here rather than silently ignored."""
    if config.get("train_type") != "qlora":
        return
    method = config.get("quant_method")
    if method not in (None, "bnb"):
        from swiftkit.core.errors import ConfigError

        raise ConfigError(f"--quant_method {method} with --train_type qlora: QLoRA quantizes its base with "
                          "bitsandbytes while it loads (--quant_method bnb); GPTQ/AWQ/FP8 are `swift export` methods")
