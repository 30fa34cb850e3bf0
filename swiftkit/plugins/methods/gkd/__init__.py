"""Generalized knowledge distillation (GKD): registration module (light: imports nothing heavy)."""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.plugins.methods._preference_options import preference_property

SWIFTKIT_PLUGIN_API = "1.0"

GKD_OPTIONS = {
    "type": "object",
    "properties": {
        "teacher_model": {
            "type": "string",
            "description": "The teacher: a registered id, hub id or local folder sharing the student's tokenizer.",
        },
        # the same schema as the preference methods' --beta (one flat key, one schema); for GKD it
        # interpolates the generalized Jensen-Shannon divergence (default 0.5 when left unset)
        "beta": preference_property("beta"),
    },
}


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="gkd",
            kind="objective",
            command="rlhf",
            description="Distillation from a teacher model: generalized Jensen-Shannon divergence between the "
            "student's and the teacher's next-token distributions on the reply tokens.",
            options=GKD_OPTIONS,
            impl="swiftkit.plugins.methods.gkd.objective:GkdObjective",
        )
    ]
