"""The ``bert`` family: BERT-architecture backbones (ModelScope's StructBERT).

An encoder (no causal LM head) that ms-swift fine-tunes for sequence classification; the ModelScope repository has no Hugging Face twin.
``--task_type seq_cls`` loads ``BertForSequenceClassification`` on its weights (a fresh head), reads plain text
with the tokenizer's ``[CLS]``/``[SEP]`` and classifies through BERT's pooler. Data only.
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
        "support": "tested",
        "support_note": "BERT encoder for sequence classification (--task_type seq_cls; BertForSequenceClassification "
        "on its weights, plain text with the tokenizer's [CLS]/[SEP], no chat template): a tiny random BertModel "
        "learns a classification task in tests/test_task_encoders.py",
        "requires": [],
    },
}

# fmt: off
CHECKPOINTS = [
    ("bert", "nlp_structbert_backbone_base_std", "iic/nlp_structbert_backbone_base_std", None, 0.102, 512, "base"),
]
# fmt: on
SHAPES: dict = {}
