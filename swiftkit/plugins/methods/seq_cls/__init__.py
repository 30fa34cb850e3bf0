"""Sequence classification task: registration module (light: imports nothing heavy).

``swift sft --task_type seq_cls --num_labels N`` trains a classification head
(``AutoModelForSequenceClassification``) on rows ``{"messages": [...], "label": ...}``: an
integer class (single_label_classification, cross-entropy), a list of class indices
(multi_label_classification, BCE) or a number (regression, MSE). Any tuner composes with it
(LoRA keeps the head trainable and saves it with the adapter). ``swift infer`` prints the labels;
``swift deploy`` answers ``/v1/classify``.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="seq_cls",
            kind="objective",
            command="sft",
            task="seq_cls",
            description="Sequence classification (--task_type seq_cls): a classification head on the last token; "
            "single-label (cross-entropy), multi-label (BCE) or regression (MSE).",
            options=option_schema("num_labels", "problem_type"),
            impl="swiftkit.plugins.methods.seq_cls.objective:SeqClsObjective",
        )
    ]
