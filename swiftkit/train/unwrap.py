"""The model an objective trains, seen through the wrappers a strategy puts around it.

Under DDP and DeepSpeed the Trainer hands ``compute_loss`` a wrapper (``DistributedDataParallel``,
``DeepSpeedEngine``) whose forward must run for gradients to be synchronised, but which hides
the model's own API (``disable_adapter``, ``generate``, ``generation_config``). Forwards that
need no gradient sync (reference log-probs, sampling) use the model inside.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any


def unwrap_model(model: Any) -> Any:
    """``model`` without its data-parallel wrappers (accelerate's own unwrapping).

    A model with neither ``module`` (what DDP, DataParallel, DeepSpeed and FSDP wrap) nor
    ``_orig_mod`` (``torch.compile``) is returned as it is without asking accelerate, whose
    check probes the installed packages on every call (online RL calls this at every step)."""
    if not hasattr(model, "module") and not hasattr(model, "_orig_mod"):
        return model
    from accelerate.utils import extract_model_from_parallel

    return extract_model_from_parallel(model)


@contextlib.contextmanager
def adapters_off(peft_model: Any) -> Iterator[None]:
    """``peft_model.disable_adapter()`` for layer adapters (LoRA and its kin, bias ``none``):
    every adapter layer and ``modules_to_save`` wrapper that is on is switched off with its
    public ``enable_adapters`` and back on afterwards, without peft's survey of the whole
    model's adapter status first (milliseconds at every step of online RL). Other adapters
    (prompt learning, adaption prompt, trained biases) go through peft's own context."""
    from peft.tuners.tuners_utils import BaseTunerLayer
    from peft.utils.other import AuxiliaryTrainingWrapper  # modules_to_save: their originals serve meanwhile

    configs = getattr(peft_model, "peft_config", {})
    active = getattr(peft_model, "active_adapters", None) or []
    plain = bool(active) and all(
        name in configs and not configs[name].is_prompt_learning and not getattr(configs[name], "is_adaption_prompt", False)
        and getattr(configs[name], "bias", "none") == "none"
        for name in active
    )
    if not plain:
        with peft_model.disable_adapter():
            yield
        return
    layers = [m for m in peft_model.modules()
              if isinstance(m, BaseTunerLayer | AuxiliaryTrainingWrapper) and not m.disable_adapters]
    was_disabled = getattr(peft_model, "_adapters_disabled", False)
    try:
        for layer in layers:
            layer.enable_adapters(False)
        peft_model._adapters_disabled = True
        yield
    finally:
        for layer in layers:
            layer.enable_adapters(True)
        peft_model._adapters_disabled = was_disabled
