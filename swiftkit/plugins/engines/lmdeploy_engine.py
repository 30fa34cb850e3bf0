"""The ``lmdeploy`` engine: swiftkit's engine contract over LMDeploy's ``pipeline`` and its
async generation API (``AsyncEngine.generate``).

Loading: the library reads the model folder itself (the default ``InferEngine.create`` hands
over ``model_dir``), so the family's swiftkit loader is not used: a family served here must be
a folder the library reads (an architecture it supports or one registered with it). A
checkpoint only its tuner can read (``freeze``'s trained weights) is refused with the way out,
``swift export --model CHECKPOINT``, which writes the complete model.

``lmdeploy.pipeline(...)`` starts its engine on an event loop that runs on the pipeline's own
thread (``pipeline.internal_thread``), which is where LMDeploy's own synchronous calls
(``pipe.infer``, ``pipe.stream_infer``) run their coroutines too. Every request here is a
``generate(input_ids=..., gen_config=GenerationConfig(...), stream_response=True)`` coroutine
on that loop: ``infer`` sends its requests together (LMDeploy's persistent batch decodes them
together), ``stream``/``stream_async`` forward the pieces, and a closed stream cancels the
generation, which makes LMDeploy cancel its session.

LoRA adapters need LMDeploy's PyTorch backend and are given when the pipeline is built
(``PytorchEngineConfig(adapters={name: path})``); the engine therefore starts on the first
request (or :meth:`LmdeployEngine.start`), after ``swift infer --adapters`` has added them.

Prompts are the template's render, tokenized here without added special tokens and sent as
``input_ids`` (LMDeploy would otherwise apply its own chat template, or add a BOS). LMDeploy
is imported in ``__init__`` only; it needs an NVIDIA GPU.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from swiftkit.core.engines.interface import ChatResponse, InferEngine, Request, StreamChunk
from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.core.options import option_value
from swiftkit.plugins.engines._bridge import LoopEngineMixin, LoopThread
from swiftkit.plugins.engines._mapping import (
    StreamAssembler,
    cut_at_stop,
    lmdeploy_generation_kwargs,
    lmdeploy_logprobs,
    lmdeploy_response,
    logprobs_count,
    missing_library,
    single_token_ids,
    stop_strings,
)

ADAPTER_FILE = "adapter_config.json"
_session_ids = itertools.count(1)


@dataclass
class _Prepared:
    input_ids: list[int]
    gen_config: Any  # lmdeploy.GenerationConfig
    adapter: str | None
    top_n: int | None
    stops: list[str]


@dataclass
class _Result:
    """LMDeploy's pieces of one answer, added up (the shape :func:`lmdeploy_response` reads)."""

    text: str = ""
    input_token_len: int = 0
    generate_token_len: int = 0
    finish_reason: str | None = None
    token_ids: list[int] | None = None
    logprobs: list[dict[int, float]] | None = None

    def add(self, out: Any) -> None:
        """Add one ``GenOut`` (``response``: the new text; ``token_ids`` / ``logprobs``: the new
        tokens'; the token counts: totals so far). LMDeploy reports a failure as a piece whose
        text is the error message; that is raised instead of being answered."""
        if getattr(out, "finish_reason", None) == "error":
            raise RuntimeError(f"LMDeploy failed to answer: {getattr(out, 'response', '')}")
        self.text += getattr(out, "response", None) or ""
        self.input_token_len = int(getattr(out, "input_token_len", 0) or self.input_token_len)
        self.generate_token_len = int(getattr(out, "generate_token_len", 0) or self.generate_token_len)
        self.finish_reason = getattr(out, "finish_reason", None) or self.finish_reason
        self.token_ids = (self.token_ids or []) + list(getattr(out, "token_ids", None) or [])
        if getattr(out, "logprobs", None) is not None:
            self.logprobs = (self.logprobs or []) + list(out.logprobs)


class LmdeployEngine(LoopEngineMixin, InferEngine):
    """LMDeploy behind the engine contract (see the module docstring).

    ``options``: the spec's (``lmdeploy_backend``, ``tensor_parallel_size`` -> ``tp``,
    ``max_model_len`` -> ``session_len``, ``gpu_memory_utilization`` -> ``cache_max_entry_count``,
    ``max_num_seqs`` -> ``max_batch_size``, ``enable_lora``) and the core's ``torch_dtype`` and
    ``max_length``. ``engine_kwargs`` go to the backend config as they are.
    """

    def __init__(self, spec: Any, model_dir: str, template: Any, options: dict[str, Any] | None = None, *,
                 tokenizer: Any = None, engine_kwargs: dict[str, Any] | None = None):
        super().__init__(spec, model_dir, template, options)
        try:
            import lmdeploy
        except ImportError as exc:
            raise SwiftkitError(missing_library("lmdeploy", "lmdeploy", gpu=True) + f" ({exc})") from exc
        self._lmdeploy = lmdeploy
        backend = option_value(self.options, spec, "lmdeploy_backend", "auto")
        if backend not in ("auto", "turbomind", "pytorch"):
            raise ConfigError(f"lmdeploy_backend {backend!r}: expected auto, turbomind or pytorch")
        self.backend = backend
        self.engine_kwargs = dict(engine_kwargs or {})
        if tokenizer is None:
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.tokenizer = tokenizer
        self.stop_words = [w for w in (getattr(template, "stop_words", None) or []) if w]
        self.stop_token_ids = single_token_ids(tokenizer, self.stop_words)
        self._start_lock = threading.Lock()
        self._loop: LoopThread | None = None
        self.pipe: Any = None  # lmdeploy Pipeline
        self.async_engine: Any = None  # its AsyncEngine (generate())

    # ----------------------------------------------------------------------------- starting

    def backend_config(self) -> Any:
        """The ``TurbomindEngineConfig`` or ``PytorchEngineConfig`` the pipeline is built with."""
        from lmdeploy import PytorchEngineConfig, TurbomindEngineConfig

        opts, spec = self.options, self.spec
        enable_lora = opts.get("enable_lora")
        lora = bool(self.adapters) if enable_lora is None else bool(enable_lora)
        backend = self.backend
        if backend == "auto":
            backend = "pytorch" if lora else "turbomind"
        if lora and backend != "pytorch":
            raise ConfigError("lmdeploy serves LoRA adapters with its PyTorch backend only: use --lmdeploy_backend pytorch")
        kwargs: dict[str, Any] = {"tp": int(option_value(opts, spec, "tensor_parallel_size", 1))}
        dtype = opts.get("torch_dtype") or "auto"
        if dtype != "auto":
            if dtype == "float32":
                raise ConfigError("lmdeploy runs float16 or bfloat16 weights, not float32: pass --torch_dtype "
                                  "bfloat16 (or auto)")
            kwargs["dtype"] = dtype
        max_len = opts.get("max_model_len") or opts.get("max_length")
        if max_len:
            kwargs["session_len"] = int(max_len)
        if opts.get("gpu_memory_utilization") is not None:
            kwargs["cache_max_entry_count"] = float(opts["gpu_memory_utilization"])
        if opts.get("max_num_seqs") is not None:
            kwargs["max_batch_size"] = int(opts["max_num_seqs"])
        # ms-swift's lmdeploy_* flags win over the shared serving keys
        for flag, arg in (("lmdeploy_tp", "tp"), ("lmdeploy_session_len", "session_len"),
                          ("lmdeploy_cache_max_entry_count", "cache_max_entry_count")):
            if opts.get(flag) is not None:
                kwargs[arg] = opts[flag]
        if opts.get("lmdeploy_quant_policy"):
            kwargs["quant_policy"] = int(opts["lmdeploy_quant_policy"])
        if backend == "pytorch" and self.adapters:
            kwargs["adapters"] = {name: os.path.abspath(path) for name, path in self.adapters.items()}
        kwargs.update(self.engine_kwargs)
        return (PytorchEngineConfig if backend == "pytorch" else TurbomindEngineConfig)(**kwargs)

    def warm_up(self) -> None:
        """Start LMDeploy before the server reports ready (see :meth:`start`)."""
        self.start()

    def start(self) -> None:
        """Build the pipeline now (the first request does otherwise)."""
        self._ensure_started()

    def _ensure_started(self) -> LoopThread:
        with self._start_lock:
            if self._loop is None:
                extra: dict[str, Any] = {}
                if self.options.get("lmdeploy_vision_batch_size") is not None:
                    extra["vision_config"] = self._lmdeploy.VisionConfig(
                        max_batch_size=int(self.options["lmdeploy_vision_batch_size"]))
                pipe = self._lmdeploy.pipeline(self.model_dir, backend_config=self.backend_config(), log_level="ERROR",
                                               **extra)
                # LMDeploy >= 0.10 wraps the AsyncEngine in a Pipeline; older pipeline() returned it
                self.async_engine = getattr(pipe, "async_engine", pipe)
                self.pipe = pipe
                self._loop = LoopThread(loop=pipe.internal_thread.loop)
            return self._loop

    # ----------------------------------------------------------------------------- adapters

    def add_adapter(self, name: str, path: str) -> None:
        """Serve the LoRA adapter in ``path`` as ``name``. LMDeploy takes adapters only when its
        pipeline is built, so this must come before the first request."""
        if not os.path.isfile(os.path.join(path, ADAPTER_FILE)):
            raise ConfigError(f"adapter {name!r}: {path} holds no {ADAPTER_FILE} (not a LoRA/peft adapter folder)")
        if self._loop is not None:
            raise ConfigError(f"adapter {name!r}: lmdeploy loads adapters when its pipeline is built; "
                              "add every adapter before the first request")
        self.adapters[name] = path

    # ----------------------------------------------------------------------------- requests

    def _prepare(self, request: Request) -> _Prepared:
        if request.adapter is not None and request.adapter not in self.adapters:
            served = ", ".join(sorted(self.adapters)) or "none"
            raise ValueError(f"adapter {request.adapter!r} is not served (served: {served})")
        stops = stop_strings(self.stop_words, request.sampling)
        kwargs = lmdeploy_generation_kwargs(request.sampling, stops, self.stop_token_ids)
        return _Prepared(
            input_ids=list(self.tokenizer(self.render(request), add_special_tokens=False)["input_ids"]),
            gen_config=self._lmdeploy.GenerationConfig(**kwargs),
            adapter=request.adapter,
            top_n=logprobs_count(request.sampling),
            stops=stops,
        )

    def _decode_token(self, token_id: int) -> str:
        return self.tokenizer.decode([int(token_id)])

    def _outputs(self, job: _Prepared) -> AsyncIterator[Any]:
        return self.async_engine.generate(
            None,
            next(_session_ids),
            gen_config=job.gen_config,
            input_ids=job.input_ids,
            stream_response=True,
            sequence_start=True,
            sequence_end=True,
            do_preprocess=False,
            adapter_name=job.adapter,
        )

    async def _final(self, request: Request) -> ChatResponse:
        job = self._prepare(request)
        result = _Result()
        outputs = self._outputs(job)
        try:
            async for out in outputs:
                result.add(out)
                if job.stops and cut_at_stop(result.text, job.stops)[1]:
                    break  # LMDeploy matches stop words as tokens only; a stop string ends it here
        finally:
            await outputs.aclose()  # cancels the session when the answer is not finished
        return lmdeploy_response(result, job.top_n, job.stops, self._decode_token)

    async def _chunks(self, request: Request) -> AsyncIterator[StreamChunk]:
        job = self._prepare(request)
        result = _Result()
        assembler = StreamAssembler(job.stops, cumulative=False)
        outputs = self._outputs(job)
        try:
            async for out in outputs:
                result.add(out)
                logprobs = None
                if job.top_n is not None and getattr(out, "logprobs", None) is not None:
                    logprobs = lmdeploy_logprobs(list(out.token_ids or []), out.logprobs, job.top_n, self._decode_token)
                chunk = assembler.feed(getattr(out, "response", None) or "", logprobs, logprobs_cumulative=False)
                if chunk is not None and (chunk.delta or chunk.logprobs):
                    yield chunk
                if assembler.stopped or result.finish_reason is not None:
                    break
        finally:
            await outputs.aclose()
        yield assembler.finish(lmdeploy_response(result, None, job.stops))

    def close(self) -> None:
        """Close the pipeline (its engine and its event-loop thread)."""
        pipe = self.pipe
        self.pipe = self.async_engine = self._loop = None
        if pipe is not None and hasattr(pipe, "close"):
            pipe.close()
