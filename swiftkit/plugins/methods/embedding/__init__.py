"""Embedding task: registration module (light: imports nothing heavy).

``swift sft --task_type embedding`` trains the base model's last-token hidden state (L2
normalised) as a text embedding, on ms-swift's rows ``{"messages", "positive_messages",
"negative_messages"?, "label"?}`` with ``--loss_type infonce`` (default: in-batch and hard
negatives, temperature ``$INFONCE_TEMPERATURE``), ``cosine_similarity`` or ``contrastive``;
``--mrl_dims`` adds Matryoshka prefixes. ``swift deploy`` answers ``/v1/embeddings``.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

OPTIONS = option_schema("loss_type", "mrl_dims", defaults={"loss_type": "infonce"})
# the shared key (sft, dpo ... take it too), worded for this task
OPTIONS["properties"]["loss_type"]["description"] = (
    "Embedding loss (--task_type embedding): infonce (default; in-batch and hard negatives, temperature "
    "$INFONCE_TEMPERATURE, default 0.1), cosine_similarity (MSE of the cosine against each row's label), "
    "contrastive (margin 0.5 on the cosine distance, 0/1 labels)."
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="embedding",
            kind="objective",
            command="sft",
            task="embedding",
            description="Text embeddings (--task_type embedding): the last token's hidden state, normalised; "
            "InfoNCE with in-batch negatives, cosine-similarity or contrastive loss; Matryoshka --mrl_dims.",
            options=OPTIONS,
            impl="swiftkit.plugins.methods.embedding.objective:EmbeddingObjective",
        )
    ]
