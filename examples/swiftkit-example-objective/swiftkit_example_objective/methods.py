"""The ``contrastive`` objective: registration module (light: imports nothing heavy).

Entry point ``contrastive`` in group ``swiftkit.methods``. The option keys carry the
objective's name: keys are shared across plugins, and ``temperature`` already means the
sampling temperature of the online objectives.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.1"

OPTIONS = {
    "type": "object",
    "properties": {
        "contrastive_loss": {
            "enum": ["infonce", "triplet"],
            "default": "infonce",
            "description": "infonce: cross-entropy of each anchor over every positive and negative of the batch; "
                           "triplet: max(0, margin - cos(a, p) + cos(a, n)).",
        },
        "contrastive_temperature": {
            "type": "number", "exclusiveMinimum": 0, "default": 0.1,
            "description": "InfoNCE temperature (cosine similarities are divided by it).",
        },
        "triplet_margin": {
            "type": "number", "minimum": 0, "default": 0.5,
            "description": "Margin of the triplet loss (cosine similarity).",
        },
    },
}


@hookimpl
def swift_register_methods() -> list[MethodSpec]:
    return [
        MethodSpec(
            id="contrastive",
            kind="objective",
            command="rlhf",
            description="Contrastive embedding training on {anchor, positive, negative} rows "
                        "(InfoNCE or triplet loss on mean-pooled last hidden states).",
            options=OPTIONS,
            impl="swiftkit_example_objective.objective:ContrastiveObjective",
        )
    ]
