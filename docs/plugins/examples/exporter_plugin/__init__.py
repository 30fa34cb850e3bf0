"""Exporter plugin: ``half`` writes the model with float16 or bfloat16 weights.

Registration module: imports nothing but ``swiftkit.core``. Chosen with
``swift export --model DIR --quant_method fp16`` (or ``bf16``); ``--half_keep_float32 norm``
keeps the tensors whose names contain ``norm`` in float32.
"""

from __future__ import annotations

from swiftkit.core import ExporterSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"


@hookimpl
def swift_register_exporters() -> list[ExporterSpec]:
    return [
        ExporterSpec(
            id="half",
            description="Half-precision copy of the model (float16 or bfloat16 weights), half the size on disk.",
            tags=["quantization", "cpu"],
            selected_by={"quant_method": ["fp16", "bf16"]},
            stage="convert",
            options={
                "type": "object",
                "properties": {
                    "half_keep_float32": {
                        "type": "array",
                        "items": {"type": "string", "minLength": 1},
                        "default": [],
                        "description": "Tensors whose names contain one of these stay float32.",
                    },
                },
            },
            impl="exporter_plugin.exporter:HalfExporter",
        )
    ]
