"""The ``pt`` engine: batched chat inference with transformers ``generate()``.

Each request is prepared into a :class:`_Job` (prompt ids, stop strings, token budget); jobs
that can share a ``generate()`` call (same adapter and sampling settings) are decoded together
with left padding by :meth:`PtEngine.run_batch`. A per-row stopping criterion ends each row at
its own token budget, at an end-of-turn token, or at a stop string, and the finished text is
cut in one place (:meth:`PtEngine._complete`) for batched and streamed answers alike, so the two
always agree. A serving layer adds dynamic batching by collecting jobs from a queue and
calling ``run_batch``.

torch, transformers and peft are imported inside the methods only.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from swiftkit.core.engines.interface import ChatRequest, ChatResponse, InferEngine

_END = object()  # end-of-stream marker on a streaming queue


@dataclass
class _Job:
    """One request, ready to decode."""

    request: ChatRequest
    prompt_ids: list[int]
    stops: list[str]
    max_new: int

    @property
    def do_sample(self) -> bool:
        return self.request.sampling.temperature > 0

    def batch_key(self) -> tuple:
        """Jobs with equal keys can share one ``generate()`` call."""
        s = self.request.sampling
        if not self.do_sample:
            return (self.request.adapter, False)
        return (self.request.adapter, True, s.temperature, s.top_p, s.top_k, s.seed)


@cache
def _row_stopper_class() -> type:
    import torch
    from transformers import StoppingCriteria

    class RowStopper(StoppingCriteria):
        """Ends each row of a batch on its own: token budget, end-of-turn token, stop string,
        or cancellation. Records the number of generated tokens at which each row ended."""

        def __init__(
            self, engine: PtEngine, jobs: Sequence[_Job], prompt_len: int, cancel: threading.Event | None
        ):
            self.engine = engine
            self.jobs = list(jobs)
            self.prompt_len = prompt_len
            self.cancel = cancel
            self.finished_at: list[int | None] = [None] * len(self.jobs)
            self._checked_chars = [0] * len(self.jobs)

        def _hits_stop(self, i: int, tokens: list[int]) -> bool:
            stops = self.jobs[i].stops
            text = self.engine.decode(tokens)
            start = max(0, self._checked_chars[i] - max(len(s) for s in stops))
            self._checked_chars[i] = len(text)
            return any(text.find(s, start) >= 0 for s in stops)

        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            n = input_ids.shape[1] - self.prompt_len
            cancelled = self.cancel is not None and self.cancel.is_set()
            last = input_ids[:, -1].tolist()
            done = []
            for i, job in enumerate(self.jobs):
                if self.finished_at[i] is None and (
                    cancelled
                    or n >= job.max_new
                    or last[i] in self.engine.eos_token_ids
                    or (job.stops and self._hits_stop(i, input_ids[i, self.prompt_len :].tolist()))
                ):
                    self.finished_at[i] = n
                done.append(self.finished_at[i] is not None)
            return torch.tensor(done, dtype=torch.bool, device=input_ids.device)

    return RowStopper


@cache
def _queue_streamer_class() -> type:
    from transformers.generation.streamers import BaseStreamer

    class QueueStreamer(BaseStreamer):
        """Hands each new token id of a one-row ``generate()`` to a queue (the prompt is skipped)."""

        def __init__(self, q: queue.Queue):
            self.q = q
            self.prompt_seen = False

        def put(self, value: Any) -> None:
            if not self.prompt_seen:
                self.prompt_seen = True
                return
            self.q.put(value.reshape(-1).tolist())

        def end(self) -> None:
            self.q.put(_END)

    return QueueStreamer


def _held_back(text: str, stops: Sequence[str]) -> int:
    """How many trailing characters of ``text`` must not be streamed yet: an incomplete
    character, or the start of a stop string that the next tokens may complete."""
    hold = 0
    for stop in stops:
        for k in range(min(len(stop) - 1, len(text)), 0, -1):
            if text.endswith(stop[:k]):
                hold = max(hold, k)
                break
    tail = len(text) - len(text.rstrip("\ufffd"))
    return max(hold, tail)


class PtEngine(InferEngine):
    """Inference with the model's own PyTorch code (any transformers causal LM).

    Created as ``PtEngine(spec, model_dir, template, options)``. ``model`` and ``tokenizer``
    may be passed to serve objects already in memory (a model just trained); otherwise they
    are loaded from ``model_dir``. ``template`` renders the prompts; ``None`` falls back to the
    tokenizer's own ``chat_template``. A request's ``adapter`` names a folder holding a peft
    adapter; it is loaded on first use and applied to that request only.

    ``options``: ``max_batch_size`` and ``device_map`` (the spec's own) and ``torch_dtype``
    (``auto`` / ``float32`` / ``float16`` / ``bfloat16``, a core run option passed through).
    """

    def __init__(
        self,
        spec: Any,
        model_dir: str,
        template: Any,
        options: dict[str, Any] | None = None,
        *,
        model: Any = None,
        tokenizer: Any = None,
    ):
        super().__init__(spec, model_dir, template, options)
        self.max_batch_size = int(self._option("max_batch_size", 16))
        if model is None or tokenizer is None:
            model, tokenizer = self._load(model, tokenizer)
        self.model = model.eval()
        self.tokenizer = tokenizer
        self._lock = threading.RLock()
        self._adapters: dict[str, str] = {}  # adapter folder -> peft adapter name
        self._default_adapter = self._active_adapter() if self._is_peft() else None
        self.eos_token_ids = self._collect_eos_ids()
        self.stop_words = [w for w in self._template_stop_words() if w]
        pad = tokenizer.pad_token_id
        if pad is None:
            pad = (
                tokenizer.eos_token_id
                if tokenizer.eos_token_id is not None
                else min(self.eos_token_ids, default=0)
            )
        self.pad_token_id = int(pad)

    # ----------------------------------------------------------------------------- loading

    def _option(self, key: str, fallback: Any) -> Any:
        value = self.options.get(key)
        if value is None:
            props = (getattr(self.spec, "options", None) or {}).get("properties", {})
            value = props.get(key, {}).get("default")
        return fallback if value is None else value

    def _load(self, model: Any, tokenizer: Any) -> tuple[Any, Any]:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if tokenizer is None:
            tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
        if model is None:
            dtype_name = self._option("torch_dtype", "auto")
            if dtype_name not in ("auto", "float32", "float16", "bfloat16"):
                raise ValueError(f"torch_dtype {dtype_name!r}: expected auto, float32, float16 or bfloat16")
            dtype = "auto" if dtype_name == "auto" else getattr(torch, dtype_name)
            device_map = self._option("device_map", None)
            if device_map is None:
                device_map = "cuda:0" if torch.cuda.is_available() else "cpu"
            model = AutoModelForCausalLM.from_pretrained(self.model_dir, dtype=dtype, device_map=device_map)
        return model, tokenizer

    def _is_peft(self) -> bool:
        try:
            from peft import PeftModel
        except ImportError:
            return False
        return isinstance(self.model, PeftModel)

    def _active_adapter(self) -> str | None:
        active = getattr(self.model, "active_adapter", None)
        return active[0] if isinstance(active, (list, tuple)) else active

    def _collect_eos_ids(self) -> set[int]:
        ids: set[int] = set()
        candidates = [self.tokenizer.eos_token_id]
        gen_cfg = getattr(self.model, "generation_config", None)
        eos = getattr(gen_cfg, "eos_token_id", None)
        candidates.extend(eos if isinstance(eos, (list, tuple)) else [eos])
        ids.update(int(i) for i in candidates if i is not None)
        for word in self._template_stop_words():
            token_ids = self.tokenizer(word, add_special_tokens=False)["input_ids"]
            if len(token_ids) == 1:  # an end-of-turn token: stop on the id itself
                ids.add(int(token_ids[0]))
        return ids

    def _template_stop_words(self) -> list[str]:
        return list(getattr(self.template, "stop_words", None) or [])

    # ----------------------------------------------------------------------------- helpers

    @property
    def device(self) -> Any:
        return self.model.device

    def decode(self, tokens: Sequence[int]) -> str:
        return self.tokenizer.decode(list(tokens), skip_special_tokens=True)

    def render(self, messages: list[dict[str, Any]]) -> str:
        if self.template is None:
            return self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return self.template.render(messages, add_generation_prompt=True)

    def prepare(self, request: ChatRequest) -> _Job:
        """Render and tokenize one request (special tokens are part of the template text)."""
        s = request.sampling
        if s.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {s.max_tokens}")
        if s.temperature < 0:
            raise ValueError(f"temperature must not be negative, got {s.temperature}")
        prompt_ids = list(
            self.tokenizer(self.render(request.messages), add_special_tokens=False)["input_ids"]
        )
        stops = list(dict.fromkeys([*self.stop_words, *(x for x in s.stop if x)]))
        return _Job(request=request, prompt_ids=prompt_ids, stops=stops, max_new=int(s.max_tokens))

    def _complete(self, job: _Job, tokens: Sequence[int]) -> tuple[ChatResponse, bool]:
        """Cut generated ``tokens`` at the first end-of-turn token or stop string, or at the
        budget. Returns the response and whether the answer is finished."""
        tokens = list(tokens)[: job.max_new]
        reason = None
        body = tokens
        for k, tok in enumerate(tokens):
            if tok in self.eos_token_ids:
                body, tokens, reason = tokens[:k], tokens[: k + 1], "stop"
                break
        text = self.decode(body)
        cuts = [i for i in (text.find(s) for s in job.stops) if i >= 0]
        if cuts:
            text, reason = text[: min(cuts)], "stop"
        elif reason is None and len(tokens) >= job.max_new:
            reason = "length"
        response = ChatResponse(
            text=text,
            finish_reason=reason or "length",
            prompt_tokens=len(job.prompt_ids),
            completion_tokens=len(tokens),
        )
        return response, reason is not None

    def _generation_config(self, job: _Job, max_new: int) -> Any:
        from transformers import GenerationConfig

        s = job.request.sampling
        # Every knob that changes the answer is set explicitly: an unset one would be taken
        # from the checkpoint's generation_config.json (a repetition penalty, top_k ...).
        kwargs: dict[str, Any] = {
            "max_new_tokens": max_new,
            "min_new_tokens": 0,
            "do_sample": job.do_sample,
            "num_beams": 1,
            "repetition_penalty": 1.0,
            "no_repeat_ngram_size": 0,
            "eos_token_id": sorted(self.eos_token_ids),
            "pad_token_id": self.pad_token_id,
        }
        if job.do_sample:  # sampling knobs only when sampling (greedy ignores them, and warns)
            kwargs.update(
                temperature=float(s.temperature),
                top_p=float(s.top_p),
                top_k=int(s.top_k),  # 0: no top-k filter
                min_p=0.0,
                typical_p=1.0,
                epsilon_cutoff=0.0,
                eta_cutoff=0.0,
            )
        return GenerationConfig(**kwargs)

    def _load_adapter(self, path: str) -> str:
        if path in self._adapters:
            return self._adapters[path]
        import os

        from peft import PeftModel

        if not os.path.isfile(os.path.join(path, "adapter_config.json")):
            raise ValueError(f"adapter {path!r}: no adapter_config.json there (not a peft adapter folder)")
        name = f"adapter_{len(self._adapters) + 1}"
        if self._is_peft():
            self.model.load_adapter(path, adapter_name=name, is_trainable=False)
        else:
            self.model = PeftModel.from_pretrained(self.model, path, adapter_name=name, is_trainable=False)
        self.model.eval()
        self._adapters[path] = name
        return name

    @contextlib.contextmanager
    def _use_adapter(self, adapter: str | None) -> Iterator[None]:
        if adapter is not None:
            name = self._load_adapter(adapter)  # may wrap self.model in a PeftModel
            self.model.set_adapter(name)
            yield
        elif self._default_adapter is not None:
            self.model.set_adapter(self._default_adapter)
            yield
        elif self._is_peft():
            with self.model.disable_adapter():
                yield
        else:
            yield

    # ----------------------------------------------------------------------------- decoding

    def _generate(
        self, jobs: Sequence[_Job], *, streamer: Any = None, cancel: threading.Event | None = None
    ) -> Any:
        """One ``generate()`` call over ``jobs`` (equal batch keys), left-padded. Returns the
        generated token rows (prompt removed) and the row stopper."""
        import torch
        from transformers import StoppingCriteriaList

        width = max(len(j.prompt_ids) for j in jobs)
        input_ids = torch.full((len(jobs), width), self.pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(jobs), width), dtype=torch.long)
        for i, job in enumerate(jobs):
            n = len(job.prompt_ids)
            input_ids[i, width - n :] = torch.as_tensor(job.prompt_ids, dtype=torch.long)
            attention_mask[i, width - n :] = 1
        stopper = _row_stopper_class()(self, jobs, width, cancel)
        config = self._generation_config(jobs[0], max(j.max_new for j in jobs))
        seed = jobs[0].request.sampling.seed if jobs[0].do_sample else None
        with self._lock, torch.inference_mode(), self._use_adapter(jobs[0].request.adapter):
            device = self.device
            rng_devices = [device] if device.type == "cuda" else []
            with torch.random.fork_rng(devices=rng_devices, enabled=seed is not None):
                if seed is not None:
                    torch.manual_seed(int(seed))
                out = self.model.generate(
                    input_ids=input_ids.to(device),
                    attention_mask=attention_mask.to(device),
                    generation_config=config,
                    stopping_criteria=StoppingCriteriaList([stopper]),
                    streamer=streamer,
                )
        return out[:, width:].tolist(), stopper

    def run_batch(self, jobs: Sequence[_Job]) -> list[ChatResponse]:
        """Decode jobs that share a batch key in one ``generate()`` call."""
        rows, stopper = self._generate(jobs)
        responses = []
        for i, job in enumerate(jobs):
            end = stopper.finished_at[i]
            responses.append(self._complete(job, rows[i] if end is None else rows[i][:end])[0])
        return responses

    def infer(self, requests: list[ChatRequest]) -> list[ChatResponse]:
        jobs = [self.prepare(r) for r in requests]
        groups: dict[tuple, list[int]] = {}
        for i, job in enumerate(jobs):
            groups.setdefault(job.batch_key(), []).append(i)
        results: list[ChatResponse | None] = [None] * len(jobs)
        for indices in groups.values():
            for start in range(0, len(indices), self.max_batch_size):
                chunk = indices[start : start + self.max_batch_size]
                for i, response in zip(chunk, self.run_batch([jobs[i] for i in chunk]), strict=True):
                    results[i] = response
        return results  # type: ignore[return-value]

    def stream_events(self, request: ChatRequest) -> Iterator[tuple[str, ChatResponse | None]]:
        """Yield ``(text_delta, None)`` while decoding, then ``(last_delta, response)`` once:
        the deltas join to ``response.text``, which equals what :meth:`infer` answers."""
        job = self.prepare(request)
        q: queue.Queue = queue.Queue()
        cancel = threading.Event()
        streamer = _queue_streamer_class()(q)

        def work() -> None:
            try:
                self._generate([job], streamer=streamer, cancel=cancel)
            except BaseException as exc:  # handed to the consumer, re-raised there
                q.put(exc)

        thread = threading.Thread(target=work, name="swiftkit-pt-stream", daemon=True)
        thread.start()
        tokens: list[int] = []
        emitted = 0
        try:
            while True:
                item = q.get()
                if item is _END:
                    break
                if isinstance(item, BaseException):
                    raise item
                tokens.extend(item)
                response, finished = self._complete(job, tokens)
                if finished:
                    cancel.set()
                    yield response.text[emitted:], response
                    return
                safe = len(response.text) - _held_back(response.text, job.stops)
                if safe > emitted:
                    yield response.text[emitted:safe], None
                    emitted = safe
            response, _ = self._complete(job, tokens)
            yield response.text[emitted:], response
        finally:
            cancel.set()
            thread.join()

    def stream(self, request: ChatRequest) -> Iterator[str]:
        for delta, _ in self.stream_events(request):
            if delta:
                yield delta
