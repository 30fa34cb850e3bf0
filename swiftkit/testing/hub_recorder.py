"""A local stand-in for the Hugging Face Hub and ModelScope upload APIs, for tests.

``HubRecorder`` serves, on 127.0.0.1 (stdlib ``ThreadingHTTPServer``), the routes that
``huggingface_hub`` (``HfApi(endpoint=url)``, ``HF_HUB_DISABLE_XET=1`` so large files go
through the LFS "basic" transfer) and ``modelscope`` (``HubApi(endpoint=url)`` or
``MODELSCOPE_ENDPOINT``) call to create a repository and upload a folder, and records what
arrives: every request in order, and per repository its visibility and the files' bytes
(large files through the LFS batch API and a PUT, checked against their sha256)::

    with HubRecorder() as hub:
        HfApi(endpoint=hub.url, token="hf_x").create_repo("me/m", private=True)
        ...
        repo = hub.repos["me/m"]      # .hub ("hf"/"ms"), .private, .files {path: bytes}, .commits
        hub.requests                  # [Request(method, path, json, auth), ...]

Hugging Face routes: ``POST /api/repos/create``, ``POST /api/validate-yaml``,
``POST /api/models/{repo}/preupload/{rev}``, ``POST /{repo}.git/info/lfs/objects/batch``,
``POST /api/models/{repo}/commit/{rev}`` (NDJSON). ModelScope routes: ``POST /api/v1/models``
(a second create of an existing repo answers success and changes nothing, as the hub does),
``POST /api/v1/repos/models/{repo}/info/lfs/objects/batch``,
``POST /api/v1/repos/models/{repo}/commit/{rev}``. Both: ``PUT /lfs-upload/{oid}``. Anything
else is recorded and answered 404.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: files the fake Hugging Face Hub asks to receive through LFS (the real one decides by size/type)
LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".gguf", ".npy")
LFS_MIN_SIZE = 1_000_000


@dataclass
class Request:
    method: str
    path: str
    json: Any = None
    auth: str | None = None


@dataclass
class Repo:
    repo_id: str
    hub: str  #: "hf" or "ms"
    private: bool
    files: dict[str, bytes] = field(default_factory=dict)
    commits: list[str] = field(default_factory=list)
    #: each create request's visibility, in order (ModelScope's upload_folder asks again, public)
    creates: list[bool] = field(default_factory=list)


class HubRecorder:
    """Start with ``with HubRecorder() as hub`` (or :meth:`start` / :meth:`stop`)."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.repos: dict[str, Repo] = {}
        self.blobs: dict[str, bytes] = {}  #: sha256 -> bytes received by PUT
        self.bad_blobs: list[str] = []  #: PUTs whose bytes did not match their sha256
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "HubRecorder is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> HubRecorder:
        recorder = self

        class Handler(_Handler):
            pass

        Handler.recorder = recorder
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True, name="hub-recorder").start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> HubRecorder:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def paths(self, method: str | None = None) -> list[str]:
        """The paths requested, in order (only ``method``'s when given)."""
        return [r.path for r in self.requests if method is None or r.method == method]

    # -------------------------------------------------------------- state changes (under the lock)

    def _create(self, repo_id: str, hub: str, private: bool) -> bool:
        with self._lock:
            repo = self.repos.get(repo_id)
            if repo is None:
                repo = self.repos[repo_id] = Repo(repo_id, hub, private)
                repo.creates.append(private)
                return True
            repo.creates.append(private)
            return False

    def _repo(self, repo_id: str) -> Repo | None:
        return self.repos.get(repo_id)


def _summary(value: Any) -> Any:
    """A request body as recorded: base64 contents replaced by their decoded length."""
    if isinstance(value, dict):
        return {k: (f"<{len(v)} base64 chars>" if k == "content" and isinstance(v, str) else _summary(v))
                for k, v in value.items()}
    if isinstance(value, list):
        return [_summary(v) for v in value]
    return value


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    recorder: HubRecorder

    def log_message(self, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, code: int, obj: Any = None, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(obj).encode() if obj is not None else b""
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        body = self._body()
        path = self.path.split("?")[0]
        rec = self.recorder
        try:
            payload = json.loads(body) if body and not path.startswith("/lfs-upload/") and "/commit/" not in path else None
        except ValueError:
            payload = None
        request = Request(self.command, path, _summary(payload), self.headers.get("Authorization"))
        with rec._lock:
            rec.requests.append(request)
        if path.startswith("/lfs-upload/"):
            return self._blob(path.rsplit("/", 1)[1], body)
        if path.startswith("/api/v1/"):
            return self._modelscope(path, payload, body, request)
        return self._huggingface(path, payload, body, request)

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = do_PATCH = _handle

    def _blob(self, oid: str, body: bytes) -> None:
        rec = self.recorder
        with rec._lock:
            if hashlib.sha256(body).hexdigest() == oid:
                rec.blobs[oid] = body
            else:
                rec.bad_blobs.append(oid)
        self._send(200, {})

    def _upload_actions(self, objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"oid": o["oid"], "size": o["size"], "authenticated": True,
                 "actions": {"upload": {"href": f"{self.recorder.url}/lfs-upload/{o['oid']}"}}} for o in objects]

    def _not_found(self, why: str) -> None:
        self._send(404, {"error": why}, {"X-Error-Code": "RepoNotFound", "X-Error-Message": why})

    # ------------------------------------------------------------------ Hugging Face

    def _huggingface(self, path: str, payload: Any, body: bytes, request: Request) -> None:
        rec = self.recorder
        if path == "/api/repos/create" and isinstance(payload, dict):
            repo_id = "/".join(p for p in (payload.get("organization"), payload["name"]) if p)
            private = payload.get("visibility") == "private" or bool(payload.get("private"))
            url = f"{rec.url}/{repo_id}"
            if rec._create(repo_id, "hf", private):
                return self._send(200, {"url": url, "name": repo_id, "id": repo_id})
            return self._send(409, {"error": "You already created this model repo", "url": url})
        if path == "/api/validate-yaml":
            return self._send(200, {"errors": [], "warnings": []})
        if path.startswith("/api/models/") and "/preupload/" in path and isinstance(payload, dict):
            repo_id = path[len("/api/models/"):].split("/preupload/")[0]
            if rec._repo(repo_id) is None:
                return self._not_found(f"no repository {repo_id}")
            files = [{"path": f["path"], "shouldIgnore": False,
                      "uploadMode": "lfs" if f["path"].endswith(LFS_SUFFIXES) or f.get("size", 0) >= LFS_MIN_SIZE
                      else "regular"} for f in payload.get("files", [])]
            return self._send(200, {"files": files, "commitOid": "0" * 40})
        if path.endswith(".git/info/lfs/objects/batch") and isinstance(payload, dict):
            return self._send(200, {"transfer": "basic", "objects": self._upload_actions(payload.get("objects", []))})
        if path.startswith("/api/models/") and "/commit/" in path:
            repo_id = path[len("/api/models/"):].split("/commit/")[0]
            repo = rec._repo(repo_id)
            if repo is None:
                return self._not_found(f"no repository {repo_id}")
            lines = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
            request.json = _summary(lines)
            with rec._lock:
                for line in lines:
                    value = line.get("value", {})
                    if line.get("key") == "header":
                        repo.commits.append(value.get("summary", ""))
                    elif line.get("key") == "file":
                        repo.files[value["path"]] = base64.b64decode(value["content"])
                    elif line.get("key") == "lfsFile":
                        repo.files[value["path"]] = rec.blobs.get(value["oid"], b"<missing LFS object>")
            return self._send(200, {"commitUrl": f"{rec.url}/{repo_id}/commit/{'a' * 40}", "commitOid": "a" * 40,
                                    "pullRequestUrl": None})
        return self._not_found(f"not a recorded route: {self.command} {path}")

    # ------------------------------------------------------------------ ModelScope

    def _modelscope(self, path: str, payload: Any, body: bytes, request: Request) -> None:
        rec = self.recorder

        def ok(data: Any) -> None:
            self._send(200, {"Code": 200, "Success": True, "Data": data, "Message": "success"})

        if path == "/api/v1/models" and isinstance(payload, dict):
            repo_id = f"{payload.get('Path')}/{payload.get('Name')}"
            # ModelScope's visibility codes: 1 private, 3 internal, 5 public
            rec._create(repo_id, "ms", payload.get("Visibility") == 1)
            return ok({"Name": payload.get("Name")})
        prefix = "/api/v1/repos/models/"
        if path.startswith(prefix) and path.endswith("/info/lfs/objects/batch") and isinstance(payload, dict):
            return ok({"objects": self._upload_actions(payload.get("objects", []))})
        if path.startswith(prefix) and "/commit/" in path:
            repo_id = path[len(prefix):].split("/commit/")[0]
            repo = rec._repo(repo_id)
            if repo is None:
                return self._not_found(f"no repository {repo_id}")
            commit = json.loads(body)
            request.json = _summary(commit)
            with rec._lock:
                repo.commits.append(commit.get("commit_message", ""))
                for action in commit.get("actions", []):
                    if action.get("type") == "lfs":
                        repo.files[action["path"]] = rec.blobs.get(action["sha256"], b"<missing LFS object>")
                    else:
                        repo.files[action["path"]] = base64.b64decode(action.get("content") or "")
            return ok({"commit_id": "b" * 40, "url": f"{rec.url}/models/{repo_id}"})
        return self._not_found(f"not a recorded route: {self.command} {path}")
