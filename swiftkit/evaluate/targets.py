"""What ``swift eval`` evaluates, from the run config: a running server (``--eval_url``) or a
model loaded in-process (``--model`` / ``--adapters``, a training checkpoint included)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from swiftkit.core.errors import ConfigError
from swiftkit.core.eval.interface import EvalTarget


def base_url(url: str) -> str:
    """``--eval_url`` as the API's base ending in ``/v1``: a full route (``.../v1/chat/completions``)
    or a bare host (``http://127.0.0.1:8000``) is accepted too."""
    url = url.strip().rstrip("/")
    for route in ("/chat/completions", "/completions"):
        if url.endswith(route):
            url = url[: -len(route)]
    if not url.startswith(("http://", "https://")):
        raise ConfigError(f"--eval_url {url!r}: not an http(s) URL (e.g. http://127.0.0.1:8000/v1)")
    return url if url.endswith("/v1") else url + "/v1"


def served_models(url: str, api_key: str = "EMPTY", timeout: float = 10.0) -> list[dict[str, Any]]:
    """The model cards ``GET <url>/models`` lists; an unreachable server is an error naming it."""
    request = urllib.request.Request(f"{url}/models", headers={"Authorization": f"Bearer {api_key}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:  # noqa: S310 - the user's own URL
            data = json.loads(answer.read().decode("utf-8"))
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise ConfigError(f"--eval_url {url}: cannot list its models ({exc}); is the server running?") from None
    return [m for m in data.get("data", []) if isinstance(m, dict) and m.get("id")]


def url_target(config: dict[str, Any]) -> EvalTarget:
    """The server of ``--eval_url``. The model sent is ``--served_model_name``; else ``--model``
    when the server lists that name; else the first adapter the server lists (what ``swift
    deploy`` answers a request naming no model with), else its first model. ``--model`` is kept
    as ``model_id`` (a backend may read its tokenizer from it), never loaded."""
    url = base_url(config["eval_url"])
    api_key = config.get("api_key") or "EMPTY"
    served = config.get("served_model_name")
    model = config.get("model")
    if not served:
        cards = served_models(url, api_key)
        if not cards:
            raise ConfigError(f"--eval_url {url}: the server lists no model; name one with --served_model_name")
        ids = [c["id"] for c in cards]
        adapters = [c["id"] for c in cards if c.get("parent")]
        served = model if model in ids else (adapters[0] if adapters else ids[0])
    return EvalTarget(url=url, served_model=served, api_key=api_key, model_id=model)


def model_target(config: dict[str, Any], registry: Any) -> EvalTarget:
    """The model of ``--model`` / ``--adapters`` as ``swift infer`` resolves it (a LoRA checkpoint
    becomes its base plus the adapter; a hub id is fetched, or found in the cache offline)."""
    from swiftkit.infer.factory import resolve_model

    resolved = resolve_model({**config, "command": "eval"}, registry)
    return EvalTarget(model_dir=resolved.trained_checkpoint or resolved.model_dir,
                      adapters=list(resolved.adapters.values()), template=resolved.template,
                      model_id=resolved.model_id, torch_dtype=config.get("torch_dtype"))


def resolve_target(config: dict[str, Any], registry: Any) -> EvalTarget:
    """``--eval_url`` when given (the model is not loaded), else the local model."""
    if config.get("eval_url"):
        if config.get("adapters"):
            raise ConfigError("--adapters cannot be applied to --eval_url (the server serves its own); deploy them "
                              "with `swift deploy --adapters ...` and name one with --served_model_name")
        return url_target(config)
    if not config.get("model") and not config.get("adapters"):
        raise ConfigError("swift eval needs --model (a model, checkpoint or folder) or --eval_url (a running server)")
    return model_target(config, registry)
