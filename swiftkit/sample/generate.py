"""Where the completions come from: an engine in this process (``--sampler_engine pt|vllm|...``,
any registered engine, through :func:`swiftkit.infer.factory.create_engine`) or a running
OpenAI-compatible server (``--sampler_engine client`` with ``--base_url``/``--eval_url``, e.g.
``swift deploy`` or a hosted teacher for ``--sampler_type distill``).

Each of the N completions of a prompt is its own request with its own seed, derived from
``--seed``, the prompt and its position, so a resumed run draws what an uninterrupted one would.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.sample.prompts import Prompt

CLIENT = "client"


def completion_seed(seed: int, prompt: Prompt, index: int) -> int:
    """The seed of the ``index``-th completion of ``prompt``."""
    return (int(prompt.key[:12], 16) + 1_000_003 * int(seed) + index) % (2**31 - 1)


def with_system(messages: list[dict[str, Any]], system: str | None) -> list[dict[str, Any]]:
    """``--system`` for a conversation that has no system message of its own."""
    if system and not (messages and messages[0].get("role") == "system"):
        return [{"role": "system", "content": system}, *messages]
    return messages


class EngineGenerator:
    """Completions from an :class:`~swiftkit.core.engines.interface.InferEngine` in this process."""

    def __init__(self, config: dict[str, Any], registry: Any, engine_id: str):
        from swiftkit.infer.factory import create_engine, default_adapter

        self.engine, self.resolved = create_engine({**config, "infer_backend": engine_id}, registry)
        if getattr(self.engine, "predictor", None) is not None:
            self.engine.close()
            raise ConfigError(f"--model {config.get('model')}: a {self.engine.task} model does not generate text; "
                              "swift sample needs a causal LM (a reward model goes to --orm_model)")
        self.adapter = default_adapter(self.resolved)
        self.name = f"{engine_id} engine, {self.resolved.model_id}"

    def generate(self, prompts: list[Prompt], n: int, sampling: Any, seed: int, system: str | None) -> list[list[str]]:
        from swiftkit.core.engines.interface import ChatRequest

        requests = [ChatRequest(messages=with_system(p.messages, system), adapter=self.adapter, images=list(p.images),
                                sampling=replace(sampling, seed=completion_seed(seed, p, i)))
                    for p in prompts for i in range(n)]
        texts = [r.text for r in self.engine.infer(requests)]
        return [texts[i * n:(i + 1) * n] for i in range(len(prompts))]

    def close(self) -> None:
        self.engine.close()


class ClientGenerator:
    """Completions from ``POST {base_url}/chat/completions`` (one request per completion,
    a few in flight), the model being ``--served_model_name`` or the server's first model."""

    def __init__(self, config: dict[str, Any]):
        url = config.get("base_url") or config.get("eval_url")
        if not url:
            raise ConfigError("--sampler_engine client needs --base_url (the server's OpenAI base URL, "
                              "e.g. http://127.0.0.1:8000/v1)")
        self.base = url.rstrip("/")
        self.key = config.get("api_key") or os.environ.get("OPENAI_API_KEY")
        self.model = config.get("served_model_name") or self._first_model()
        self.workers = int(config.get("max_batch_size") or 4)
        self.name = f"server {self.base}, model {self.model}"

    def _call(self, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.key:
            headers["Authorization"] = f"Bearer {self.key}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=600) as answer:
                return json.loads(answer.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:300]
            raise SwiftkitError(f"--base_url {self.base}{path}: HTTP {exc.code}: {detail}") from None
        except urllib.error.URLError as exc:
            raise SwiftkitError(f"--base_url {self.base}: cannot connect ({exc.reason})") from None

    def _first_model(self) -> str:
        models = self._call("/models").get("data") or []
        if not models:
            raise SwiftkitError(f"--base_url {self.base}: /models lists no model; name one with --served_model_name")
        return models[0]["id"]

    def _one(self, messages: list[dict[str, Any]], sampling: Any, seed: int) -> str:
        body = {"model": self.model, "messages": messages, "max_tokens": sampling.max_tokens,
                "temperature": sampling.temperature, "top_p": sampling.top_p, "seed": seed}
        if sampling.stop:
            body["stop"] = sampling.stop
        answer = self._call("/chat/completions", body)
        return answer["choices"][0]["message"].get("content") or ""

    def generate(self, prompts: list[Prompt], n: int, sampling: Any, seed: int, system: str | None) -> list[list[str]]:
        jobs = [(with_system(p.messages, system), completion_seed(seed, p, i)) for p in prompts for i in range(n)]
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            texts = list(pool.map(lambda job: self._one(job[0], sampling, job[1]), jobs))
        return [texts[i * n:(i + 1) * n] for i in range(len(prompts))]

    def close(self) -> None:
        pass


def create_generator(config: dict[str, Any], registry: Any) -> EngineGenerator | ClientGenerator:
    """The generator ``--sampler_engine`` names (default: ``--infer_backend``, else ``pt``)."""
    engine_id = config.get("sampler_engine") or config.get("infer_backend") or "pt"
    if engine_id == CLIENT or str(engine_id).startswith(("http://", "https://")):
        if engine_id != CLIENT:
            config = {**config, "base_url": engine_id}
        return ClientGenerator(config)
    if ("engine", engine_id) not in registry:
        known = ", ".join(e.id for e in registry.entries("engine"))
        raise ConfigError(f"--sampler_engine {engine_id}: no such engine (installed: {known}; or 'client' for a "
                          "running OpenAI-compatible server)")
    return EngineGenerator(config, registry, registry.get("engine", engine_id).id)
