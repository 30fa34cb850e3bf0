"""VeRA tuner: a ``peft.VeraConfig`` from the run options.

The vector ``b`` starts at zero, so the prepared model computes what the base model does. The
adapter merges into the base weights for export.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._common import (
    OptionTuner,
    causal_lm_task_type,
    optional_names,
    refuse_peft_model,
)
from swiftkit.plugins.methods.lora.tuner import resolve_target_modules


class VeraTuner(OptionTuner):
    """peft VeRA; only the scaling vectors (and ``modules_to_save``) train."""

    def vera_config(self, model: Any, model_spec: Any = None) -> Any:
        from peft import VeraConfig

        return VeraConfig(
            task_type=causal_lm_task_type(model),
            target_modules=resolve_target_modules(self.option("target_modules"), model, model_spec),
            r=int(self.option("vera_rank")),
            projection_prng_key=int(self.option("vera_projection_prng_key")),
            vera_dropout=float(self.option("vera_dropout")),
            d_initial=float(self.option("vera_d_initial")),
            save_projection=bool(self.option("vera_save_projection")),
            modules_to_save=optional_names(self.option("modules_to_save")),
        )

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        from peft import get_peft_model

        refuse_peft_model(model, "vera")
        return get_peft_model(model, self.vera_config(model, model_spec))
