"""ReFT tuner: registered with ms-swift's options, and refused before anything loads.

ReFT (representation fine-tuning) trains small interventions on hidden states instead of
weights. The maintained implementation is Stanford's ``pyreft`` (on ``pyvene``), and none of its
releases installs with this environment's transformers 5:

- pyreft 0.1.0, the latest release, pins ``transformers==4.45.1``;
- pip then falls back to pyreft 0.0.7, which pulls about a hundred packages into the training
  environment (jupyter, wandb, gcsfs, ydata-profiling, ``seaborn==0.12.2`` ...) and wraps the
  model in pyvene's ``IntervenableModel``, whose forward takes ``unit_locations`` next to the
  batch: it trains through neither the HF Trainer, nor the ``pt`` engine, nor the checkpoint
  contract (``save_pretrained`` / ``load_trained``), and under transformers 5 its own helpers
  fail (``print_trainable_parameters``; interventions default to bfloat16 on float32 models).

So ``--train_type reft`` is known, its options (``--reft_layers``, ``--reft_rank``,
``--reft_intervention_type``, ``--reft_args``) are typed as ms-swift documents them, and the run
is refused at configuration time with :data:`REASON`.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.errors import ConfigError

SWIFTKIT_PLUGIN_API = "1.5"

REASON = (
    "--train_type reft is not available: ReFT needs pyreft, and no maintained pyreft installs with this "
    "environment's transformers 5 (pyreft 0.1.0, the latest, pins transformers==4.45.1; pip falls back to "
    "pyreft 0.0.7, which adds ~100 packages such as jupyter and wandb and wraps the model in pyvene's "
    "IntervenableModel, which trains through neither the HF Trainer nor the checkpoint format). Use "
    "--train_type lora, or another small-footprint tuner: vera, fourierft, miss, ia3"
)

#: the interventions ms-swift lists for --reft_intervention_type (pyreft's class names)
INTERVENTIONS = (
    "NoreftIntervention",
    "LoreftIntervention",
    "ConsreftIntervention",
    "LobireftIntervention",
    "DireftIntervention",
    "NodireftIntervention",
)

#: ms-swift's ReFT rank; the bone/miss tuner reuses the key (as ms-swift does), with this schema
REFT_RANK: dict[str, Any] = {
    "type": "integer",
    "minimum": 1,
    "default": 4,
    "description": "Rank: reft: of the low-rank intervention; bone/miss: the shard size r of the adapted "
    "weights (ms-swift reuses this flag for Bone; an even value that divides the adapted layers' sizes is best).",
}

REFT_OPTIONS = {
    "type": "object",
    "properties": {
        "reft_layers": {
            "type": "array",
            "items": {"type": "integer", "minimum": 0},
            "default": [],
            "description": "Decoder layers that get an intervention (e.g. --reft_layers 1 2 3). Empty (the "
            "default): every layer.",
        },
        "reft_rank": REFT_RANK,
        "reft_intervention_type": {
            "enum": list(INTERVENTIONS),
            "default": "LoreftIntervention",
            "description": "The intervention (pyreft's class names); LoReFT edits hidden states in a learned "
            "low-rank orthogonal subspace.",
        },
        "reft_args": {
            "type": ["string", "null"],
            "default": None,
            "description": "More keyword arguments of the intervention, as a JSON object string.",
        },
    },
}


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="reft",
            kind="tuner",
            description="ReFT (representation fine-tuning, pyreft): not available here, refused before anything "
            "loads: no maintained pyreft installs with transformers 5.",
            tags=["representation", "unavailable"],
            requires=["pyreft>=0.1"],
            options=REFT_OPTIONS,
            impl="swiftkit.plugins.methods.reft.tuner:ReftTuner",
        )
    ]


@hookimpl
def swift_config_adjust(config: dict[str, Any], command: str) -> None:
    """Refuse a ReFT run before anything loads (training, and reading a ReFT checkpoint back)."""
    if config.get("train_type") == "reft":
        raise ConfigError(REASON)
