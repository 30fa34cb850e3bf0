"""Prompt tuning: registration module (light: imports nothing heavy).

Option names follow peft's (``num_virtual_tokens`` is shared with prefix tuning).
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

PROMPT_TUNING_OPTIONS = option_schema(
    "num_virtual_tokens",
    own={
        "prompt_tuning_init": {
            "enum": ["sample_vocab", "random", "text"],
            "default": "sample_vocab",
            "description": "Initial virtual-token embeddings: 'sample_vocab' copies the embeddings of "
            "random vocabulary tokens (starts in the model's embedding distribution), 'random' draws "
            "from N(0, 1), 'text' embeds prompt_tuning_init_text (repeated or cut to num_virtual_tokens).",
        },
        "prompt_tuning_init_text": {
            "type": "string",
            "default": "",
            "description": "Text whose token embeddings initialise the virtual tokens (with "
            "prompt_tuning_init 'text'), e.g. a short task instruction.",
        },
    },
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="prompt_tuning",
            kind="tuner",
            aliases=["prompt-tuning"],
            description="Prompt tuning: learned virtual-token embeddings prepended to every input "
            "(peft prompt tuning); the model itself stays frozen.",
            tags=["peft", "prompt"],
            requires=["peft>=0.17"],
            options=PROMPT_TUNING_OPTIONS,
            impl="swiftkit.plugins.methods.prompt_tuning.tuner:PromptTuningTuner",
        )
    ]
