"""MiSS / Bone tuner: a ``peft.MissConfig`` from the run options.

With ``init_weights`` true the shard matrix starts at zero, so the prepared model computes what
the base model does. The adapter merges into the base weights for export.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._common import (
    OptionTuner,
    causal_lm_task_type,
    optional_names,
    refuse_peft_model,
)
from swiftkit.plugins.methods.bone import INIT_WEIGHTS
from swiftkit.plugins.methods.lora.tuner import resolve_target_modules


def init_weights(value: Any, method: str) -> bool | str:
    """``init_weights`` as peft's MissConfig takes it: True, False or "bat"."""
    text = str(value).strip().lower()
    if text not in INIT_WEIGHTS:
        raise ValueError(f"{method}: init_weights {value!r} is not one of {', '.join(INIT_WEIGHTS)}")
    return {"true": True, "false": False}.get(text, text)


class MissTuner(OptionTuner):
    """peft MiSS (formerly Bone); only the shard matrices (and ``modules_to_save``) train."""

    def miss_config(self, model: Any, model_spec: Any = None) -> Any:
        from peft import MissConfig

        return MissConfig(
            task_type=causal_lm_task_type(model),
            target_modules=resolve_target_modules(self.option("target_modules"), model, model_spec),
            r=int(self.option("reft_rank")),
            init_weights=init_weights(self.option("init_weights"), self.spec.id),
            modules_to_save=optional_names(self.option("modules_to_save")),
        )

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        from peft import get_peft_model

        refuse_peft_model(model, self.spec.id)
        return get_peft_model(model, self.miss_config(model, model_spec))
