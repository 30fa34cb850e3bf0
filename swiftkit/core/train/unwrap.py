"""The model an objective trains, seen through the wrappers a strategy puts around it.

Under DDP and DeepSpeed the Trainer hands ``compute_loss`` a wrapper (``DistributedDataParallel``,
``DeepSpeedEngine``) whose forward must run for gradients to be synchronised, but which hides
the model's own API (``disable_adapter``, ``generate``, ``generation_config``). Forwards that
need no gradient sync (reference log-probs, sampling) use the model inside.
"""

from __future__ import annotations

from typing import Any


def unwrap_model(model: Any) -> Any:
    """``model`` without its data-parallel wrappers (those that hold it as ``.module``)."""
    seen = 0
    while type(model).__name__ in {"DistributedDataParallel", "DeepSpeedEngine", "DataParallel"} and seen < 8:
        model = model.module
        seen += 1
    return model
