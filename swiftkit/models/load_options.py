"""ms-swift's model-loading flags as ``from_pretrained`` keyword arguments: ``--attn_impl``,
``--experts_impl``, ``--rope_scaling`` (``--max_memory`` is the ``pt`` engine's, beside its
``--device_map``). Training, its reference model and the
inference engines load through the family's loader with these, so a flag means the same in every
command."""

from __future__ import annotations

import json
import os
from typing import Any

from swiftkit.core.errors import ConfigError

#: ms-swift's older spelling of FlashAttention 2
_ATTN_NAMES = {"flash_attn": "flash_attention_2"}
_ROPE_TYPES = ("linear", "dynamic", "yarn", "longrope", "llama3")


def _folder_config(model_dir: str) -> dict[str, Any]:
    path = os.path.join(model_dir, "config.json")
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return {}


def rope_parameters(value: Any, model_dir: str, target_len: int | None) -> dict[str, Any]:
    """``--rope_scaling`` as transformers 5's ``rope_parameters``: a JSON object replaces the
    folder's scaling (``type`` read as ``rope_type``); a type name (``linear``, ``dynamic``,
    ``yarn`` ...) gets ``factor = target_len / max_position_embeddings``. The folder's
    ``rope_theta`` is kept, which transformers needs in the same dict."""
    config = _folder_config(model_dir)
    current = config.get("rope_parameters") or config.get("rope_scaling") or {}
    theta = current.get("rope_theta", config.get("rope_theta"))
    original = config.get("max_position_embeddings")
    if isinstance(value, str):
        if value not in _ROPE_TYPES:
            raise ConfigError(f"--rope_scaling {value!r}: give a JSON object or one of {', '.join(_ROPE_TYPES)}")
        if not target_len or not original:
            raise ConfigError(f"--rope_scaling {value}: the factor needs --max_model_len (or --max_length) and the "
                              f"model's max_position_embeddings ({os.path.join(model_dir, 'config.json')})")
        params: dict[str, Any] = {"rope_type": value, "factor": max(1.0, float(target_len) / float(original))}
        if value == "yarn":
            params["original_max_position_embeddings"] = original
    elif isinstance(value, dict):
        params = dict(value)
        if "type" in params:
            params.setdefault("rope_type", params.pop("type"))
        if "rope_type" not in params:
            raise ConfigError(f"--rope_scaling {json.dumps(value)}: needs 'rope_type' (or 'type')")
    else:
        raise ConfigError(f"--rope_scaling: a JSON object or a type name, not {type(value).__name__}")
    if theta is not None:
        params.setdefault("rope_theta", theta)
    return params


def model_load_kwargs(config: dict[str, Any], model_dir: str) -> dict[str, Any]:
    """The ``from_pretrained`` keyword arguments the run's flags ask for (none when none is given)."""
    kwargs: dict[str, Any] = {}
    if config.get("attn_impl"):
        kwargs["attn_implementation"] = _ATTN_NAMES.get(config["attn_impl"], config["attn_impl"])
    if config.get("experts_impl"):
        kwargs["experts_implementation"] = config["experts_impl"]
    if config.get("rope_scaling") is not None:
        target = config.get("max_model_len") or config.get("max_length")
        kwargs["rope_parameters"] = rope_parameters(config["rope_scaling"], model_dir, target)
        if config.get("max_model_len"):
            kwargs["max_position_embeddings"] = int(config["max_model_len"])
    return kwargs
