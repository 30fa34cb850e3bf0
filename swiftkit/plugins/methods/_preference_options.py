"""What the built-in preference objectives (dpo, kto, orpo, simpo, cpo, gkd, grpo) know about
the shared options of the core's :data:`swiftkit.core.options.PREFERENCE` group: each method's
loss types and defaults, and the bounds of ``beta``.

Light: imports nothing. The option *schemas* are the core's (one flat key, one schema, any plugin
may take them); what differs per method is checked here when the objective is created:
``loss_type`` lists every value any preference method accepts and each objective checks its own
(:data:`LOSS_TYPES`); keys whose default differs per method in ms-swift (``beta``: 2.0 for simpo,
0.1 otherwise) default to ``null`` and the objective fills in its own; ``beta``'s bounds per
objective (:data:`BETA_BOUNDS`) are checked by :func:`check_beta`, before any model is loaded.
"""

from __future__ import annotations

#: loss types per objective (the first is the default); ms-swift / TRL names
LOSS_TYPES: dict[str, tuple[str, ...]] = {
    "dpo": ("sigmoid", "hinge", "ipo", "robust", "discopop"),
    "kto": ("kto", "apo_zero_unpaired"),
    "cpo": ("sigmoid", "hinge", "ipo", "simpo"),
    "simpo": ("simpo", "sigmoid", "hinge", "ipo"),
    "orpo": (),
    "grpo": ("grpo", "bnpo", "dr_grpo", "dapo"),
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
