"""The model an objective trains, seen through the wrappers a strategy puts around it.

Under DDP and DeepSpeed the Trainer hands ``compute_loss`` a wrapper (``DistributedDataParallel``,
``DeepSpeedEngine``) whose forward must run for gradients to be synchronised, but which hides
the model's own API (``disable_adapter``, ``generate``, ``generation_config``). Forwards that
need no gradient sync (reference log-probs, sampling) use the model inside.
"""

from __future__ import annotations

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
