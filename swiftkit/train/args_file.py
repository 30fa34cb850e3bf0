"""The ``args.json`` a run folder and each of its checkpoints carry: what a later command
(``swift infer``, ``export``, ``deploy``, ``sft --resume_from_checkpoint``) reads to know the
base model, the template and the options a run was trained with.

Light: standard library only, so the inference, export and template code can read it without
importing the training machinery.
"""

from __future__ import annotations

import json
import os
from typing import Any

from swiftkit.core.errors import ConfigError

ARGS_FILE = "args.json"


def find_args(path: str) -> str | None:
    """The ``args.json`` of the run or checkpoint folder ``path``: in the folder itself, else in
    its parent (a ``checkpoint-N`` inside its run folder); ``None`` when neither has one."""
    for folder in (path, os.path.dirname(os.path.normpath(path))):
        candidate = os.path.join(folder, ARGS_FILE)
        if os.path.isfile(candidate):
            return candidate
    return None


def read_args(path: str, *, missing_ok: bool = False) -> dict[str, Any]:
    """The recorded run arguments of the folder ``path`` (see :func:`find_args`).

    Without one, raises :class:`~swiftkit.core.errors.ConfigError`, or returns ``{}`` with
    ``missing_ok``. A file that is not a JSON object is always an error naming the file.
    """
    found = find_args(path)
    if found is None:
        if missing_ok:
            return {}
        raise ConfigError(f"{path} holds no {ARGS_FILE} (neither it nor its parent folder is a swiftkit run)")
    try:
        with open(found, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {found}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{found} holds a JSON {type(data).__name__}, not the object of a run's arguments")
    return data
