"""``swift export --quant_method gptq|awq|fp8|w8a8``: quantization through llm-compressor.

Registration module (light: imports nothing heavy). The checkpoints are compressed-tensors
folders (``quantization_config.quant_method: compressed-tensors``) that transformers reloads on
CPU and vLLM serves. llm-compressor cannot live in swiftkit's environment (it pins older
transformers and a compressed-tensors that vLLM's CPU build does not accept), so the step runs
it in another Python: see :mod:`swiftkit.plugins.export.llm_compressor_impl`.
"""

from __future__ import annotations

from swiftkit.core import ExporterSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

METHODS = ["gptq", "awq", "fp8", "w8a8"]

OPTIONS = option_schema("quant_bits", own={
    "quant_python": {
        "type": "string",
        "description": "swift export --quant_method gptq|awq|fp8|w8a8: the Python of an environment with "
        "llm-compressor, which runs the quantization in a subprocess (default: $SWIFTKIT_QUANT_PYTHON, else "
        "this environment when llm-compressor imports here, else the overlay environment <venv>-llmc beside "
        "this one; `swift export --quant_method gptq` without one prints how to build it).",
    },
})


@hookimpl
def swift_register_exporters():
    return [
        ExporterSpec(
            id="llm-compressor",
            description="GPTQ / AWQ (4- or 8-bit weights), FP8 and W8A8 int8 through llm-compressor: "
            "compressed-tensors checkpoints that transformers reloads and vLLM serves.",
            tags=["quantization", "compressed-tensors", "vllm"],
            requires=["compressed-tensors"],
            impl="swiftkit.plugins.export.llm_compressor_impl:LlmCompressorExporter",
            options=OPTIONS,
            selected_by={"quant_method": list(METHODS)},
            stage="convert",
        )
    ]
