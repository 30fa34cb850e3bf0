"""GGUF export (llama.cpp's file format): registration module (light: imports nothing heavy).

``swift export --to_gguf true --gguf_quant f16|q8_0|q4_k_m`` writes the model as one ``.gguf``
file with gguf-py's writer and tensor-name map (no llama.cpp build needed): the weights in the
chosen types, the hyper-parameters llama.cpp reads, the tokenizer and its ``chat_template``.
``q4_k_m`` is llama.cpp's mix (Q4_K weights, Q6_K for the output head and some ``attn_v`` /
``ffn_down``), encoded by swiftkit's own numpy K-quant encoders. Written are the tested
families llama.cpp supports: llama, mistral, qwen2, qwen3, phi3, gemma2,
gemma3 (text) (:data:`swiftkit.plugins.export.gguf_writer.ARCHITECTURES`). ``--quality_check true`` reads the
file back with transformers' GGUF loader and compares logits and greedy tokens with the source.
"""

from __future__ import annotations

from swiftkit.core import ExporterSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"

#: shared by the ollama exporter (it writes the GGUF itself when no gguf step ran); one schema,
#: so two plugins defining the key do not clash at discovery
GGUF_QUANT_OPTION = {
    "enum": ["f32", "f16", "q8_0", "q4_0", "q4_k_m"],
    "default": "f16",
    "description": "Tensor types of the GGUF file: f32, f16, q8_0 (8-bit), q4_0, q4_k_m (llama.cpp's 4-bit mix: "
    "Q4_K, Q6_K for the output head and some attn_v/ffn_down; rows not a multiple of 256 values fall back "
    "to Q5_0/Q8_0 as llama.cpp does). Norms and biases stay f32.",
}

GGUF_OPTIONS = {
    "type": "object",
    "properties": {
        "to_gguf": {
            "type": "boolean",
            "default": False,
            "description": "Write the model as a GGUF file for llama.cpp / Ollama (see --gguf_quant).",
        },
        "gguf_quant": GGUF_QUANT_OPTION,
    },
}


@hookimpl
def swift_register_exporters():
    return [
        ExporterSpec(
            id="gguf",
            description="One GGUF file for llama.cpp and Ollama (f32/f16/q8_0/q4_0/q4_k_m), tokenizer and chat "
            "template included; llama, mistral, qwen2, qwen3, phi3, gemma2, gemma3.",
            tags=["gguf", "llama.cpp", "quantization", "cpu"],
            requires=["gguf>=0.10"],
            options=GGUF_OPTIONS,
            selected_by={"to_gguf": [True]},
            stage="convert",
            impl="swiftkit.plugins.export.gguf_impl:GgufExporter",
        )
    ]
