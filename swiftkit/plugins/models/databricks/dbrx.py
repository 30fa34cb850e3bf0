"""The ``dbrx`` family (Databricks): DBRX base and instruct, 132B fine-grained MoE (16 experts, 4 per token).

``DbrxForCausalLM``: fused ``Wqkv`` attention with ``clip_qkv``, experts as 3-D parameters (LoRA
targets the attention projections), its own config names (``d_model``, ``n_heads``, nested
``attn_config`` / ``ffn_config``), which the loader fills at tiny size. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "dbrx": {
        "name": "DBRX",
        "architecture": "DbrxForCausalLM",
        "hf_model_type": "dbrx",
        "template": "dbrx",
        "decoder_layer_cls": "DbrxBlock",
        "lora_target_modules": ["Wqkv", "out_proj"],
        "loader": "swiftkit.plugins.models.databricks.loader:DbrxLoader",
        "support": "tested",
        "support_note": "DbrxForCausalLM, native in transformers; tiny 4-expert model through the family test matrix",
        "requires": ["transformers>=4.36"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("dbrx", "dbrx-base", "AI-ModelScope/dbrx-base", "databricks/dbrx-base", 131.6, 32768, "base", "moe"),
    ("dbrx", "dbrx-instruct", "AI-ModelScope/dbrx-instruct", "databricks/dbrx-instruct", 131.6, 32768, "instruct", "moe"),
]
# fmt: on
SHAPES: dict = {}
