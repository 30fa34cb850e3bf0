"""Checkpoints and datasets from the Hugging Face hub or ModelScope, as local folders.

``--model <hub id>`` (and ``--ref_model``, ``--teacher_model``, ``swift download``) goes through
the hub's own client: ``huggingface_hub.snapshot_download`` by default, the ``modelscope``
package with ms-swift's switch ``--use_hf false`` (or ``USE_HF=0``). The client keeps the files
in its cache (``$HF_HUB_CACHE``, ``$MODELSCOPE_CACHE``) and returns the snapshot folder, which
then loads exactly as a local folder does. A complete snapshot is reused; offline
(``HF_HUB_OFFLINE=1``) the client is asked for the cached snapshot only, and a miss is one line
naming the id, the cache folder searched and the fix (:func:`swiftkit.models.load_errors.hub_error`).

ms-swift defaults to ModelScope; swiftkit defaults to Hugging Face, whose client is a core
dependency (``modelscope`` is the optional extra ``hub``).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from swiftkit.core.errors import ConfigError, NotFoundError

HF = "huggingface"
MS = "modelscope"
HUB_NAMES = {HF: "Hugging Face", MS: "ModelScope"}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}
#: ``owner/name``: what a hub id looks like (a local path that does not exist may look the same)
HUB_ID = re.compile(r"^[\w.\-]+/[\w.\-]+$")


def use_hf(config: Mapping[str, Any] | None = None) -> bool:
    """Which hub: ``--use_hf`` when given, else ``$USE_HF``, else Hugging Face (``True``)."""
    value = (config or {}).get("use_hf")
    if value is not None:
        return bool(value)
    env = os.environ.get("USE_HF", "").strip().lower()
    if env in _FALSE:
        return False
    if env and env not in _TRUE:
        raise ConfigError(f"USE_HF={os.environ['USE_HF']!r}: expected 1/true (Hugging Face) or 0/false (ModelScope)")
    return True


def offline() -> bool:
    """Whether downloads are off: ``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) read now, so a
    client imported earlier under other settings is still asked for its cache only."""
    return any(os.environ.get(name, "").strip().lower() in _TRUE for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


@dataclass(frozen=True)
class HubRepo:
    """One repository on one hub, at one revision."""

    repo_id: str
    hub: str = HF  #: :data:`HF` or :data:`MS`
    repo_type: str = "model"  #: ``model`` or ``dataset``
    revision: str | None = None  #: branch, tag or commit; ``None``: the hub's default branch
    token: str | None = None  #: ``None``: the client's own (``HF_TOKEN``, ``MODELSCOPE_API_TOKEN``, a saved login)

    @property
    def hub_name(self) -> str:
        return HUB_NAMES[self.hub]

    @property
    def flag(self) -> str:
        """How ``swift download`` names this repository (what the offline message tells to run)."""
        extra = (" --use_hf false" if self.hub == MS else "") + (f" --model_revision {self.revision}" if self.revision else "")
        return f"swift download --{self.repo_type} {self.repo_id}{extra}"

    def cache_folder(self) -> str:
        """The folder the hub's client keeps this repository in (searched offline)."""
        if self.hub == HF:
            from huggingface_hub import constants
            from huggingface_hub.file_download import repo_folder_name

            return os.path.join(constants.HF_HUB_CACHE, repo_folder_name(repo_id=self.repo_id, repo_type=self.repo_type))
        return os.path.join(modelscope_cache(), f"{self.repo_type}s", self.repo_id.replace("/", "--"))


def modelscope_cache() -> str:
    """ModelScope's cache root (``$MODELSCOPE_CACHE``, else ``~/.cache/modelscope``), as its client reads it."""
    try:
        from modelscope_hub import get_default_config

        return str(get_default_config().cache_dir)
    except ImportError:
        return os.path.expanduser(os.environ.get("MODELSCOPE_CACHE") or os.path.join("~", ".cache", "modelscope"))


def download(repo: HubRepo, *, progress: bool = True) -> str:
    """The local snapshot folder of ``repo``: the complete cached one, else downloaded now
    (offline: the cache only). Raises a one-line :class:`~swiftkit.core.errors.SwiftkitError`."""
    from swiftkit.models.load_errors import hub_error

    local_only = offline()
    try:
        if repo.hub == HF:
            return _hf_snapshot(repo, local_only, progress)
        return _ms_snapshot(repo, local_only, progress)
    except Exception as exc:  # noqa: BLE001 - every client failure becomes one line naming id, cache and fix
        raise hub_error(repo, exc, offline=local_only) from exc


def cached_snapshot(repo: HubRepo) -> str | None:
    """The complete snapshot of ``repo`` already in its hub's cache, or ``None`` (no network)."""
    try:
        if repo.hub == HF:
            return _hf_snapshot(repo, True, False)
        return _ms_snapshot(repo, True, False)
    except Exception:  # noqa: BLE001 - not cached (or not readable): the caller fetches it its own way
        return None


def _hf_snapshot(repo: HubRepo, local_only: bool, progress: bool) -> str:
    from huggingface_hub import snapshot_download

    kwargs: dict[str, Any] = {}
    if not progress:
        from tqdm import tqdm

        class _Silent(tqdm):  # type: ignore[type-arg]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, **{**kw, "disable": True})

        kwargs["tqdm_class"] = _Silent
    # the client reuses a complete snapshot; on a connection error it falls back to the cache itself
    return snapshot_download(repo.repo_id, repo_type=repo.repo_type, revision=repo.revision, token=repo.token,
                             local_files_only=local_only, **kwargs)


def _ms_snapshot(repo: HubRepo, local_only: bool, progress: bool) -> str:
    import importlib.util

    from swiftkit.models.load_errors import is_connection_error

    if importlib.util.find_spec("modelscope") is None:
        raise ModuleNotFoundError("the 'modelscope' package is not installed: pip install 'swiftkit[hub]' "
                                  "(or pip install modelscope), or pass --use_hf true")
    from modelscope.hub.callback import TqdmCallback
    from modelscope.hub.snapshot_download import dataset_snapshot_download, snapshot_download

    def fetch(cache_only: bool) -> str:
        if repo.repo_type == "dataset":
            if cache_only:
                return _ms_cached(repo)
            return dataset_snapshot_download(repo.repo_id, revision=repo.revision, token=repo.token)
        return snapshot_download(repo.repo_id, revision=repo.revision, token=repo.token, local_files_only=cache_only,
                                 progress_callbacks=[TqdmCallback] if progress else None)

    with _quiet_modelscope():  # its retry warnings would precede the one line a failure ends in
        if local_only:
            return fetch(True)
        try:
            return fetch(False)
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            try:  # the hub cannot be reached: a cached snapshot still serves (as huggingface_hub does)
                return fetch(True)
            except Exception:  # noqa: BLE001 - the connection error is the one to report
                raise exc from None


@contextmanager
def _quiet_modelscope() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in ("modelscope_hub", "modelscope")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _ms_cached(repo: HubRepo) -> str:
    """A cached ModelScope dataset snapshot (its legacy-signature helper has no cache-only switch)."""
    from modelscope_hub import HubApi
    from modelscope_hub.errors import CacheNotFound

    folder = HubApi().download_repo(repo.repo_id, repo_type="dataset", revision=repo.revision, local_files_only=True)
    if not any(os.scandir(folder)):
        raise CacheNotFound(f"no cached snapshot of dataset {repo.repo_id}", cache_dir=str(folder))
    return str(folder)


# ---------------------------------------------------------------------------------- run configs


def repo_for(name: str, spec: Any, config: Mapping[str, Any], *, revision_key: str = "model_revision",
             repo_type: str = "model") -> HubRepo:
    """The repository ``name`` means on the chosen hub: a registered spec's ``hf_id`` /
    ``ms_id``, else ``name`` itself (an unregistered ``owner/name``)."""
    hf = use_hf(config)
    repo_id = name
    if spec is not None:
        repo_id = spec.hf_id if hf else spec.ms_id
        if not repo_id:
            other, switch = (spec.ms_id, "false") if hf else (spec.hf_id, "true")
            hub = HUB_NAMES[HF if hf else MS]
            raise ConfigError(f"{repo_type} {spec.id!r} has no {hub} id (its spec names only {other!r}): pass "
                              f"--use_hf {switch}, or a local folder")
    return HubRepo(repo_id, HF if hf else MS, repo_type, config.get(revision_key) or None, config.get("hub_token") or None)


def model_repo(name: str, registry: Any, config: Mapping[str, Any], *,
               revision_key: str = "model_revision") -> tuple[Any, HubRepo]:
    """The registry entry ``name`` names (``None`` for an unregistered ``owner/name``) and the
    repository to download for it."""
    try:
        entry = registry.resolve_model(name)
    except NotFoundError:
        if not HUB_ID.match(name):
            raise
        entry = None
    return entry, repo_for(name, entry.spec if entry is not None else None, config, revision_key=revision_key)


def dataset_repo(name: str, registry: Any, config: Mapping[str, Any], *,
                 revision_key: str = "dataset_revision") -> HubRepo | None:
    """The repository of the dataset ``name`` (registered id or ``owner/name``) on the chosen
    hub; ``None`` for a dataset its plugin bundles (nothing to download)."""
    spec = None
    if ("dataset", name) in registry:
        spec = registry.get("dataset", name).spec
        if spec.path:
            return None
    elif not HUB_ID.match(name):
        raise NotFoundError("dataset", name, registry.suggest("dataset", name))
    return repo_for(name, spec, config, revision_key=revision_key, repo_type="dataset")


@dataclass(frozen=True)
class FetchedModel:
    """A model argument made local: its spec, the folder that loads, and what to tell the user
    (a model no plugin registers: see :mod:`swiftkit.models.unregistered`)."""

    spec: Any
    folder: str
    repo: HubRepo | None = None  #: where it came from (``None``: a local folder)
    notices: tuple[str, ...] = ()


def fetch_model(name: str, registry: Any, config: Mapping[str, Any], *, model_type: str | None = None,
                revision_key: str = "model_revision", progress: bool = True,
                check: Callable[[Any], Any] | None = None) -> FetchedModel:
    """``--model`` (or ``--ref_model``, ``--teacher_model``) as a local folder and its spec.

    A folder is used as it is. A registered id (or its hub id) downloads its spec's id on the
    chosen hub; an unregistered ``owner/name`` downloads as it is and its family is found from
    the snapshot's ``config.json``, as for a local folder. ``model_type`` (``--model_type``)
    names the family instead. A folder of an architecture no plugin registers gets a spec made
    on the spot, with a notice. ``check`` is called with a registered spec before its download
    (a checkpoint that cannot run here is refused without fetching gigabytes)."""
    from swiftkit.models.unregistered import resolve_model_spec

    typed = registry.resolve_model(model_type).spec if model_type else None
    if os.path.isdir(name):
        if typed is not None:
            return FetchedModel(typed, name)
        spec, notices = resolve_model_spec(registry, name)
        return FetchedModel(spec, name, notices=tuple(notices))
    entry, repo = model_repo(name, registry, config, revision_key=revision_key)
    known = typed if typed is not None else entry.spec if entry is not None else None
    if check is not None and known is not None:
        check(known)
    folder = download(repo, progress=progress)
    if typed is not None:
        return FetchedModel(typed, folder, repo)
    if entry is not None:
        return FetchedModel(entry.spec, folder, repo)
    spec, notices = resolve_model_spec(registry, folder, shown_as=name)  # named after the hub id, not the snapshot
    return FetchedModel(spec, folder, repo, tuple(notices))
