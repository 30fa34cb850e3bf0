"""Option schemas that several method plugins share (light: imports nothing).

Run-config keys are one flat namespace (``--lora_rank``, ``--target_modules``), and the core
accepts a key defined by two plugins only when both define it with an *identical* schema.
Every tuner that takes ``target_modules``, ``lora_alpha``, ``num_virtual_tokens`` ... therefore
builds its option schema from the dicts here, never from a copy. Registration modules import
this module (it is as light as they are); behaviour modules read the resulting spec.

Each helper returns a fresh deep copy, so a plugin that adjusts its copy cannot change
another plugin's schema behind its back (and would then be reported as a conflict).
"""

from __future__ import annotations

import copy
from typing import Any

#: values of ``init_lora_weights`` that need no data or extra config (peft initialisers)
INIT_LORA_WEIGHTS = ["true", "false", "gaussian", "pissa", "olora", "orthogonal"]

_NAMES = {"type": "array", "items": {"type": "string", "minLength": 1}}

_PROPERTIES: dict[str, dict[str, Any]] = {
    # ------------------------------------------------------------------ LoRA family
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
        **_NAMES,
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
    # ------------------------------------------------------------------ prompt learning
    "num_virtual_tokens": {
        "type": "integer",
        "minimum": 1,
        "default": 20,
        "description": "Number of virtual tokens learned (prompt tuning: prepended input "
        "embeddings; prefix tuning: key/value prefixes in every layer).",
    },
}

#: the keys of the ``lora`` tuner, in its order
LORA_KEYS = (
    "lora_rank",
    "lora_alpha",
    "lora_dropout",
    "target_modules",
    "modules_to_save",
    "lora_bias",
    "use_rslora",
    "use_dora",
    "init_lora_weights",
)


def option(key: str) -> dict[str, Any]:
    """A fresh copy of the shared schema of run-config key ``key``."""
    return copy.deepcopy(_PROPERTIES[key])


def options(*keys: str, **own: dict[str, Any]) -> dict[str, Any]:
    """An option schema (``{"type": "object", "properties": ...}``) made of the shared keys
    ``keys`` followed by the plugin's own keys ``own`` (which may not shadow a shared key)."""
    clash = sorted(set(own) & set(_PROPERTIES))
    if clash:
        raise ValueError(f"options {clash} are shared: take them with their shared schema, not a copy")
    props = {key: option(key) for key in keys}
    props.update(copy.deepcopy(own))
    return {"type": "object", "properties": props}


def lora_options(**own: dict[str, Any]) -> dict[str, Any]:
    """The ``lora`` tuner's option schema, plus ``own`` keys (LoRA+, QLoRA extend it)."""
    return options(*LORA_KEYS, **own)
