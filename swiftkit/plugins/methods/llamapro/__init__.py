"""LLaMA-Pro tuner: registration module (light: imports nothing heavy).

Option names and defaults follow ms-swift's (``--llamapro_num_new_blocks 4``,
``--llamapro_num_groups``).
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

LLAMAPRO_OPTIONS = option_schema(
    own={
        "llamapro_num_new_blocks": {
            "type": "integer",
            "minimum": 1,
            "default": 4,
            "description": "Number of decoder blocks added to the model; only they train.",
        },
        "llamapro_num_groups": {
            "type": "integer",
            "minimum": 0,
            "default": 0,
            "description": "The original blocks are split into this many contiguous groups of (nearly) "
            "equal size, and llamapro_num_new_blocks / llamapro_num_groups copies of each group's "
            "last block are inserted after it. 0: as many groups as new blocks (one new block after "
            "every num_hidden_layers / llamapro_num_new_blocks blocks).",
        },
    },
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="llamapro",
            kind="tuner",
            aliases=["llama_pro", "llama-pro"],
            description="LLaMA-Pro block expansion: copies of decoder blocks, with their output "
            "projections zeroed so the model is unchanged at first, are inserted and trained "
            "alone (llama, qwen2, mistral-style decoders).",
            tags=["expansion"],
            options=LLAMAPRO_OPTIONS,
            impl="swiftkit.plugins.methods.llamapro.tuner:LlamaProTuner",
        )
    ]
