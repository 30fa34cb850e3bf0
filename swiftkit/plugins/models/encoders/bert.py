"""The ``bert`` family: BERT-architecture backbones (ModelScope's StructBERT).

An encoder (no causal LM head) that ms-swift fine-tunes for sequence classification; the ModelScope repository has no Hugging Face twin. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "bert": {
        "name": "BERT-architecture backbones (ModelScope's StructBERT)",
        "architecture": "BertModel",
        "hf_model_type": "bert",
        "template": "dummy",
        "decoder_layer_cls": "BertLayer",
        "lora_target_modules": ["query", "key", "value", "dense"],
        "task": "seq_cls",
        "support": "unsupported",
        "support_note": "BERT encoder for sequence classification (task seq_cls): swiftkit does not train --task_type seq_cls yet (issue 13)",
        "requires": [],
    },
}

# fmt: off
CHECKPOINTS = [
    ("bert", "nlp_structbert_backbone_base_std", "iic/nlp_structbert_backbone_base_std", None, 0.102, 512, "base"),
]
# fmt: on
SHAPES: dict = {}
