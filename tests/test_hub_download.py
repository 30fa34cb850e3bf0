"""Hub ids through the hubs' real clients, against local fixtures (no network).

- a Hugging Face cache laid out as ``huggingface_hub`` lays it out (``models--org--name/blobs``,
  ``refs/<branch>``, ``snapshots/<40-hex>/`` of symlinks into ``blobs``), and ModelScope's
  (``models/org--name/snapshots/<revision>/``), each holding a tiny model built offline;
- a local Hugging Face endpoint (``HF_ENDPOINT`` on 127.0.0.1) answering the three calls
  ``snapshot_download`` makes (revision info, file tree, ``resolve`` of each file), so that a
  real download, with its progress bar, fills a fresh cache.

Every command runs as users run it: the ``swift`` CLI in a fresh interpreter.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import pytest

from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model

COMMIT_A = "a" * 40
COMMIT_B = "b" * 40
HEAVY = ("torch", "transformers", "peft", "datasets", "modelscope")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    return Path(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("m") / "tiny",
                                 registry=get_registry(refresh=True)))


@pytest.fixture(scope="module")
def tiny_v2(tiny, tmp_path_factory) -> Path:
    """The same model at a second revision: its config says so (``_revision``)."""
    folder = tmp_path_factory.mktemp("m2") / "tiny"
    shutil.copytree(tiny, folder)
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "_revision": "v2"}))
    return folder


@pytest.fixture(scope="module")
def chat_data(tmp_path_factory) -> Path:
    """A dataset repository: ``data/train.jsonl`` in messages format."""
    folder = tmp_path_factory.mktemp("ds") / "chat"
    (folder / "data").mkdir(parents=True)
    rows = [{"messages": [{"role": "user", "content": f"Count to {i}."},
                          {"role": "assistant", "content": " ".join(map(str, range(1, i + 1)))}]} for i in range(1, 9)]
    (folder / "data" / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def hf_cache(cache: Path, repo_id: str, snapshots: dict[str, Path], refs: dict[str, str],
             repo_type: str = "model") -> Path:
    """Lay ``snapshots`` (commit -> folder) out as huggingface_hub's cache does under ``cache``
    (``$HF_HUB_CACHE``): content-addressed blobs, snapshot files symlinked to them, refs naming commits."""
    repo = cache / f"{repo_type}s--{repo_id.replace('/', '--')}"
    (repo / "blobs").mkdir(parents=True, exist_ok=True)
    (repo / "refs").mkdir(exist_ok=True)
    for commit, folder in snapshots.items():
        for name, data in files_of(folder).items():
            blob = git_blob_id(data)
            (repo / "blobs" / blob).write_bytes(data)
            link = repo / "snapshots" / commit / name
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(os.path.relpath(repo / "blobs" / blob, link.parent))
    for ref, commit in refs.items():
        (repo / "refs" / ref).write_text(commit)
    return repo


def ms_cache(cache: Path, repo_id: str, revision: str, folder: Path) -> Path:
    """Lay ``folder`` out as the modelscope client keeps a snapshot under ``$MODELSCOPE_CACHE``."""
    snapshot = cache / "models" / repo_id.replace("/", "--") / "snapshots" / revision
    shutil.copytree(folder, snapshot)
    return snapshot


# ---------------------------------------------------------------------------------- a local hub


class LocalHub:
    """A Hugging Face endpoint on 127.0.0.1 serving folders as repositories at commits."""

    def __init__(self) -> None:
        self.repos: dict[tuple[str, str], dict[str, dict]] = {}  # (type, id) -> {"refs": {}, "commits": {}}
        self.requests: list[tuple[str, str, str | None]] = []  # (method, path, Authorization)
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                hub.answer(self, body=False)

            def do_GET(self) -> None:
                hub.answer(self, body=True)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add(self, repo_id: str, commit: str, folder: Path, refs: tuple[str, ...] = ("main", "master"),
            repo_type: str = "model") -> None:
        repo = self.repos.setdefault((repo_type, repo_id), {"refs": {}, "commits": {}})
        repo["commits"][commit] = files_of(folder)
        for ref in refs:
            repo["refs"][ref] = commit

    def answer(self, handler: BaseHTTPRequestHandler, body: bool) -> None:
        url = urlsplit(handler.path)
        path = unquote(url.path)
        self.requests.append((handler.command, path, handler.headers.get("Authorization")))
        parts = path.strip("/").split("/")
        if parts[:2] == ["api", "v1"]:
            self.answer_modelscope(handler, parts[2:], dict(parse_qsl(url.query)), body)
            return
        if parts[0] == "api" and (len(parts) < 6 or parts[4] not in ("revision", "tree")):
            self.send(handler, 404, b"{}", {}, body)  # the client's other calls (its agent registry ...)
            return
        if parts[0] == "api":  # /api/{type}s/{org}/{name}/(revision|tree)/{rev}
            repo_type, repo_id, what, rev = parts[1][:-1], "/".join(parts[2:4]), parts[4], parts[5]
            repo, commit = self.lookup(handler, repo_type, repo_id, rev)
            if repo is None:
                return
            files = repo["commits"][commit]
            if what == "revision":
                data = {"id": repo_id, "sha": commit, "private": False, "siblings": [{"rfilename": f} for f in files]}
            else:
                data = [{"type": "file", "oid": git_blob_id(b), "size": len(b), "path": f} for f, b in files.items()]
            self.send(handler, 200, json.dumps(data).encode(), {"Content-Type": "application/json"}, body)
            return
        repo_type = "dataset" if parts[0] == "datasets" else "model"  # /[datasets/]{org}/{name}/resolve/{rev}/{file}
        parts = parts[1:] if repo_type == "dataset" else parts
        repo, commit = self.lookup(handler, repo_type, "/".join(parts[:2]), parts[3])
        if repo is None:
            return
        name = "/".join(parts[4:])
        data = repo["commits"][commit].get(name)
        if data is None:
            self.send(handler, 404, b"{}", {"X-Error-Code": "EntryNotFound"}, body)
            return
        self.send(handler, 200, data, {"X-Repo-Commit": commit, "ETag": f'"{git_blob_id(data)}"',
                                       "Content-Type": "application/octet-stream"}, body)

    def answer_modelscope(self, handler: BaseHTTPRequestHandler, parts: list[str], query: dict[str, str], body: bool) -> None:
        """ModelScope's read calls: ``models/{org}/{name}/repo/files`` (the listing) and
        ``models/{org}/{name}/repo?FilePath=`` (one file); revisions are branch names."""
        if len(parts) < 4 or parts[0] != "models" or parts[3] != "repo":
            self.send(handler, 404, b'{"Code": 404, "Message": "not found"}', {"Content-Type": "application/json"}, body)
            return
        repo, commit = self.lookup(handler, "model", "/".join(parts[1:3]), query.get("Revision", "master"))
        if repo is None:
            return
        files = repo["commits"][commit]
        if parts[4:] == ["files"]:
            listing = [{"Path": f, "Name": f.rsplit("/", 1)[-1], "Type": "blob", "Size": len(b),
                        "Sha256": hashlib.sha256(b).hexdigest()} for f, b in files.items()]
            data = json.dumps({"Code": 200, "Success": True, "Data": {"Files": listing}}).encode()
            self.send(handler, 200, data, {"Content-Type": "application/json"}, body)
            return
        data = files.get(query.get("FilePath", ""))
        if data is None:
            self.send(handler, 404, b'{"Code": 404, "Message": "no such file"}', {"Content-Type": "application/json"}, body)
            return
        self.send(handler, 200, data, {"Content-Type": "application/octet-stream"}, body)

    def lookup(self, handler: BaseHTTPRequestHandler, repo_type: str, repo_id: str, rev: str) -> tuple[dict | None, str]:
        repo = self.repos.get((repo_type, repo_id))
        if repo is None:
            self.send(handler, 404, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound"}, True)
            return None, ""
        commit = repo["refs"].get(rev, rev)
        if commit not in repo["commits"]:
            self.send(handler, 404, b'{"error": "Invalid rev id"}', {"X-Error-Code": "RevisionNotFound"}, True)
            return None, ""
        return repo, commit

    @staticmethod
    def send(handler: BaseHTTPRequestHandler, code: int, data: bytes, headers: dict[str, str], body: bool) -> None:
        handler.send_response(code)
        for key, value in {**headers, "Content-Length": str(len(data))}.items():
            handler.send_header(key, value)
        handler.end_headers()
        if body and handler.command != "HEAD":
            handler.wfile.write(data)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub():
    server = LocalHub()
    yield server
    server.close()


@pytest.fixture
def homes(tmp_path) -> dict[str, str]:
    """A fresh cache for each hub; downloads off, as in the rest of the suite."""
    return {"HF_HOME": str(tmp_path / "hf"), "MODELSCOPE_CACHE": str(tmp_path / "ms"), "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "HF_HUB_DISABLE_XET": "1"}


def online(homes: dict[str, str], hub: LocalHub) -> dict[str, str]:
    return {**homes, "HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "0", "HF_DATASETS_OFFLINE": "0",
            "HF_ENDPOINT": hub.url, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            "HF_HUB_DISABLE_PROGRESS_BARS": "0", "HF_HUB_ETAG_TIMEOUT": "5", "HF_HUB_DOWNLOAD_TIMEOUT": "5"}


def folder_line(stdout: str) -> Path:
    return Path(stdout.strip().splitlines()[-1])


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr and len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


# ---------------------------------------------------------------------------------- tests


@pytest.mark.slow
def test_real_download_through_a_local_endpoint_then_training_offline(run_swift, hub, homes, tiny, chat_data, tmp_path):
    hub.add("acme/tiny-chat", COMMIT_A, tiny)
    hub.add("acme/chat", COMMIT_B, chat_data, repo_type="dataset")
    env = online(homes, hub)

    got = run_swift("download", "--model", "acme/tiny-chat", "--hub_token", "hf_secret", env=env)
    assert got.returncode == 0, got.stderr
    snapshot = Path(homes["HF_HOME"]) / "hub" / "models--acme--tiny-chat" / "snapshots" / COMMIT_A
    assert folder_line(got.stdout) == snapshot
    assert files_of(snapshot) == files_of(tiny)  # every file, byte for byte, through the client's blobs
    assert (snapshot.parent.parent / "refs" / "main").read_text() == COMMIT_A
    assert "100%" in got.stderr  # huggingface_hub's progress bar, drawn on stderr
    assert not set(HEAVY) & {m.split(".")[0] for m in got.modules}
    resolves = [r for r in hub.requests if "/resolve/" in r[1]]
    assert {r[1].rsplit("/", 1)[-1] for r in resolves} >= {"config.json", "model.safetensors"}
    assert {auth for _, path, auth in hub.requests if "acme/" in path} == {"Bearer hf_secret"}  # --hub_token was sent

    asked = len(hub.requests)
    data = run_swift("download", "--dataset", "acme/chat", env={**env, "HF_TOKEN": "hf_from_env"})
    assert data.returncode == 0, data.stderr
    assert {auth for _, path, auth in hub.requests[asked:] if "acme/" in path} == {"Bearer hf_from_env"}  # the client's own token
    assert folder_line(data.stdout) == Path(homes["HF_HOME"]) / "hub" / "datasets--acme--chat" / "snapshots" / COMMIT_B

    # offline now: the cache answers, the endpoint is not asked again
    asked = len(hub.requests)
    again = run_swift("download", "--model", "acme/tiny-chat", env=homes)
    assert again.returncode == 0 and folder_line(again.stdout) == snapshot, again.stderr
    out = tmp_path / "out"
    run = run_swift("sft", "--model", "acme/tiny-chat", "--dataset", "acme/chat", "--max_steps", "2", "--output_dir", str(out),
                    "--report_to", "none", "--hub_token", "hf_secret", env=homes, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(hub.requests) == asked
    (run_dir,) = out.iterdir()
    args = json.loads((run_dir / "args.json").read_text())
    assert args["model_dir"] == str(snapshot) and args["model"] == "acme/tiny-chat"
    assert args["model_family"] == "qwen2"  # found from the snapshot's config.json, as for a local folder
    assert "hub_token" not in args and "hf_secret" not in (run_dir / "args.json").read_text()
    assert "train: 8 rows" in run.stdout + run.stderr  # the dataset snapshot, read offline
    assert "modelscope" not in run.modules  # imported only for --use_hf false


def test_real_modelscope_download_through_a_local_endpoint(run_swift, hub, homes, tiny):
    """``--use_hf false``: the modelscope client lists and fetches the files (MODELSCOPE_ENDPOINT),
    with its progress bar, into its cache, where the next run finds them offline."""
    pytest.importorskip("modelscope")
    hub.add("acme/tiny-chat", COMMIT_A, tiny)
    env = {**online(homes, hub), "MODELSCOPE_ENDPOINT": hub.url}
    got = run_swift("download", "--model", "acme/tiny-chat", "--use_hf", "false", "--hub_token", "ms_secret", env=env)
    assert got.returncode == 0, got.stderr
    snapshot = Path(homes["MODELSCOPE_CACHE"]) / "models" / "acme--tiny-chat" / "snapshots" / "master"
    assert folder_line(got.stdout) == snapshot and files_of(snapshot) == files_of(tiny)
    assert "Downloading [model.safetensors]: 100%" in got.stderr
    assert {auth for _, path, auth in hub.requests if "acme/" in path} == {"Bearer ms_secret"}
    assert not [r for r in hub.requests if not r[1].startswith("/api/v1/")]  # nothing asked Hugging Face's API
    asked = len(hub.requests)
    again = run_swift("download", "--model", "acme/tiny-chat", env={**homes, "USE_HF": "0"})
    assert again.returncode == 0 and folder_line(again.stdout) == snapshot, again.stderr
    assert len(hub.requests) == asked
    missing = run_swift("download", "--model", "acme/absent", "--use_hf", "false", env={**env, "MODELSCOPE_API_TOKEN": "ms_env"})
    assert hub.requests[-1][1:] == ("/api/v1/models/acme/absent/repo/files", "Bearer ms_env")
    assert one_error_line(missing.stderr) == (
        "error: ModelScope has no model 'acme/absent' (or it is private: pass --hub_token or MODELSCOPE_API_TOKEN); "
        "check the id, or pass --use_hf true for the other hub, or --model <local folder>")


def test_revision_online_and_missing_repositories(run_swift, hub, homes, tiny, tiny_v2):
    hub.add("acme/tiny-chat", COMMIT_A, tiny)
    hub.add("acme/tiny-chat", COMMIT_B, tiny_v2, refs=("v2",))
    env = online(homes, hub)
    got = run_swift("download", "--model", "acme/tiny-chat", "--model_revision", "v2", env=env)
    assert got.returncode == 0, got.stderr
    assert folder_line(got.stdout).name == COMMIT_B
    assert json.loads((folder_line(got.stdout) / "config.json").read_text())["_revision"] == "v2"

    missing = run_swift("download", "--model", "acme/absent", env=env)
    assert missing.returncode == 2
    assert one_error_line(missing.stderr).startswith("error: Hugging Face has no model 'acme/absent' (or it is private: "
                                                     "pass --hub_token or HF_TOKEN)")
    bad_rev = run_swift("download", "--model", "acme/tiny-chat", "--model_revision", "v9", env=env)
    assert one_error_line(bad_rev.stderr) == ("error: Hugging Face has no revision 'v9' of model 'acme/tiny-chat': pass a "
                                              "branch, tag or commit it has with --model_revision")


def test_model_revision_picks_the_cached_snapshot_offline(run_swift, homes, tiny, tiny_v2):
    cache = Path(homes["HF_HOME"]) / "hub"
    repo = hf_cache(cache, "acme/tiny-chat", {COMMIT_A: tiny, COMMIT_B: tiny_v2}, {"main": COMMIT_A, "v2": COMMIT_B})
    for revision, commit in ((None, COMMIT_A), ("main", COMMIT_A), ("v2", COMMIT_B), (COMMIT_B, COMMIT_B)):
        got = run_swift("download", "--model", "acme/tiny-chat", *(["--model_revision", revision] if revision else []), env=homes)
        assert got.returncode == 0, got.stderr
        assert folder_line(got.stdout) == repo / "snapshots" / commit, revision
    missing = run_swift("download", "--model", "acme/tiny-chat", "--model_revision", "v3", env=homes)
    assert one_error_line(missing.stderr) == (
        f"error: model 'acme/tiny-chat' at revision 'v3' is not in the Hugging Face cache (searched {repo}) and downloads "
        "are off (HF_HUB_OFFLINE=1) -- run `swift download --model acme/tiny-chat --model_revision v3` where the hub is "
        "reachable (same cache), or pass --model <local folder>")


@pytest.mark.slow
def test_sft_trains_from_the_modelscope_cache_offline(run_swift, homes, tiny, chat_data, tmp_path):
    """``--use_hf false`` reads ModelScope's cache through the modelscope client (the first test
    trains from a Hugging Face cache the client itself filled)."""
    pytest.importorskip("modelscope")
    snapshot = ms_cache(Path(homes["MODELSCOPE_CACHE"]), "acme/tiny-chat", "master", tiny)
    hf_cache(Path(homes["HF_HOME"]) / "hub", "acme/tiny-chat", {COMMIT_A: tiny}, {"main": COMMIT_A})  # not this one
    out = tmp_path / "out"
    run = run_swift("sft", "--model", "acme/tiny-chat", "--use_hf", "false", "--dataset", str(chat_data / "data" / "train.jsonl"),
                    "--max_steps", "2", "--output_dir", str(out), "--report_to", "none", env=homes, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    (run_dir,) = out.iterdir()
    args = json.loads((run_dir / "args.json").read_text())
    assert args["model_dir"] == str(snapshot) and args["use_hf"] is False
    assert "modelscope" in run.modules


def test_use_hf_switch_and_registered_ids(run_swift, homes, tiny):
    """A registered id downloads its spec's id on the chosen hub: flag, then $USE_HF, then Hugging Face."""
    pytest.importorskip("modelscope")
    ms = ms_cache(Path(homes["MODELSCOPE_CACHE"]), "acme/tiny-chat", "master", tiny)
    hf = hf_cache(Path(homes["HF_HOME"]) / "hub", "acme/tiny-chat", {COMMIT_A: tiny}, {"main": COMMIT_A}) / "snapshots" / COMMIT_A
    assert folder_line(run_swift("download", "--model", "acme/tiny-chat", "--use_hf", "false", env=homes).stdout) == ms
    assert folder_line(run_swift("download", "--model", "acme/tiny-chat", env={**homes, "USE_HF": "0"}).stdout) == ms
    assert folder_line(run_swift("download", "--model", "acme/tiny-chat", "--use_hf", "true",
                                 env={**homes, "USE_HF": "0"}).stdout) == hf
    assert folder_line(run_swift("download", "--model", "acme/tiny-chat", env=homes).stdout) == hf

    # llama2-7b: ModelScope's id differs from Hugging Face's; neither is cached here
    spec = get_registry().get("model", "llama2-7b").spec
    on_hf = one_error_line(run_swift("download", "--model", "llama2-7b", env=homes).stderr)
    assert f"model {spec.hf_id!r} is not in the Hugging Face cache (searched {homes['HF_HOME']}/hub/models--" in on_hf
    on_ms = one_error_line(run_swift("download", "--model", "llama2-7b", env={**homes, "USE_HF": "0"}).stderr)
    folder = Path(homes["MODELSCOPE_CACHE"]) / "models" / spec.ms_id.replace("/", "--")
    assert on_ms == (f"error: model {spec.ms_id!r} is not in the ModelScope cache (searched {folder}) and downloads are off "
                     f"(HF_HUB_OFFLINE=1) -- run `swift download --model {spec.ms_id} --use_hf false` where the hub is "
                     "reachable (same cache), or pass --model <local folder>")


def test_an_unreachable_hub_falls_back_to_the_cache(run_swift, homes, tiny):
    """No network (downloads on, nothing listening): a cached snapshot serves, a missing one is one line."""
    import socket

    with socket.socket() as sock:  # a port nothing listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**homes, "HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "0", "HF_ENDPOINT": f"http://127.0.0.1:{port}",
           "NO_PROXY": "127.0.0.1"}
    repo = hf_cache(Path(homes["HF_HOME"]) / "hub", "acme/tiny-chat", {COMMIT_A: tiny}, {"main": COMMIT_A})
    got = run_swift("download", "--model", "acme/tiny-chat", env=env)
    assert got.returncode == 0 and folder_line(got.stdout) == repo / "snapshots" / COMMIT_A, got.stderr
    missing = run_swift("download", "--model", "acme/other", env=env)
    assert one_error_line(missing.stderr) == (
        f"error: model 'acme/other' is not in the Hugging Face cache (searched {repo.parent / 'models--acme--other'}) and "
        "Hugging Face cannot be reached (ConnectError) -- run `swift download --model acme/other` where the hub is "
        "reachable (same cache), or pass --model <local folder>")


def test_a_missing_id_is_the_same_line_from_every_command(run_swift, homes, chat_data):
    folder = Path(homes["HF_HOME"]) / "hub" / "models--acme--not-cached"
    expected = (f"error: model 'acme/not-cached' is not in the Hugging Face cache (searched {folder}) and downloads are off "
                "(HF_HUB_OFFLINE=1) -- run `swift download --model acme/not-cached` where the hub is reachable (same cache), "
                "or pass --model <local folder>")
    data = str(chat_data / "data" / "train.jsonl")
    for command in (("download",), ("sft", "--dataset", data), ("infer",), ("deploy", "--port", "0")):
        got = run_swift(command[0], "--model", "acme/not-cached", *command[1:], env=homes, timeout=300)
        assert got.returncode == 2, (command, got.stderr)
        assert one_error_line(got.stderr) == expected, command


def test_each_model_flag_reads_its_own_revision(tiny, tiny_v2):
    """``--model``, ``--ref_model`` and ``--teacher_model`` go through one function; each takes
    its own ``*_revision`` key (in process: the session's offline Hugging Face cache)."""
    from huggingface_hub import constants

    from swiftkit.models.hub import fetch_model

    repo = hf_cache(Path(constants.HF_HUB_CACHE), "acme/three-revisions", {COMMIT_A: tiny, COMMIT_B: tiny_v2},
                    {"main": COMMIT_A, "v2": COMMIT_B})
    registry = get_registry()
    config = {"model_revision": "main", "ref_model_revision": "v2", "teacher_model_revision": COMMIT_B}
    base = fetch_model("acme/three-revisions", registry, config)
    assert base.folder == str(repo / "snapshots" / COMMIT_A) and base.repo.revision == "main"
    for key in ("ref_model_revision", "teacher_model_revision"):
        other = fetch_model("acme/three-revisions", registry, config, revision_key=key)
        assert other.folder == str(repo / "snapshots" / COMMIT_B), key
        assert other.spec.family == "qwen2"  # found from the snapshot's config.json
    local = fetch_model(str(tiny), registry, {"use_hf": False, "model_revision": "v9"})
    assert local.folder == str(tiny) and local.repo is None  # a folder is used as it is
