"""Freeze tuner: registration module (light: imports nothing heavy).

Partial fine-tuning: the base weights themselves are trained, but only some of them. The
selection keys are ms-swift's (``--freeze_parameters``, ``--freeze_parameters_regex``,
``--freeze_parameters_ratio``, ``--trainable_parameters``, ``--trainable_parameters_regex``,
which ms-swift applies to ``--train_type full``), plus LLaMA-Factory's
``--freeze_trainable_layers`` for "train the last / first N decoder blocks".
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

_PREFIXES = {"type": "array", "items": {"type": "string", "minLength": 1}}

FREEZE_OPTIONS = option_schema(
    own={
        "freeze_trainable_layers": {
            "type": "integer",
            "default": 0,
            "description": "Train only N decoder blocks and freeze everything else (before the rules "
            "below apply): N > 0 the last N blocks, N < 0 the first |N| blocks, 0 no such selection.",
        },
        "freeze_parameters_ratio": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "default": 0,
            "description": "Freeze this fraction of all parameters (counted by element), from the "
            "bottom of the model (embeddings first) upwards.",
        },
        "freeze_parameters": {
            **_PREFIXES,
            "default": [],
            "description": "Freeze parameters whose full name starts with one of these prefixes "
            "(e.g. model.embed_tokens, model.layers.0.).",
        },
        "freeze_parameters_regex": {
            "type": "string",
            "default": "",
            "description": "Freeze parameters whose full name matches this regular expression (re.search); "
            "empty: none.",
        },
        "trainable_parameters": {
            **_PREFIXES,
            "default": [],
            "description": "Parameters whose full name starts with one of these prefixes stay trainable, "
            "whatever the freezing rules say (e.g. lm_head, model.norm).",
        },
        "trainable_parameters_regex": {
            "type": "string",
            "default": "",
            "description": "Parameters whose full name matches this regular expression stay trainable; "
            "empty: none.",
        },
    },
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="freeze",
            kind="tuner",
            description="Partial fine-tuning: train the base weights of chosen decoder blocks or "
            "parameter-name patterns, freeze the rest.",
            tags=["partial"],
            options=FREEZE_OPTIONS,
            # the share is not known before the model is loaded: estimated as an upper bound
            trains={"weights": "fraction"},
            recommend={"label": "partial fine-tuning"},
            impl="swiftkit.plugins.methods.freeze.tuner:FreezeTuner",
        )
    ]
