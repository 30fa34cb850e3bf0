"""Option schemas shared by the preference objectives (dpo, kto, orpo, simpo, cpo).

Light: imports nothing. Run-config keys are one flat namespace and the core accepts a key that
two plugins define only when both schemas are identical, so every preference plugin builds its
schema from :func:`preference_options` here, never from a copy. The flag names are ms-swift's
(``--beta``, ``--loss_type``, ``--label_smoothing``, ``--rpo_alpha``, ``--simpo_gamma``,
``--cpo_alpha``, ``--desirable_weight``, ``--undesirable_weight``).

Keys whose default differs per method in ms-swift (``beta``: 2.0 for simpo, 0.1 otherwise;
``loss_type``: sigmoid / kto / simpo) default to ``null`` here and the objective fills in its
own default; ``loss_type`` lists every value any preference method accepts, and each objective
checks the ones it supports when it is created.
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

_ALL_LOSS_TYPES = sorted({t for types in LOSS_TYPES.values() for t in types})

_PROPERTIES: dict[str, dict[str, Any]] = {
    "beta": {
        "anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "null"}],
        "default": None,
        "description": "Temperature of the preference loss (ORPO's lambda weight of the odds-ratio "
        "term). Null: 2.0 for simpo, 0.1 for dpo, kto, cpo and orpo.",
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
        "description": "Assumed probability that a preference label is flipped: dpo's robust loss "
        "(TRL 1.16 applies none to dpo's sigmoid), cpo and simpo's sigmoid and simpo losses.",
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


def preference_property(key: str) -> dict[str, Any]:
    """A fresh deep copy of the shared schema of ``key``."""
    return copy.deepcopy(_PROPERTIES[key])


def preference_options(*keys: str) -> dict[str, Any]:
    """An option schema (``{"type": "object", "properties": ...}``) with the shared ``keys``."""
    return {"type": "object", "properties": {k: preference_property(k) for k in keys}}
