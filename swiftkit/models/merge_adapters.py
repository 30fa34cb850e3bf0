"""Merging LoRA adapter folders into a frozen model (``--ref_adapters``, ``--teacher_adapters``)."""

from __future__ import annotations

import os
from typing import Any

from swiftkit.core.errors import ConfigError


def merge_adapters(model: Any, folders: list[str], flag: str) -> Any:
    """``model`` with each peft adapter folder merged into its weights, in order; a folder
    without ``adapter_config.json`` is refused naming ``flag``."""
    for folder in folders:
        if not os.path.isfile(os.path.join(folder, "adapter_config.json")):
            raise ConfigError(f"{flag}: {folder!r} is not an adapter folder (no adapter_config.json)")
    for folder in folders:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, folder).merge_and_unload()
    return model
