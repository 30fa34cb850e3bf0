"""Reranker task (cross-encoder): registration module (light: imports nothing heavy).

``swift sft --task_type reranker`` trains a one-output classification head
(``AutoModelForSequenceClassification``, ``num_labels`` 1) to score query-document pairs, on
ms-swift's rows ``{"messages", "positive_messages", "negative_messages"}``:
``--loss_type reranker`` (pointwise BCE, default) or ``listwise_reranker`` (softmax over one
positive and its negatives). ``swift deploy`` answers ``/v1/rerank``
(``--reranker_use_activation``: sigmoid scores, default true).
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, OptionsSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

OPTIONS = option_schema("loss_type", "reranker_use_activation", defaults={"loss_type": "reranker"})
# the shared key (sft, dpo ... take it too), worded for this task
OPTIONS["properties"]["loss_type"]["description"] = (
    "Reranker loss (--task_type reranker): reranker (pointwise BCE, default) or listwise_reranker "
    "(softmax over a positive and its negatives, temperature $LISTWISE_RERANKER_TEMPERATURE, default 1)."
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="reranker",
            kind="objective",
            command="sft",
            task="reranker",
            description="Cross-encoder reranker (--task_type reranker): a one-output head scores each query-document "
            "pair; pointwise BCE or listwise softmax.",
            options=OPTIONS,
            impl="swiftkit.plugins.methods.reranker.objective:RerankerObjective",
        )
    ]


@hookimpl
def swift_register_options():
    # ms-swift's inference flag, also for a reranker checkpoint deployed without --task_type
    return [OptionsSpec(id="reranker-serving", commands=["infer", "deploy"],
                        options=option_schema("reranker_use_activation"))]
