"""IA3 tuner: a ``peft.IA3Config`` from the run options.

IA3 learns one scaling vector per adapted layer, initialised to ones, so the prepared model
computes exactly what the base model does until training moves the vectors. The adapter merges
into the base weights (``merge_and_unload``) for export.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._common import (
    OptionTuner,
    causal_lm_task_type,
    optional_names,
    refuse_peft_model,
)
from swiftkit.plugins.methods.lora.tuner import ALL_LINEAR, linear_module_names, resolve_target_modules

#: feed-forward output projections, for architectures peft has no IA3 mapping for
_FEEDFORWARD_NAMES = ("down_proj", "w2", "fc2", "dense_4h_to_h")


def default_feedforward_modules(model: Any) -> list[str] | None:
    """``None`` where peft knows the architecture (it picks), else the feed-forward output
    projections found in the model."""
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING

    model_type = getattr(getattr(model, "config", None), "model_type", None)
    if model_type in TRANSFORMERS_MODELS_TO_IA3_FEEDFORWARD_MODULES_MAPPING:
        return None
    present = {name.split(".")[-1] for name, _ in model.named_modules()}
    found = [n for n in _FEEDFORWARD_NAMES if n in present]
    if not found:
        raise ValueError(
            f"ia3: peft has no feed-forward module list for model type {model_type!r} and none of "
            f"{', '.join(_FEEDFORWARD_NAMES)} exists; set --ia3_feedforward_modules"
        )
    return found


class IA3Tuner(OptionTuner):
    """peft IA3; only the scaling vectors (and ``modules_to_save``) train."""

    def ia3_config(self, model: Any, model_spec: Any = None) -> Any:
        from peft import IA3Config

        targets = resolve_target_modules(self.option("target_modules"), model, model_spec)
        if targets == ALL_LINEAR:
            # expanded here: peft would save the full module names, and then refuse to load the
            # adapter because the short feed-forward names are no subset of them
            targets = linear_module_names(model)
        feedforward = list(self.option("ia3_feedforward_modules")) or default_feedforward_modules(model)
        if isinstance(targets, list) and feedforward is not None:
            missing = [f for f in feedforward if f not in targets]
            if missing:
                raise ValueError(
                    f"ia3: ia3_feedforward_modules {missing} are not among target_modules {targets}"
                )
        return IA3Config(
            task_type=causal_lm_task_type(model),
            target_modules=targets,
            feedforward_modules=feedforward,
            modules_to_save=optional_names(self.option("modules_to_save")),
        )

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        from peft import get_peft_model

        refuse_peft_model(model, "ia3")
        return get_peft_model(model, self.ia3_config(model, model_spec))
