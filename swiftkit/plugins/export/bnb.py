"""bitsandbytes export: registration module (light: imports nothing heavy).

``swift export --quant_method bnb --quant_bits 4|8`` writes the model quantized by bitsandbytes
(nf4/fp4 4-bit or LLM.int8 8-bit) as a folder ``AutoModelForCausalLM.from_pretrained`` reloads
(its ``config.json`` carries the ``quantization_config``). No calibration: the weights are
quantized one by one. The quantization flags are QLoRA's (same names, same schemas), since a
QLoRA run quantizes its base the same way.
"""

from __future__ import annotations

from swiftkit.core import ExporterSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

#: the shared quantization keys (QLoRA takes the same ones: one definition, no clash)
BNB_OPTIONS = option_schema("quant_bits", "bnb_4bit_quant_type", "bnb_4bit_compute_dtype", "bnb_4bit_use_double_quant")


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
