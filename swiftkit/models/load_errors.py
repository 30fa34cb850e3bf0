"""Why a model could not be loaded, in one line: the errors transformers and the hub raise for
a model that is not downloaded (offline), a folder that is no checkpoint, or a ``model_type``
this transformers does not know. Shared by training, ``swift infer`` and ``swift deploy``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from swiftkit.core.errors import SwiftkitError


def _transformers() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"transformers {version('transformers')}"
    except PackageNotFoundError:
        return "transformers"


def model_load_error(model_dir: str, model_id: str, exc: BaseException) -> SwiftkitError | None:
    """The one-line error for ``exc`` raised while loading ``model_dir`` (registered as
    ``model_id``), or ``None`` when it is not a loading problem this module knows."""
    text = str(exc)
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    where = f"cannot load model {model_dir!r} (registered as {model_id})"
    if isinstance(exc, OSError):  # not downloaded, offline, or not a checkpoint folder
        return SwiftkitError(f"{where}: {first} -- pass a local folder with --model, or allow downloads from the hub")
    if not isinstance(exc, ValueError):
        return None
    if "trust_remote_code" in text:
        return SwiftkitError(f"{where}: the folder ships its own modeling code (config.json auto_map), which runs only "
                             "with --trust_remote_code true (use it only for a folder you trust)")
    if "does not recognize this architecture" in text or "Unrecognized model" in text:
        found = re.search(r"model type `([^`]+)`", text)
        kind = f"model_type {found.group(1)!r}" if found else "its config.json model_type"
        return SwiftkitError(f"{where}: {kind} is not supported by {_transformers()}: upgrade transformers, or pass "
                             "--trust_remote_code true if the folder ships its own modeling code")
    return None


@contextmanager
def model_load_errors(model_dir: str, model_id: str) -> Iterator[None]:
    """Turn the loading errors :func:`model_load_error` knows into one-line :class:`SwiftkitError`."""
    try:
        yield
    except (OSError, ValueError) as exc:
        error = model_load_error(model_dir, model_id, exc)
        if error is None:
            raise
        raise error from exc
