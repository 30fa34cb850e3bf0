"""Option schemas shared by the objectives (dpo, kto, orpo, simpo, cpo, gkd, grpo, ppo).

Light: imports nothing. Run-config keys are one flat namespace and the core accepts a key that
two plugins define only when both schemas are identical, so every preference plugin builds its
schema from :func:`preference_options` here, never from a copy. The flag names are ms-swift's
(``--beta``, ``--loss_type``, ``--label_smoothing``, ``--rpo_alpha``, ``--simpo_gamma``,
``--cpo_alpha``, ``--desirable_weight``, ``--undesirable_weight``).

Keys whose default differs per method in ms-swift (``beta``: 2.0 for simpo, 0.1 otherwise;
``loss_type``: sigmoid / kto / simpo) default to ``null`` here and the objective fills in its
own default; ``loss_type`` lists every value any preference method accepts, and each objective
checks the ones it supports when it is created.

``beta`` is one key for every objective that has one, so its schema holds only what all of them
accept (a number >= 0, or null); the bounds of each objective (:data:`BETA_BOUNDS`) are checked
by :func:`check_beta` when the objective is created, before any model is loaded.
"""

from __future__ import annotations

import copy
from typing import Any

#: loss types per objective (the first is the default); ms-swift / TRL names
LOSS_TYPES: dict[str, tuple[str, ...]] = {
    "dpo": ("sigmoid", "hinge", "ipo", "robust"),
    "kto": ("kto", "apo_zero_unpaired"),
    "cpo": ("sigmoid", "hinge", "ipo", "simpo"),
    "simpo": ("simpo", "sigmoid", "hinge", "ipo"),
    "orpo": (),
}

#: ``beta`` when the run config leaves it null (ms-swift's defaults)
DEFAULT_BETA: dict[str, float] = {"dpo": 0.1, "kto": 0.1, "cpo": 0.1, "simpo": 2.0, "orpo": 0.1}

#: ``cpo_alpha`` when the run config leaves it null
DEFAULT_CPO_ALPHA: dict[str, float] = {"cpo": 1.0, "simpo": 0.0}

#: ``beta`` bounds per objective: (lowest, whether the lowest itself is allowed, highest or None).
#: dpo/kto/cpo/simpo: at 0 the loss is a constant (no gradient) and ipo/simpo divide by beta;
#: orpo: beta weighs the odds-ratio term, 0 leaves plain SFT; gkd: the JSD interpolation;
#: grpo: the KL weight, 0 switches the reference off.
BETA_BOUNDS: dict[str, tuple[float, bool, float | None]] = {
    "dpo": (0.0, False, None),
    "kto": (0.0, False, None),
    "cpo": (0.0, False, None),
    "simpo": (0.0, False, None),
    "orpo": (0.0, True, None),
    "gkd": (0.0, True, 1.0),
    "grpo": (0.0, True, None),
}

_ALL_LOSS_TYPES = sorted({t for types in LOSS_TYPES.values() for t in types})

_PROPERTIES: dict[str, dict[str, Any]] = {
    "beta": {
        # ``minimum`` outside ``anyOf`` applies to numbers only (null passes) and gives a plain
        # "-1 is less than the minimum of 0" rather than "not valid under any of the given schemas"
        "anyOf": [{"type": "number"}, {"type": "null"}],
        "minimum": 0,
        "default": None,
        "description": "dpo, kto, cpo, simpo: temperature of the preference loss (> 0); orpo: lambda "
        "weight of the odds-ratio term (>= 0); gkd: interpolation of the generalized JSD, 0 forward "
        "KL to 1 reverse KL ([0, 1]); grpo: weight of the KL penalty (>= 0, 0: no reference). "
        "Null: 2.0 for simpo, 0.5 for gkd, 0.04 for grpo, 0.1 otherwise.",
    },
    "loss_type": {
        "anyOf": [{"enum": _ALL_LOSS_TYPES}, {"type": "null"}],
        "default": None,
        "description": "Variant of the preference loss. dpo: sigmoid (default), hinge, ipo, robust; "
        "kto: kto (default), apo_zero_unpaired; cpo: sigmoid (default), hinge, ipo, simpo; "
        "simpo: simpo (default), sigmoid, hinge, ipo. Null: the method's default.",
    },
    "label_smoothing": {
        "type": "number",
        "minimum": 0,
        "exclusiveMaximum": 0.5,
        "default": 0.0,
        "description": "Assumed probability that a preference label is flipped: dpo's sigmoid "
        "(conservative DPO) and robust losses, cpo and simpo's sigmoid and simpo losses.",
    },
    "rpo_alpha": {
        "anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}],
        "default": None,
        "description": "DPO only: weight of the SFT (negative log-likelihood) term on the chosen "
        "responses added to the loss (RPO). Null: no SFT term.",
    },
    "simpo_gamma": {
        "type": "number",
        "default": 1.0,
        "description": "SimPO's target reward margin gamma (used by loss_type simpo).",
    },
    "cpo_alpha": {
        "anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}],
        "default": None,
        "description": "cpo and simpo: weight of the NLL term on the chosen responses. Null: 1.0 "
        "for cpo, 0.0 for simpo (set it for CPO-SimPO).",
    },
    "max_completion_length": {
        "type": "integer",
        "minimum": 1,
        "default": 32,
        "description": "grpo, ppo, gkd (on-policy and seq_kd batches): most tokens sampled per completion.",
    },
    "desirable_weight": {
        "type": "number",
        "exclusiveMinimum": 0,
        "default": 1.0,
        "description": "KTO: weight of the losses of desirable (label true) rows.",
    },
    "undesirable_weight": {
        "type": "number",
        "exclusiveMinimum": 0,
        "default": 1.0,
        "description": "KTO: weight of the losses of undesirable (label false) rows.",
    },
}


def check_beta(method: str, value: float) -> float:
    """``value`` if it lies within ``method``'s :data:`BETA_BOUNDS`, else a
    :class:`~swiftkit.core.errors.ConfigError` naming the option, the method and the bounds."""
    bounds = BETA_BOUNDS.get(method)
    if bounds is None:
        return value
    low, inclusive, high = bounds
    too_low = value < low if inclusive else value <= low
    if too_low or (high is not None and value > high):
        from swiftkit.core.errors import ConfigError

        allowed = f"[{low:g}, {high:g}]" if high is not None else (f">= {low:g}" if inclusive else f"> {low:g}")
        raise ConfigError(f"invalid configuration:\n  option 'beta': {value:g} is out of range for --rlhf_type "
                          f"{method} (allowed: {allowed})")
    return value


def preference_property(key: str) -> dict[str, Any]:
    """A fresh deep copy of the shared schema of ``key``."""
    return copy.deepcopy(_PROPERTIES[key])


def preference_options(*keys: str) -> dict[str, Any]:
    """An option schema (``{"type": "object", "properties": ...}``) with the shared ``keys``."""
    return {"type": "object", "properties": {k: preference_property(k) for k in keys}}
