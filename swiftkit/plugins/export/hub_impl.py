"""Hub upload (``--push_to_hub``): the folder, with a generated model card, to Hugging Face
(``huggingface_hub.HfApi``) or ModelScope (``modelscope.hub.api.HubApi``).

The repository is created first, with the visibility asked for (``--hub_private_repo``):
ModelScope's ``upload_folder`` would otherwise create it public. Training state
(optimizer, scheduler, RNG state, trainer arguments), hidden files and the folder's own
``README.md`` are not uploaded; the card generated from the run is. The endpoints are the
clients' own settings, read when the upload starts: ``$HF_ENDPOINT`` (a mirror) and
``$MODELSCOPE_ENDPOINT``; the token is ``--hub_token``, else the client's (``$HF_TOKEN``,
``$MODELSCOPE_API_TOKEN``, a saved login).
"""

from __future__ import annotations

import fnmatch
import importlib.util
import os
import re
import shutil
import tempfile
from typing import Any

from swiftkit.core.export.interface import ExportContext, Exporter, ExportResult

#: never uploaded: what only resuming a training run needs, and the folder's own card
SKIPPED = ("optimizer.pt", "scheduler.pt", "scaler.pt", "rng_state*.pth", "training_args.bin", "trainer_state.json",
           "README.md", "*.partial", "global_step*/*", "eval_output/*")
REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


def upload_files(folder: str) -> list[str]:
    """The files of ``folder`` to upload (paths relative to it, ``/``-separated, sorted)."""
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in files:
            rel = os.path.relpath(os.path.join(root, name), folder).replace(os.sep, "/")
            if name.startswith(".") or any(fnmatch.fnmatch(rel, p) for p in SKIPPED):
                continue
            out.append(rel)
    return sorted(out)


def _offline(use_hf: bool) -> str | None:
    if use_hf and os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return "HF_HUB_OFFLINE"
    if not use_hf and os.environ.get("MODELSCOPE_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return "MODELSCOPE_OFFLINE"
    return None


class HubExporter(Exporter):
    """The ``publish`` step: reads ``ctx.source_dir``, writes nothing locally."""

    def check(self, config: dict[str, Any]) -> list[str]:
        from swiftkit.models.hub import use_hf

        problems = []
        repo_id = config.get("hub_model_id")
        if not repo_id:
            problems.append("--push_to_hub needs --hub_model_id OWNER/NAME (the repository to upload to)")
        elif not REPO_ID.match(repo_id):
            problems.append(f"--hub_model_id {repo_id}: not a repository id OWNER/NAME (letters, digits, '-', '_', '.')")
        hf = use_hf(config)
        if not hf and importlib.util.find_spec("modelscope") is None:
            problems.append("--push_to_hub with --use_hf false uploads to ModelScope, which needs the 'modelscope' "
                            "package: pip install 'swiftkit[hub]'")
        offline = _offline(hf)
        if offline and not config.get("dry_run"):
            problems.append(f"--push_to_hub uploads over the network, but {offline}=1 is set: unset it (or use "
                            "--dry_run true to list what would be uploaded)")
        return problems

    def export(self, ctx: ExportContext) -> ExportResult:
        from swiftkit.export.model_card import build_model_card
        from swiftkit.models.hub import use_hf

        config = ctx.config
        repo_id = config["hub_model_id"]
        hf = use_hf(config)
        private = bool(config.get("hub_private_repo"))
        folder = ctx.source_dir
        files = upload_files(folder)
        if not any(f.endswith((".safetensors", ".bin", ".gguf")) or f == "Modelfile" for f in files):
            ctx.log(f"hub: note: {folder} holds no weights file")
        card = build_model_card(folder, repo_id, registry=_registry(), use_hf=hf,
                                report=self.options.get("hub_eval_report"))
        message = self.options.get("commit_message") or f"Upload {os.path.basename(os.path.normpath(folder))} with swiftkit"
        size = sum(os.path.getsize(os.path.join(folder, f)) for f in files) + len(card.encode())
        where = "Hugging Face" if hf else "ModelScope"
        endpoint = (os.environ.get("HF_ENDPOINT") if hf else os.environ.get("MODELSCOPE_ENDPOINT")) or (
            "https://huggingface.co" if hf else "https://www.modelscope.cn")
        url = f"{endpoint.rstrip('/')}/{repo_id}" if hf else f"{endpoint.rstrip('/')}/models/{repo_id}"
        metrics = {"hub": "huggingface" if hf else "modelscope", "repo_id": repo_id, "private": private,
                   "files": len(files) + 1, "size_bytes": size, "url": url}
        uploaded = [*files, "README.md"]
        notes = []
        if os.path.isfile(os.path.join(folder, "README.md")):
            notes.append("the folder's README.md was replaced by the generated model card")
        if ctx.dry_run:
            ctx.log(f"hub: would create {'private' if private else 'public'} {where} repository {repo_id} and upload "
                    f"{len(uploaded)} files ({size:,} bytes), commit message {message!r}:")
            for name in uploaded:
                bytes_ = len(card.encode()) if name == "README.md" else os.path.getsize(os.path.join(folder, name))
                ctx.log(f"  {name} ({bytes_:,} bytes)" + (" [generated model card]" if name == "README.md" else ""))
            return ExportResult(output_dir=folder, files=uploaded, metrics=metrics,
                                notes=[*notes, "dry run: nothing was uploaded"])
        stage = tempfile.mkdtemp(prefix="swiftkit-hub-")
        try:
            for name in files:  # links: the folder itself gets no README.md and nothing is copied
                target = os.path.join(stage, name)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                os.symlink(os.path.abspath(os.path.join(folder, name)), target)
            with open(os.path.join(stage, "README.md"), "w", encoding="utf-8") as fh:
                fh.write(card)
            ctx.log(f"hub: uploading {len(uploaded)} files ({size:,} bytes) to {'private' if private else 'public'} "
                    f"{where} repository {repo_id}")
            token = config.get("hub_token")
            if hf:
                _upload_hf(stage, repo_id, private, token, message)
            else:
                _upload_ms(stage, repo_id, private, token, message)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        ctx.log(f"hub: uploaded to {url}")
        return ExportResult(output_dir=folder, files=uploaded, metrics=metrics, notes=notes)


def _registry() -> Any:
    from swiftkit.core.registry import get_registry

    return get_registry()


def _upload_hf(folder: str, repo_id: str, private: bool, token: str | None, message: str) -> None:
    from huggingface_hub import HfApi

    api = HfApi(endpoint=os.environ.get("HF_ENDPOINT") or None, token=token)
    # exist_ok: an existing repository keeps its visibility (the hub does not change it on upload)
    api.create_repo(repo_id, private=private, exist_ok=True, repo_type="model")
    api.upload_folder(repo_id=repo_id, folder_path=folder, commit_message=message, repo_type="model")


def _upload_ms(folder: str, repo_id: str, private: bool, token: str | None, message: str) -> None:
    from modelscope.hub.api import HubApi

    api = HubApi(endpoint=os.environ.get("MODELSCOPE_ENDPOINT") or None, token=token)
    # created first: ModelScope's upload_folder creates a missing repository public
    api.create_repo(repo_id, visibility="private" if private else "public", exist_ok=True)
    api.upload_folder(repo_id=repo_id, folder_path=folder, commit_message=message)
