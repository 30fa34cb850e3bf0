"""BOFT tuner: registration module (light: imports nothing heavy).

Option names and defaults follow ms-swift's (``--boft_block_size 4``, ``--boft_block_num 0``,
``--boft_n_butterfly_factor 1``, ``--boft_dropout 0``); the adapted modules are the shared
``--target_modules``.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

BOFT_OPTIONS = option_schema(
    "target_modules",
    "target_regex",
    "modules_to_save",
    own={
        "boft_block_size": {
            "type": "integer",
            "minimum": 0,
            "default": 4,
            "description": "Size of the orthogonal blocks; must divide every adapted layer's input size. "
            "Set exactly one of boft_block_size and boft_block_num (the other 0).",
        },
        "boft_block_num": {
            "type": "integer",
            "minimum": 0,
            "default": 0,
            "description": "Number of orthogonal blocks per adapted layer (alternative to boft_block_size).",
        },
        "boft_n_butterfly_factor": {
            "type": "integer",
            "minimum": 1,
            "default": 1,
            "description": "Number of butterfly factors; 1 is plain block-diagonal OFT. Values above 1 "
            "need peft's CUDA extension (a GPU with a working nvcc and ninja); without it peft "
            "falls back to 1.",
        },
        "boft_dropout": {
            "type": "number",
            "minimum": 0,
            "exclusiveMaximum": 1,
            "default": 0.0,
            "description": "Multiplicative dropout: randomly replaces blocks by the identity while training.",
        },
    },
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="boft",
            kind="tuner",
            description="BOFT: butterfly-factorised orthogonal fine-tuning (peft BOFT); rotates the "
            "adapted weights with learned orthogonal matrices.",
            tags=["peft", "adapter", "orthogonal"],
            requires=["peft>=0.17"],
            options=BOFT_OPTIONS,
            impl="swiftkit.plugins.methods.boft.tuner:BoftTuner",
        )
    ]
