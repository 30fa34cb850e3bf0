"""The ``sglang`` engine: swiftkit's engine contract over SGLang's offline engine
(``sglang.Engine``, its ``async_generate``).

Loading: the library reads the model folder itself (the default ``InferEngine.create`` hands
over ``model_dir``), so the family's swiftkit loader is not used: a family served here must be
a folder the library reads (an architecture it supports or one registered with it). A
checkpoint only its tuner can read (``freeze``'s trained weights) is refused with the way out,
``swift export --model CHECKPOINT``, which writes the complete model.

``sglang.Engine`` binds itself to the event loop of the thread that creates it (its sync
``generate`` runs that loop). The engine is therefore created on a thread of its own, whose
loop then runs for good (:class:`~swiftkit.plugins.engines._bridge.LoopThread`), and every
request goes through ``Engine.async_generate`` on that loop: ``infer`` sends its requests
together (SGLang's scheduler batches them), ``stream``/``stream_async`` iterate its streaming
generator, and a closed stream aborts its request (``tokenizer_manager.abort_request``).

The engine starts on the first request (or :meth:`SglangEngine.start`), so that adapters added
right after creation (``swift infer --adapters``) are loaded with it (``lora_paths``); later ones
are loaded through SGLang's dynamic LoRA loading. A request names its adapter by the served name
(SGLang's ``lora_path`` argument takes the name).

Prompts are the template's render, tokenized here without added special tokens and sent as
``input_ids`` (as the ``pt`` engine does). SGLang is imported in ``__init__`` only; it needs an
NVIDIA GPU.
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
    logprobs_count,
    missing_library,
    sglang_logprobs,
    sglang_response,
    sglang_sampling_params,
    single_token_ids,
    stop_strings,
)

ADAPTER_FILE = "adapter_config.json"
_suffix = itertools.count(1)


@dataclass
class _Prepared:
    rid: str
    input_ids: list[int]
    params: dict[str, Any]
    lora: str | None
    top_n: int | None
    stops: list[str]


class SglangEngine(LoopEngineMixin, InferEngine):
    """SGLang behind the engine contract (see the module docstring).

    ``options``: the spec's (``gpu_memory_utilization`` -> ``mem_fraction_static``,
    ``tensor_parallel_size`` -> ``tp_size``, ``max_model_len`` -> ``context_length``,
    ``max_num_seqs`` -> ``max_running_requests``, ``enable_lora``, ``max_lora_rank``) and the
    core's ``torch_dtype`` and ``max_length``. ``engine_kwargs`` go to ``sglang.Engine`` as they are.
    """

    def __init__(self, spec: Any, model_dir: str, template: Any, options: dict[str, Any] | None = None, *,
                 tokenizer: Any = None, engine_kwargs: dict[str, Any] | None = None):
        super().__init__(spec, model_dir, template, options)
        try:
            import sglang
        except ImportError as exc:
            raise SwiftkitError(missing_library("sglang", "sglang", gpu=True) + f" ({exc})") from exc
        self._sglang = sglang
        self.engine_kwargs = dict(engine_kwargs or {})
        if tokenizer is None:
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.tokenizer = tokenizer
        self.stop_words = [w for w in (getattr(template, "stop_words", None) or []) if w]
        self.stop_token_ids = single_token_ids(tokenizer, self.stop_words)
        self._start_lock = threading.Lock()
        self._loop: LoopThread | None = None
        self.engine: Any = None  # sglang.Engine
        self.lora_enabled = False

    # ----------------------------------------------------------------------------- starting

    def engine_args(self) -> dict[str, Any]:
        """The keyword arguments of ``sglang.Engine`` (its ``ServerArgs``)."""
        opts, spec = self.options, self.spec
        kwargs: dict[str, Any] = {
            "model_path": self.model_dir,
            "tokenizer_path": self.model_dir,
            "dtype": opts.get("torch_dtype") or "auto",
            "tp_size": int(option_value(opts, spec, "tensor_parallel_size", 1)),
            "log_level": "error",
        }
        if opts.get("gpu_memory_utilization") is not None:
            kwargs["mem_fraction_static"] = float(opts["gpu_memory_utilization"])
        if opts.get("max_num_seqs") is not None:
            kwargs["max_running_requests"] = int(opts["max_num_seqs"])
        max_len = opts.get("max_model_len") or opts.get("max_length")
        if max_len:
            kwargs["context_length"] = int(max_len)
        enable_lora = opts.get("enable_lora")
        if enable_lora is None:
            enable_lora = bool(self.adapters)
        if enable_lora:
            kwargs["enable_lora"] = True
            if self.adapters:
                kwargs["lora_paths"] = [f"{name}={os.path.abspath(path)}" for name, path in self.adapters.items()]
            if opts.get("max_lora_rank"):
                kwargs["max_lora_rank"] = int(opts["max_lora_rank"])
        from swiftkit.plugins.engines.sglang import SGLANG_FLAGS

        for flag, arg in SGLANG_FLAGS.items():  # ms-swift's sglang_* flags, over the shared serving keys
            value = opts.get(flag)
            if value is None or (arg == "enable_ep_moe" and not value):
                continue
            kwargs[arg] = value
        kwargs.update(self.engine_kwargs)
        return kwargs

    def warm_up(self) -> None:
        """Start SGLang before the server reports ready (see :meth:`start`)."""
        self.start()

    def start(self) -> None:
        """Start SGLang now (the first request does otherwise)."""
        self._ensure_started()

    def _ensure_started(self) -> LoopThread:
        with self._start_lock:
            if self._loop is None:
                kwargs = self.engine_args()

                def setup() -> tuple[Any, Any]:
                    engine = self._sglang.Engine(**kwargs)  # binds itself to a loop it makes here
                    return engine, getattr(engine, "loop", None)

                loop = LoopThread("swiftkit-sglang", setup=setup)
                self.engine = loop.value
                self.lora_enabled = bool(kwargs.get("enable_lora"))
                self._loop = loop
            return self._loop

    # ----------------------------------------------------------------------------- adapters

    def add_adapter(self, name: str, path: str) -> None:
        """Serve the LoRA adapter in ``path`` as ``name``: loaded at the start, or at once
        through SGLang's dynamic loading when the engine runs with LoRA on."""
        if not os.path.isfile(os.path.join(path, ADAPTER_FILE)):
            raise ConfigError(f"adapter {name!r}: {path} holds no {ADAPTER_FILE} (not a LoRA/peft adapter folder)")
        if self._loop is not None:
            if not self.lora_enabled:
                raise ConfigError(f"adapter {name!r}: the sglang engine was started without LoRA; start it with "
                                  "--enable_lora true, or add adapters before the first request")
            from sglang.srt.managers.io_struct import LoadLoRAAdapterReqInput

            request = LoadLoRAAdapterReqInput(lora_name=name, lora_path=os.path.abspath(path))
            result = self._loop.run(self.engine.tokenizer_manager.load_lora_adapter(request, None))
            if getattr(result, "success", True) is False:
                raise SwiftkitError(f"adapter {name!r}: SGLang could not load {path}: "
                                    f"{getattr(result, 'error_message', result)}")
        self.adapters[name] = path

    def _lora_name(self, adapter: str | None) -> str | None:
        if adapter is None:
            return None
        if adapter not in self.adapters:
            if os.path.isfile(os.path.join(adapter, ADAPTER_FILE)):
                self.add_adapter(adapter, adapter)
            else:
                served = ", ".join(sorted(self.adapters)) or "none"
                raise ValueError(f"adapter {adapter!r} is not served (served: {served}) and is not an adapter folder")
        return adapter

    # ----------------------------------------------------------------------------- requests

    def _prepare(self, request: Request) -> _Prepared:
        stops = stop_strings(self.stop_words, request.sampling)
        return _Prepared(
            rid=f"{request.request_id}-{next(_suffix)}",
            input_ids=list(self.tokenizer(self.render(request), add_special_tokens=False)["input_ids"]),
            params=sglang_sampling_params(request.sampling, stops, self.stop_token_ids),
            lora=self._lora_name(request.adapter),
            top_n=logprobs_count(request.sampling),
            stops=stops,
        )

    def _decode_token(self, token_id: int) -> str:
        return self.tokenizer.decode([int(token_id)])

    async def _generate(self, job: _Prepared, stream: bool) -> Any:
        kwargs: dict[str, Any] = {
            "input_ids": job.input_ids,
            "sampling_params": job.params,
            "stream": stream,
            "rid": job.rid,
        }
        if job.lora is not None:
            kwargs["lora_path"] = job.lora
        if job.top_n is not None:
            kwargs.update(return_logprob=True, top_logprobs_num=job.top_n)
        return await self.engine.async_generate(**kwargs)

    def _abort(self, rid: str) -> None:
        manager = getattr(self.engine, "tokenizer_manager", None)
        abort = getattr(manager, "abort_request", None)
        if abort is not None:
            abort(rid)

    async def _final(self, request: Request) -> ChatResponse:
        job = self._prepare(request)
        finished = False
        try:
            output = await self._generate(job, stream=False)
            finished = True
        finally:
            if not finished:
                self._abort(job.rid)
        return sglang_response(output, job.top_n, job.stops, self._decode_token)

    async def _chunks(self, request: Request) -> AsyncIterator[StreamChunk]:
        job = self._prepare(request)
        assembler = StreamAssembler(job.stops)
        finished = False
        last: Any = None
        try:
            async for output in await self._generate(job, stream=True):
                last = output
                meta = output.get("meta_info") or {}
                logprobs = None
                if job.top_n is not None:
                    logprobs = sglang_logprobs(meta, job.top_n, self._decode_token)
                # SGLang streams the whole answer so far (unless incremental streaming is on)
                cumulative = logprobs is not None and len(logprobs) >= int(meta.get("completion_tokens") or 0)
                chunk = assembler.feed(output.get("text") or "", logprobs, logprobs_cumulative=cumulative)
                if meta.get("finish_reason") is not None or assembler.stopped:
                    finished = meta.get("finish_reason") is not None
                    if chunk is not None and (chunk.delta or chunk.logprobs):
                        yield chunk
                    break
                if chunk is not None:
                    yield chunk
            if last is None:
                raise RuntimeError(f"SGLang returned nothing for request {job.rid}")
            final = sglang_response({**last, "text": assembler.text}, None, job.stops)
            yield assembler.finish(final)
        finally:
            if not finished:
                self._abort(job.rid)

    def close(self) -> None:
        """Shut SGLang's scheduler and detokenizer processes down."""
        engine, loop = self.engine, self._loop
        self.engine, self._loop = None, None
        if engine is not None:
            try:
                engine.shutdown()
            finally:
                if loop is not None:
                    loop.close()
