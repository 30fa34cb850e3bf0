"""The model an objective trains, seen through the wrappers a strategy puts around it.

Under DDP and DeepSpeed the Trainer hands ``compute_loss`` a wrapper (``DistributedDataParallel``,
``DeepSpeedEngine``) whose forward must run for gradients to be synchronised, but which hides
the model's own API (``disable_adapter``, ``generate``, ``generation_config``). Forwards that
need no gradient sync (reference log-probs, sampling) use the model inside.
"""

from __future__ import annotations

from typing import Any


def unwrap_model(model: Any) -> Any:
    """``model`` without its data-parallel wrappers (accelerate's own unwrapping)."""
    from accelerate.utils import extract_model_from_parallel

    return extract_model_from_parallel(model)
