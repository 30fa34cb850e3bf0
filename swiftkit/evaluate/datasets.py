"""``--eval_dataset`` as :class:`~swiftkit.core.eval.interface.EvalDataset` entries, and whether
the hub may be used.

A name that is an existing file or folder is a local evaluation dataset (its ``subset`` is the
file's stem); anything else is a benchmark name the backend resolves (``gsm8k``, ``mmlu`` ...).
``--eval_dataset_args`` entries are matched by the name as given, or by the file's stem.

Light: standard library only.
"""

from __future__ import annotations

import os
from typing import Any

from swiftkit.core.errors import ConfigError
from swiftkit.core.eval.interface import EvalDataset

_TRUE = {"1", "true", "yes", "on"}
#: the variables that switch the hub off, in the order the message names them
OFFLINE_VARIABLES = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")


def offline_variable() -> str | None:
    """The first of :data:`OFFLINE_VARIABLES` set to a true value, or ``None`` (online)."""
    for name in OFFLINE_VARIABLES:
        if os.environ.get(name, "").strip().lower() in _TRUE:
            return name
    return None


def offline() -> bool:
    """Whether downloads are switched off (checked before anything loads)."""
    return offline_variable() is not None


def offline_message(name: str) -> str:
    """The one line said for a hub benchmark when the hub is off."""
    variable = offline_variable() or "HF_HUB_OFFLINE"
    return (f"eval dataset {name!r} is a hub benchmark and needs the hub to download it, but {variable}=1 is set; "
            "unset it, or evaluate a local file (see docs/eval.md)")


def _stem(path: str) -> str:
    base = os.path.basename(os.path.normpath(path))
    for ext in (".jsonl", ".json", ".csv"):
        if base.endswith(ext):
            return base[: -len(ext)]
    return base


def resolve_datasets(config: dict[str, Any]) -> list[EvalDataset]:
    """The datasets of ``config['eval_dataset']`` in the order given; a name given twice is an
    error, as is an ``--eval_dataset_args`` entry that matches no dataset (a typo would be
    silently ignored otherwise)."""
    names = config.get("eval_dataset") or []
    if isinstance(names, str):
        names = [names]
    if not names:
        raise ConfigError("--eval_dataset is required: benchmark names (gsm8k, mmlu ...) or local evaluation files")
    dataset_args = dict(config.get("eval_dataset_args") or {})
    out: list[EvalDataset] = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise ConfigError(f"--eval_dataset: {name!r} is given twice")
        seen.add(name)
        path = os.path.abspath(name) if os.path.exists(name) else None
        subset = _stem(name) if path else None
        key = name if name in dataset_args else (subset if subset in dataset_args else None)
        args = dict(dataset_args.pop(key)) if key is not None else {}
        if not isinstance(args, dict):
            raise ConfigError(f"--eval_dataset_args: the entry of {name!r} must be an object, got {args!r}")
        out.append(EvalDataset(name=name, path=path, subset=args.pop("subset", subset), args=args))
    if dataset_args:
        raise ConfigError(f"--eval_dataset_args names {', '.join(map(repr, dataset_args))}, which is not in "
                          f"--eval_dataset ({', '.join(map(repr, names))})")
    return out
