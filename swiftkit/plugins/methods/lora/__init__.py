"""LoRA tuner: registration module (light: imports nothing heavy).

The behaviour lives in :mod:`swiftkit.plugins.methods.lora.tuner` and is imported only when a
run selects ``--train_type lora``. Option names and defaults follow ms-swift's.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.0"

#: values of ``init_lora_weights`` that need no data or extra config (peft initialisers)
INIT_LORA_WEIGHTS = ["true", "false", "gaussian", "pissa", "olora", "orthogonal"]

LORA_OPTIONS = {
    "type": "object",
    "properties": {
        "lora_rank": {
            "type": "integer",
            "minimum": 1,
            "default": 8,
            "description": "Rank r of the low-rank update matrices.",
        },
        "lora_alpha": {
            "type": "integer",
            "minimum": 1,
            "default": 32,
            "description": "Scaling numerator: the update is scaled by lora_alpha / lora_rank "
            "(lora_alpha / sqrt(lora_rank) with use_rslora).",
        },
        "lora_dropout": {
            "type": "number",
            "minimum": 0,
            "exclusiveMaximum": 1,
            "default": 0.05,
            "description": "Dropout applied to the LoRA branch input.",
        },
        "target_modules": {
            "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
            ],
            "default": ["all-linear"],
            "description": "Module names (suffixes) to adapt. 'all-linear' means every linear layer "
            "except the output head (the default); 'default' means the model family's registered "
            "LoRA targets; both can be combined with explicit names. A single string that is not one "
            "of these keywords is a regular expression matched against full module names.",
        },
        "modules_to_save": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "default": [],
            "description": "Modules trained in full and saved with the adapter (e.g. embed_tokens, lm_head).",
        },
        "lora_bias": {
            "enum": ["none", "all", "lora_only"],
            "default": "none",
            "description": "Which bias terms to train: none, all biases, or only those of adapted layers.",
        },
        "use_rslora": {
            "type": "boolean",
            "default": False,
            "description": "Rank-stabilised LoRA: scale by lora_alpha / sqrt(lora_rank).",
        },
        "use_dora": {
            "type": "boolean",
            "default": False,
            "description": "Weight-decomposed LoRA (DoRA): learn a magnitude vector as well.",
        },
        "init_lora_weights": {
            # a pattern rather than an enum, for the pissa_niter_<n> family; booleans pass too
            "type": ["string", "boolean"],
            "pattern": "^(" + "|".join(INIT_LORA_WEIGHTS) + "|pissa_niter_[1-9][0-9]*)$",
            "default": "true",
            "description": "Initialisation of the adapter: 'true' (B=0, Kaiming A), 'false' (random, "
            "for tests), 'gaussian', 'pissa' / 'pissa_niter_<n>' (principal singular vectors), "
            "'olora' (QR), 'orthogonal'.",
        },
    },
}


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="lora",
            kind="tuner",
            description="Low-rank adapters (peft LoRA, with rsLoRA / DoRA / PiSSA variants).",
            tags=["peft", "adapter"],
            requires=["peft>=0.17"],
            options=LORA_OPTIONS,
            impl="swiftkit.plugins.methods.lora.tuner:LoraTuner",
        )
    ]
