"""Generative reranker task: registration module (light: imports nothing heavy).

``swift sft --task_type generative_reranker`` trains a causal LM (Qwen3-Reranker) to answer the
judging prompt with "yes" for a relevant document and "no" otherwise; the relevance logit is
``logit(yes) - logit(no)`` at the prompt's last token (tokens ``$GENERATIVE_RERANKER_POSITIVE_TOKEN``
/ ``$GENERATIVE_RERANKER_NEGATIVE_TOKEN``). ``--loss_type generative_reranker`` (pointwise,
default) or ``listwise_generative_reranker``. ``swift deploy`` answers ``/v1/rerank``.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

OPTIONS = option_schema("loss_type", "reranker_use_activation", defaults={"loss_type": "generative_reranker"})
# the shared key (sft, dpo ... take it too), worded for this task
OPTIONS["properties"]["loss_type"]["description"] = (
    "Generative reranker loss (--task_type generative_reranker): generative_reranker (pointwise BCE on "
    "logit(yes) - logit(no), default) or listwise_generative_reranker (softmax over a positive and its "
    "negatives)."
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="generative_reranker",
            kind="objective",
            command="sft",
            task="generative_reranker",
            description="Generative reranker (--task_type generative_reranker): relevance from a causal LM's yes/no "
            "logits at the judging prompt's last token; pointwise or listwise.",
            options=OPTIONS,
            impl="swiftkit.plugins.methods.generative_reranker.objective:GenerativeRerankerObjective",
        )
    ]
