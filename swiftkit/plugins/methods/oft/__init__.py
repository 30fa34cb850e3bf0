"""OFT tuner: registration module (light: imports nothing heavy).

ms-swift has no OFT flags; the names follow its BOFT ones with an ``oft_`` prefix and peft's
OFT fields (``oft_block_size``, ``r`` -> ``oft_rank``, ``module_dropout`` -> ``oft_dropout``,
``coft``, ``eps``, ``block_share``, ``use_cayley_neumann``). The adapted modules are the shared
``--target_modules``.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

OFT_OPTIONS = option_schema(
    "target_modules",
    "target_regex",
    "modules_to_save",
    own={
        "oft_block_size": {
            "type": "integer",
            "minimum": 0,
            "default": 32,
            "description": "Size of the orthogonal blocks (should divide every adapted layer's input "
            "size). Set exactly one of oft_block_size and oft_rank (the other 0).",
        },
        "oft_rank": {
            "type": "integer",
            "minimum": 0,
            "default": 0,
            "description": "Number of orthogonal blocks per adapted layer (peft's r; alternative to oft_block_size).",
        },
        "oft_dropout": {
            "type": "number",
            "minimum": 0,
            "exclusiveMaximum": 1,
            "default": 0.0,
            "description": "Multiplicative dropout: randomly replaces blocks by the identity while training.",
        },
        "oft_coft": {
            "type": "boolean",
            "default": False,
            "description": "Constrained OFT: keep the rotation within oft_eps of the identity.",
        },
        "oft_eps": {
            "type": "number",
            "exclusiveMinimum": 0,
            "default": 6e-5,
            "description": "Freedom of rotation of constrained OFT (only with oft_coft).",
        },
        "oft_block_share": {
            "type": "boolean",
            "default": False,
            "description": "Share one orthogonal block between all blocks of a layer.",
        },
        "oft_use_cayley_neumann": {
            "type": "boolean",
            "default": True,
            "description": "Approximate the Cayley transform with a Neumann series (faster, slightly "
            "less exactly orthogonal).",
        },
    },
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="oft",
            kind="tuner",
            description="OFT: orthogonal fine-tuning with block-diagonal rotations of the adapted "
            "weights (peft OFT).",
            tags=["peft", "adapter", "orthogonal"],
            requires=["peft>=0.17"],
            options=OFT_OPTIONS,
            impl="swiftkit.plugins.methods.oft.tuner:OftTuner",
        )
    ]
