"""Why a model could not be loaded, in one line: the errors transformers and the hub clients
raise for a model that is not downloaded (offline), a hub id that does not exist, a folder that
is no checkpoint, or a ``model_type`` this transformers does not know. Shared by training,
``swift infer``, ``swift deploy`` and ``swift download``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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
    if isinstance(exc, OSError):  # not a checkpoint folder (hub ids are downloaded first: see hub_error)
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


def _names(exc: BaseException | None) -> set[str]:
    """The class names of ``exc`` and of the errors it was raised from."""
    out: set[str] = set()
    for _ in range(10):
        if exc is None:
            break
        out |= {c.__name__ for c in type(exc).__mro__}
        exc = exc.__cause__ or exc.__context__
    return out


def _status(exc: BaseException | None) -> int | None:
    for _ in range(10):
        if exc is None:
            return None
        code = getattr(getattr(exc, "response", None), "status_code", None)
        if isinstance(code, int):
            return code
        exc = exc.__cause__ or exc.__context__
    return None


_CONNECTION_ERRORS = {"ConnectionError", "ConnectError", "NetworkError", "TimeoutException", "Timeout", "ProxyError",
                      "OfflineModeIsEnabled"}


def is_connection_error(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or an error it was raised from) says the hub could not be reached."""
    return bool(_names(exc) & _CONNECTION_ERRORS)


def _connection_cause(exc: BaseException) -> str:
    """The name of the connection error behind ``exc`` (the client may wrap it), else ``exc``'s."""
    cause: BaseException | None = exc
    for _ in range(10):
        if cause is None:
            break
        if {c.__name__ for c in type(cause).__mro__} & _CONNECTION_ERRORS:
            return type(cause).__name__
        cause = cause.__cause__ or cause.__context__
    return type(exc).__name__


def hub_error(repo: Any, exc: BaseException, *, offline: bool) -> SwiftkitError:
    """The one line for a hub download of ``repo`` that failed with ``exc``: what was asked
    (id, hub, revision), the cache folder that was searched, and how to fix it. ``repo`` is a
    :class:`swiftkit.models.hub.HubRepo`."""

    what = f"{repo.repo_type} {repo.repo_id!r}" + (f" at revision {repo.revision!r}" if repo.revision else "")
    local = f"--{repo.repo_type} <local {'folder' if repo.repo_type == 'model' else 'file'}>"
    names = _names(exc)
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if isinstance(exc, ModuleNotFoundError) or "ModuleNotFoundError" in names:
        return SwiftkitError(f"cannot download {what} from {repo.hub_name}: {first}")
    cache = repo.cache_folder()
    missing = names & {"LocalEntryNotFoundError", "IncompleteSnapshotError", "CacheNotFound", "OfflineModeIsEnabled"}
    if offline or missing or is_connection_error(exc):
        why = ("downloads are off (HF_HUB_OFFLINE=1)" if offline
               else f"{repo.hub_name} cannot be reached ({_connection_cause(exc)})")
        partial = "is only partly in" if "IncompleteSnapshotError" in names else "is not in"
        return SwiftkitError(f"{what} {partial} the {repo.hub_name} cache (searched {cache}) and {why} -- run "
                             f"`{repo.flag}` where the hub is reachable (same cache), or pass {local}")
    status = _status(exc)
    if "RevisionNotFoundError" in names:
        return SwiftkitError(f"{repo.hub_name} has no revision {repo.revision!r} of {repo.repo_type} {repo.repo_id!r}: "
                             "pass a branch, tag or commit it has with --model_revision")
    token = "--hub_token or " + ("HF_TOKEN" if repo.hub_name == "Hugging Face" else "MODELSCOPE_API_TOKEN")
    if names & {"GatedRepoError", "AuthenticationError", "PermissionDeniedError"} or status in (401, 403):
        return SwiftkitError(f"{repo.hub_name} refused {what} ({first}): it is gated or private; pass a token that "
                             f"may read it with {token}")
    if names & {"RepositoryNotFoundError", "NotExistError"} or status == 404:
        return SwiftkitError(f"{repo.hub_name} has no {what} (or it is private: pass {token}); check the id, "
                             f"or pass --use_hf {'false' if repo.hub_name == 'Hugging Face' else 'true'} for the other hub, "
                             f"or {local}")
    return SwiftkitError(f"cannot download {what} from {repo.hub_name} into {cache}: {type(exc).__name__}: {first}")
