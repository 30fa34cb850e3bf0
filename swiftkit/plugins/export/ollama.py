"""Ollama export: registration module (light: imports nothing heavy).

``swift export --to_ollama true`` adds a ``Modelfile`` beside a GGUF file, so that
``ollama create NAME -f Modelfile`` in the output folder makes a runnable Ollama model:

- ``FROM ./<model>.gguf``: the file of the run's ``--to_gguf`` step, or, when no GGUF step ran,
  one this step writes itself (``--gguf_quant``, default f16);
- ``TEMPLATE``: the model's chat template translated to Ollama's Go-template syntax (system,
  multi-turn, the generation prompt), checked before writing by rendering sample conversations
  with both and comparing (:mod:`swiftkit.plugins.export.ollama_template`);
- ``PARAMETER stop`` for each of the template's stop words; ``SYSTEM``: its default system prompt.
"""

from __future__ import annotations

from swiftkit.core import ExporterSpec, hookimpl
from swiftkit.plugins.export.gguf import GGUF_QUANT_OPTION

SWIFTKIT_PLUGIN_API = "1.5"

OLLAMA_OPTIONS = {
    "type": "object",
    "properties": {
        "to_ollama": {
            "type": "boolean",
            "default": False,
            "description": "Write an Ollama Modelfile (FROM the GGUF file, TEMPLATE in Ollama's syntax, PARAMETER "
            "stop, SYSTEM) beside a GGUF file; writes the GGUF too (--gguf_quant) when --to_gguf is not given.",
        },
        "gguf_quant": GGUF_QUANT_OPTION,
    },
}


@hookimpl
def swift_register_exporters():
    return [
        ExporterSpec(
            id="ollama",
            description="An Ollama Modelfile beside the GGUF file: the chat template in Ollama's Go-template "
            "syntax, stop words, default system prompt.",
            tags=["ollama", "gguf", "cpu"],
            requires=["gguf>=0.10"],
            options=OLLAMA_OPTIONS,
            selected_by={"to_ollama": [True]},
            stage="package",
            impl="swiftkit.plugins.export.ollama_impl:OllamaExporter",
        )
    ]
