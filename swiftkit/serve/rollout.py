"""``swift rollout``: a vLLM engine served over HTTP for online RL (``--vllm_mode server``).

The trainer (``swift rlhf --rlhf_type grpo|gkd --use_vllm true --vllm_mode server``) renders and
tokenizes its prompts itself and talks token ids, so the completions are exactly the ids it
computes its loss on, whatever template the server's model would pick. Routes:

* ``GET /health`` -- 200 ``{"status": "ok"}`` once the engine generates; 503 while it starts
  or after it died.
* ``GET /info`` -- the model folder, the engine's vLLM arguments and the count of weight
  updates received.
* ``POST /generate`` -- ``{"prompt_ids": [[int, ...], ...], "sampling": [{SamplingParams
  keyword: value}, ...]}`` (one sampling per prompt) -> ``{"completions": [{"token_ids": [...],
  "finish_reason": "stop"|"length"}, ...]}``.
* ``POST /update_weights`` -- a safetensors buffer (``application/octet-stream``) of any
  subset of the model's weights under their Hugging Face checkpoint names, loaded in place
  (vLLM's ``reload_weights``); the prefix cache is dropped. -> ``{"loaded": n}``.
* ``POST /reset_prefix_cache``.

The engine is the ``vllm`` engine plugin (offline ``vllm.LLM``, its engine core in this
process), started before the port is bound; requests are served one at a time by it.
"""

# no ``from __future__ import annotations``: FastAPI reads the routes' ``Request`` annotation at
# run time, and it is imported inside create_rollout_app
from collections.abc import Callable
from typing import Any

ROLLOUT_MEMBERS = ("generate_token_ids", "load_weights")


def create_rollout_app(engine: Any, *, model_dir: str = "") -> Any:
    """The FastAPI app over a started engine that has :data:`ROLLOUT_MEMBERS`."""
    from fastapi import FastAPI, HTTPException, Request
    from starlette.concurrency import run_in_threadpool

    app = FastAPI(title="swift rollout")
    state = {"updates": 0, "tensors": 0}

    @app.get("/health")
    def health() -> Any:
        check = getattr(engine, "check_health", None)
        try:
            if callable(check):
                check()
        except Exception as exc:  # the engine died: report it, do not crash the route
            raise HTTPException(503, f"engine is dead: {exc}") from None
        if getattr(engine, "started", "offline") is None:
            raise HTTPException(503, "engine is starting")
        return {"status": "ok"}

    @app.get("/info")
    def info() -> Any:
        args = engine.engine_args() if hasattr(engine, "engine_args") else {}
        return {"model": model_dir, "engine": engine.spec.id, "weight_updates": state["updates"],
                "tensors_loaded": state["tensors"], "engine_args": {k: v for k, v in args.items() if _plain(v)}}

    @app.post("/generate")
    async def generate(request: Request) -> Any:
        try:
            body = await request.json()
        except ValueError:
            raise HTTPException(422, "the body must be JSON: {\"prompt_ids\": [[...]], \"sampling\": [{...}]}") from None
        prompts, sampling = (body or {}).get("prompt_ids"), (body or {}).get("sampling")
        if not (isinstance(prompts, list) and all(isinstance(p, list) and all(isinstance(t, int) for t in p)
                                                  for p in prompts)):
            raise HTTPException(422, "prompt_ids: expected a list of lists of token ids")
        if not (isinstance(sampling, list) and all(isinstance(s, dict) for s in sampling)) or len(sampling) != len(prompts):
            raise HTTPException(422, f"sampling: expected one mapping of SamplingParams keywords per prompt "
                                     f"({len(prompts)})")
        try:
            out = await run_in_threadpool(engine.generate_token_ids, prompts, sampling)
        except (TypeError, ValueError) as exc:  # a bad SamplingParams keyword or value
            raise HTTPException(422, f"{type(exc).__name__}: {exc}") from None
        return {"completions": [{"token_ids": ids, "finish_reason": reason} for ids, reason in out]}

    @app.post("/update_weights")
    async def update_weights(request: Request) -> Any:
        from safetensors.torch import load

        data = await request.body()
        try:
            tensors = load(data)
        except Exception as exc:
            raise HTTPException(422, f"the body is not a safetensors buffer: {exc}") from None
        try:
            loaded = await run_in_threadpool(engine.load_weights, list(tensors.items()))
        except (KeyError, ValueError, AssertionError) as exc:  # a name or shape the model does not have
            raise HTTPException(422, f"vLLM refused the weights: {type(exc).__name__}: {exc}") from None
        state["updates"] += 1
        state["tensors"] += loaded
        return {"loaded": loaded}

    @app.post("/reset_prefix_cache")
    def reset_prefix_cache() -> Any:
        llm = getattr(engine, "_llm", None)
        if llm is not None:
            llm.reset_prefix_cache()
        return {"status": "ok"}

    return app


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def serve_rollout(config: dict[str, Any], *, registry: Any = None, echo: Callable[[str], None] | None = None) -> None:
    """Start the engine (``--model``, ``vllm_*`` engine flags), then serve it at ``--host``
    (default 127.0.0.1) / ``--port`` (default 8000; 0: any free port) until interrupted."""
    import contextlib

    from swiftkit.core.errors import ConfigError, SwiftkitError
    from swiftkit.core.registry import get_registry
    from swiftkit.infer import factory
    from swiftkit.serve.server import _uvicorn_server

    echo = echo or print
    registry = registry or get_registry()
    backend = config.get("infer_backend") or "vllm"
    config = {**config, "infer_backend": backend}
    if config.get("vllm_mode") in (None, "auto"):
        config["vllm_mode"] = "offline"
    if config["vllm_mode"] != "offline":
        raise ConfigError(f"swift rollout: --vllm_mode {config['vllm_mode']}: the rollout server runs vLLM's offline "
                          "engine (leave --vllm_mode unset)")
    if config.get("adapters"):
        raise ConfigError("swift rollout serves the policy's weights, which the trainer sends; --adapters has no "
                          "meaning here (merge them first: swift export --merge_lora)")
    engine, resolved = factory.create_engine(config, registry)
    try:
        missing = [m for m in ROLLOUT_MEMBERS if not hasattr(engine, m)]
        if missing:
            raise SwiftkitError(f"swift rollout: engine {engine.spec.id!r} cannot serve rollouts (it has no "
                                f"{', '.join(missing)}); use --infer_backend vllm")
        if hasattr(engine, "in_process"):
            engine.in_process = True  # weights arrive here: load them without another copy to a worker process
        echo(f"swift rollout: starting engine {engine.spec.id!r} for {resolved.model_dir}")
        engine.start("offline")
        app = create_rollout_app(engine, model_dir=resolved.model_dir)
        host = str(config.get("host") or "127.0.0.1")
        port = int(config.get("port") if config.get("port") is not None else 8000)

        def ready(url: str) -> None:
            echo(f"swift rollout: serving at {url} (health {url}/health)")

        server = _uvicorn_server(app, host, port, on_ready=ready)
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
    finally:
        engine.close()
        echo(f"swift rollout: engine {engine.spec.id!r} closed")
