"""MiSS (formerly Bone) tuner: registration module (light: imports nothing heavy).

peft renamed Bone ("block affine") to MiSS ("matrix shard sharing") and dropped ``BoneConfig``;
the installed peft has ``MissConfig`` only. Both names are train types here: ``--train_type
miss`` and ``--train_type bone`` (ms-swift's name) build the same peft MiSS adapter.

Option names follow ms-swift's Bone flags: the rank is ``--reft_rank`` (ms-swift reuses the ReFT
rank for Bone, default 4) and the initialisation ``--init_weights`` (``true``: Bone/MiSS,
``bat``: the block-affine variant with non-linear updates across shards, ``false``: random, for
tests). The adapted modules are the shared ``--target_modules``.
Behaviour: :mod:`swiftkit.plugins.methods.bone.tuner`.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema
from swiftkit.plugins.methods.reft import REFT_RANK

SWIFTKIT_PLUGIN_API = "1.5"

#: the values of ``init_weights`` MiSS accepts (ms-swift's Bone values)
INIT_WEIGHTS = ("true", "false", "bat")

MISS_OPTIONS = option_schema(
    "target_modules",
    "modules_to_save",
    own={
        "reft_rank": REFT_RANK,
        "init_weights": {
            # loose on purpose: the flag is shared with other tuners' initialisers (ms-swift's
            # init_weights); the tuner checks its own values when it is built
            "type": ["string", "boolean"],
            "default": "true",
            "description": "Initialisation of the tuner. bone/miss: 'true' (MiSS/Bone, the model starts "
            "as the base), 'bat' (block-affine: non-linear updates across shards), 'false' (random).",
        },
    },
)

_DESCRIPTION = ("MiSS (peft's new name for Bone): one trainable shard matrix per adapted layer, shared "
                "across the weight's blocks; {note}")


@hookimpl
def swift_register_methods():
    common = dict(kind="tuner", tags=["peft", "adapter"], requires=["peft>=0.18"], options=MISS_OPTIONS,
                  impl="swiftkit.plugins.methods.bone.tuner:MissTuner")
    return [
        MethodSpec(id="miss", description=_DESCRIPTION.format(note="--train_type bone is the same tuner."), **common),
        MethodSpec(id="bone", description=_DESCRIPTION.format(note="ms-swift's name for it (peft renamed Bone to MiSS)."),
                   **common),
    ]
