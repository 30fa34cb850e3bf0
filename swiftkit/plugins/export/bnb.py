"""bitsandbytes export: registration module (light: imports nothing heavy).

``swift export --quant_method bnb --quant_bits 4|8`` writes the model quantized by bitsandbytes
(nf4/fp4 4-bit or LLM.int8 8-bit) as a folder ``AutoModelForCausalLM.from_pretrained`` reloads
(its ``config.json`` carries the ``quantization_config``). No calibration: the weights are
quantized one by one. The quantization flags are QLoRA's (same names, same schemas), since a
QLoRA run quantizes its base the same way.
"""

from __future__ import annotations

from swiftkit.core import ExporterSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"

#: QLoRA's schemas of these keys, unchanged (a differing schema is a clash at discovery)
BNB_OPTIONS = {
    "type": "object",
    "properties": {
        "quant_bits": {
            "type": "integer",
            "enum": [4, 8],
            "default": 4,
            "description": "Bits of the quantized weights: 4 (nf4/fp4) or 8 (LLM.int8).",
        },
        "bnb_4bit_quant_type": {
            "enum": ["nf4", "fp4"],
            "default": "nf4",
            "description": "4-bit data type: nf4 (NormalFloat, QLoRA's) or fp4.",
        },
        "bnb_4bit_compute_dtype": {
            "enum": ["auto", "float32", "bfloat16", "float16"],
            "default": "auto",
            "description": "dtype the 4-bit layers compute in, recorded in the export. auto: the source's "
            "torch_dtype when it is bfloat16/float16, else float32.",
        },
        "bnb_4bit_use_double_quant": {
            "type": "boolean",
            "default": True,
            "description": "Quantize the quantization constants too (about 0.4 bits per weight saved).",
        },
    },
}


@hookimpl
def swift_register_exporters():
    return [
        ExporterSpec(
            id="bnb",
            description="bitsandbytes 4-bit (nf4/fp4) or 8-bit (LLM.int8) weights, reloadable by "
            "transformers; no calibration data needed.",
            tags=["quantization", "cpu", "gpu"],
            requires=["bitsandbytes>=0.43"],
            options=BNB_OPTIONS,
            selected_by={"quant_method": ["bnb"]},
            stage="convert",
            impl="swiftkit.plugins.export.bnb_impl:BnbExporter",
        )
    ]
