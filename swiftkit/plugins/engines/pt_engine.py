"""The ``pt`` engine: the model's own PyTorch code with continuous batching.

Every request, synchronous or not, becomes a :class:`~swiftkit.plugins.engines.pt_batch.Row`
handed to one background scheduler thread (:class:`~swiftkit.plugins.engines.pt_batch.Scheduler`)
that owns the model: requests arriving together (within ``batch_wait_ms``, up to
``max_batch_size``) start a batch, each row ending at its own end-of-turn token, stop string or
``max_tokens``, and streaming its own deltas. ``infer(requests)`` submits all its requests at
once, so they share batches too.

Continuous batching (option ``continuous_batching``, default on): the batch is decoded step by
step (:mod:`~swiftkit.plugins.engines.pt_continuous`); requests that arrive while it decodes are
prefilled and join it at the next step, and a row leaves it the step it ends, so a new request
does not wait for a running batch to finish. A running batch serves one adapter (or the base
model); a request for another waits for the next batch. Where continuous batching cannot
apply (rows with media, several adapters or one not loaded yet, a multimodal template, a model
whose cache has sliding-window or hybrid layers, or the option off) a batch is one left-padded
``generate()`` call (several LoRA adapters mixed through peft's ``adapter_names``) and requests
arriving meanwhile wait for the next batch.

Per-row sampling: ``generate()`` runs greedy, and a logits processor picks each row's token
itself (greedy, or temperature / top-k / top-p with the row's own seeded random stream), so
requests with different sampling settings share a batch and a seeded request gives the same
answer alone or batched. Log-probabilities are those of the raw distribution (before
temperature and filtering), like vLLM's default.

LoRA adapters: ``add_adapter(name, path)`` loads an adapter into one ``PeftModel`` under an
internal name; a request's ``adapter`` is a served name or a folder (loaded on first use and
then served under that string). Rows for different LoRA adapters (and the base model) share a
batch through peft's mixed-batch ``adapter_names``; adapters that cannot mix (DoRA, non-LoRA)
are batched per adapter.

Greedy answers do not depend on the batch: left padding with an attention mask, position ids
from the mask (``generate`` derives them), so a row's tokens equal those of the same request
run alone (float noise from different matmul shapes can only matter at exact ties).

Media (a multimodal template, plugin API 1.4): a chat request's ``images`` / ``videos`` /
``audios`` are decoded when the request is prepared (in the caller's thread, never the
scheduler's; :mod:`swiftkit.plugins.engines._media`), encoded with
``template.encode_prompt_inputs(tokenizer, messages, media=...)`` (tags expanded, the model
inputs computed by the family's media processor), and the rows of a batch are collated with the
processor's ``collate`` over the left-padded ``input_ids``, so requests with different images
share a ``generate()`` call. The template's media options come from the engine's options
(``--max_pixels`` ..., else ``MAX_PIXELS`` ...) with the model folder's processor config. The
model itself is loaded by the family's loader (its ``AUTO_CLASS``, e.g.
``AutoModelForImageTextToText``).

torch, transformers and peft are imported inside the methods only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import queue
import threading
import weakref
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from swiftkit.core.engines.interface import (
    ChatResponse,
    CompletionRequest,
    InferEngine,
    ModelSource,
    Request,
    StreamChunk,
    TokenLogprob,
)
from swiftkit.core.options import option_value
from swiftkit.core.templates.media import count_tags
from swiftkit.plugins.engines._media import has_media, media_options, request_media
from swiftkit.plugins.engines.pt_batch import Abandoned, BatchHooks, Row, Scheduler, hook_classes


def _prompt_key(request: Request) -> Any:
    """What a media-free request's prompt ids depend on (its kind, messages or prompt, prefill),
    as a hashable value; ``None`` when it cannot be told (then it is encoded on its own)."""
    if isinstance(request, CompletionRequest):
        return ("completion", request.prompt)
    try:
        return ("chat", json.dumps(request.messages, sort_keys=True), request.prefill)
    except (TypeError, ValueError):  # something that is not plain JSON in the messages
        return None


_MIX = "mixed"  # the scheduler group of rows that can share a batch whatever their adapter
_DTYPES = ("auto", "float32", "float16", "bfloat16")


class PtEngine(InferEngine):
    """Inference with the model's own PyTorch code (any transformers causal LM).

    Created by ``swift infer`` / ``deploy`` through :meth:`create`, which loads the model with
    the family's loader and the checkpoint's tuner (:meth:`ModelSource.load`); also created as
    ``PtEngine(spec, model_dir, template, options)``, which loads ``model_dir`` with the
    transformers auto classes. ``model`` and ``tokenizer`` may be passed to serve objects
    already in memory (a model just trained; a ``PeftModel`` answers requests without an
    adapter with its active adapter). ``template`` renders chat prompts (``None``: the tokenizer's own
    ``chat_template``).

    ``options``: ``max_batch_size``, ``batch_wait_ms`` and ``device_map`` (the spec's own),
    ``torch_dtype`` (``auto`` / ``float32`` / ``float16`` / ``bfloat16``) and ``max_length``
    (prompt + answer tokens; a longer prompt is refused, the answer budget is cut to fit), core
    run options passed through.

    ``continuous_batching`` (default true): see the module docstring.

    :attr:`stats` counts batches, rows and tokens and shows the rows decoding and waiting now.
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
        source: ModelSource | None = None,
    ):
        super().__init__(spec, model_dir, template, options)
        self._owns_model = model is None  # loaded here: close() frees its memory
        if source is not None and model is None:
            model, loaded_tokenizer = source.load(torch_dtype=self._dtype_name(), device_map=self._device_map(),
                                                  **self._max_memory())
            tokenizer = tokenizer if tokenizer is not None else loaded_tokenizer
        if model is None or tokenizer is None:
            model, tokenizer = self._load(model, tokenizer)
        self.model = model.eval()
        self.tokenizer = tokenizer
        if (
            template is not None
            and getattr(template, "requires_tokenizer", False)
            and template.tokenizer is None
        ):
            self.template = template.bind(tokenizer)
        if self.template is not None and self._multimodal() and self.template.media_options is None:
            folder = model_dir if isinstance(model_dir, str) and os.path.isdir(model_dir) else None
            self.template = self.template.configure(media_options=media_options(self.options, folder))
        max_length = self._option("max_length", None)
        self.max_length = int(max_length) if max_length is not None else None
        self._lock = threading.RLock()  # the model: generate() and adapter loading
        self._peft_names: dict[str, str] = {}  # adapter folder -> peft adapter name
        self._mixable: dict[str, bool] = {}  # adapter folder -> may share a batch with others
        self._mixing = True  # False once peft refused a mixed batch
        self._default_adapter = self._active_adapter() if self._is_peft() else None
        self._default_mixable = self._default_adapter is None or self._peft_mixable(self._default_adapter)
        self.eos_token_ids = frozenset(self._collect_eos_ids())
        self.stop_words = [w for w in self._template_stop_words() if w]
        pad = tokenizer.pad_token_id
        if pad is None:
            pad = (
                tokenizer.eos_token_id
                if tokenizer.eos_token_id is not None
                else min(self.eos_token_ids, default=0)
            )
        self.pad_token_id = int(pad)
        self._decode = self._decoder()
        self._token_texts: dict[int, str] = {}
        self._gen_counters = {"generate_calls": 0, "prefills": 0, "decode_steps": 0}
        self._continuous: bool | None = None  # decided on the first batch (_continuous_ok)
        self._closed = False
        self._running: BatchHooks | None = None  # the batch inside generate() now (scheduler thread)
        self._abort_handles = self._install_abort_hooks()
        self._scheduler = Scheduler(
            self._run_batch,
            self._group_of,
            max_batch_size=int(self._option("max_batch_size", 32)),
            wait_s=float(self._option("batch_wait_ms", 10)) / 1000.0,
        )

    def _install_abort_hooks(self) -> list[Any]:
        """A forward pre-hook on every block of the model's layer lists (the decoder layers of
        any transformers LM) that stops ``generate()`` once every row of the running batch was
        cancelled: a cancelled request does not hold the scheduler for the rest of a long
        prefill."""
        import torch

        ref = weakref.ref(self)

        def stop_if_abandoned(module: Any, args: Any) -> None:
            engine = ref()
            hooks = engine._running if engine is not None else None
            if hooks is not None and hooks.abandoned():
                raise Abandoned()

        return [
            block.register_forward_pre_hook(stop_if_abandoned)
            for layers in self.model.modules()
            if isinstance(layers, torch.nn.ModuleList)
            for block in layers
        ]

    # ----------------------------------------------------------------------------- loading

    @classmethod
    def create(cls, spec: Any, source: ModelSource, template: Any, options: dict[str, Any]) -> PtEngine:
        """The model and tokenizer come from ``source`` (the family's loader, then the
        checkpoint's tuner), so any family and any tuner's checkpoint is served as trained."""
        return cls(spec, source.model_dir, template, options, source=source)

    def _option(self, key: str, fallback: Any) -> Any:
        return option_value(self.options, self.spec, key, fallback)

    def _multimodal(self) -> bool:
        """Whether the template reads media (its spec names a media processor)."""
        return bool(getattr(getattr(self.template, "spec", None), "media", None))

    def _load(self, model: Any, tokenizer: Any) -> tuple[Any, Any]:
        """Without a :class:`ModelSource` (a folder given directly): transformers' auto class for
        the folder, ``AutoModelForImageTextToText`` for a multimodal template or a composite
        config (``vision_config`` / ``audio_config``), else ``AutoModelForCausalLM``."""
        import torch
        import transformers
        from transformers import AutoTokenizer

        if tokenizer is None:
            tokenizer = AutoTokenizer.from_pretrained(self.model_dir)
        if model is None:
            dtype_name = self._dtype_name()
            dtype = "auto" if dtype_name == "auto" else getattr(torch, dtype_name)
            auto = transformers.AutoModelForCausalLM
            if self._multimodal() or self._composite_config():
                auto = transformers.AutoModelForImageTextToText
            model = auto.from_pretrained(self.model_dir, dtype=dtype, device_map=self._device_map(),
                                         **self._max_memory())
        return model, tokenizer

    def _composite_config(self) -> bool:
        path = os.path.join(str(self.model_dir), "config.json")
        try:
            with open(path, encoding="utf-8") as fh:
                config = json.load(fh)
        except (OSError, ValueError):
            return False
        return any(key in config for key in ("vision_config", "audio_config"))

    def _dtype_name(self) -> str:
        dtype_name = self._option("torch_dtype", "auto")
        if dtype_name not in _DTYPES:
            raise ValueError(f"torch_dtype {dtype_name!r}: expected one of {', '.join(_DTYPES)}")
        return dtype_name

    def _device_map(self) -> Any:
        import torch

        device_map = self._option("device_map", None)
        if device_map is None:
            device_map = "cuda:0" if torch.cuda.is_available() else "cpu"
        return device_map

    def _max_memory(self) -> dict[str, Any]:
        """``{"max_memory": ...}`` for ``from_pretrained`` (``--max_memory``; GPU index keys as ints)."""
        limits = self._option("max_memory", None)
        if not limits:
            return {}
        if self._option("device_map", None) not in ("auto", "sequential", "balanced", "balanced_low_0"):
            raise ValueError("--max_memory applies to --device_map auto|sequential|balanced; give --device_map too")
        return {"max_memory": {(int(k) if str(k).isdigit() else k): v for k, v in limits.items()}}

    def _is_peft(self) -> bool:
        try:
            from peft import PeftModel
        except ImportError:
            return False
        return isinstance(self.model, PeftModel)

    def _hf_model(self) -> Any:
        """The transformers model (under a ``PeftModel`` wrapper, if any)."""
        return self.model.get_base_model() if self._is_peft() else self.model

    def _active_adapter(self) -> str | None:
        active = getattr(self.model, "active_adapter", None)
        return active[0] if isinstance(active, (list, tuple)) else active

    def _collect_eos_ids(self) -> set[int]:
        ids: set[int] = set()
        candidates = [self.tokenizer.eos_token_id]
        gen_cfg = getattr(self._hf_model(), "generation_config", None)
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

    def _decoder(self) -> Any:
        """``ids -> text`` without special tokens; the Rust decoder directly when that is what
        ``tokenizer.decode`` does anyway (it is called at every step of every row)."""
        backend = getattr(self.tokenizer, "_tokenizer", None)
        if (
            backend is not None
            and hasattr(backend, "decode")
            and not getattr(self.tokenizer, "clean_up_tokenization_spaces", False)
        ):
            return lambda ids: backend.decode(ids, skip_special_tokens=True)
        return lambda ids: self.tokenizer.decode(ids, skip_special_tokens=True)

    def _token_text(self, token: int) -> str:
        text = self._token_texts.get(token)
        if text is None:
            text = self._token_texts[token] = self.tokenizer.decode([token], skip_special_tokens=False)
        return text

    # ----------------------------------------------------------------------------- adapters

    @staticmethod
    def _adapter_folder(path: str) -> str:
        if not os.path.isfile(os.path.join(path, "adapter_config.json")):
            raise ValueError(f"adapter {path!r}: no adapter_config.json there (not a peft adapter folder)")
        return os.path.abspath(path)

    def _resolve_adapter(self, adapter: str | None) -> str | None:
        """A request's ``adapter`` (served name or folder) -> adapter folder, or ``None``."""
        if adapter is None:
            return None
        if adapter in self.adapters:
            return self.adapters[adapter]
        if os.path.isdir(adapter):
            return self._adapter_folder(adapter)
        served = ", ".join(sorted(self.adapters)) or "none"
        raise ValueError(f"unknown adapter {adapter!r}: not a served adapter ({served}) and not a folder")

    def _folder_mixable(self, folder: str) -> bool:
        """Whether rows for this adapter may share a batch with other adapters' rows (plain LoRA)."""
        if folder not in self._mixable:
            try:
                with open(os.path.join(folder, "adapter_config.json"), encoding="utf-8") as fh:
                    cfg = json.load(fh)
                self._mixable[folder] = str(cfg.get("peft_type", "")).upper() == "LORA" and not cfg.get(
                    "use_dora"
                )
            except (OSError, ValueError):
                self._mixable[folder] = False
        return self._mixable[folder]

    def _peft_mixable(self, name: str) -> bool:
        cfg = getattr(self.model, "peft_config", {}).get(name)
        peft_type = getattr(getattr(cfg, "peft_type", None), "value", getattr(cfg, "peft_type", ""))
        return str(peft_type).upper() == "LORA" and not getattr(cfg, "use_dora", False)

    def _peft_adapter(self, folder: str) -> str:
        """The peft adapter name of ``folder``, loading it first if needed (model lock held)."""
        name = self._peft_names.get(folder)
        if name is not None:
            return name
        from peft import PeftModel

        name = f"adapter_{len(self._peft_names) + 1}"
        if self._is_peft():
            self.model.load_adapter(folder, adapter_name=name, is_trainable=False)
        else:
            self.model = PeftModel.from_pretrained(self.model, folder, adapter_name=name, is_trainable=False)
        self.model.eval()
        self._peft_names[folder] = name
        return name

    def add_adapter(self, name: str, path: str) -> None:
        """Serve the peft adapter in ``path`` under ``name`` (loaded now; waits for a running batch)."""
        folder = self._adapter_folder(path)
        with self._lock:
            self._peft_adapter(folder)
        self.adapters = {**self.adapters, name: folder}

    def prompt_logprobs(self, prompt_ids: list[int], *, adapter: str | None = None,
                        top_logprobs: int = 0) -> list[TokenLogprob | None]:
        """One forward pass over ``prompt_ids`` (under the model lock, with the request's adapter)."""
        import torch

        if not prompt_ids:
            raise ValueError("the prompt is empty")
        if self.max_length is not None and len(prompt_ids) > self.max_length:
            raise ValueError(f"the prompt has {len(prompt_ids)} tokens; max_length is {self.max_length}")
        with self._lock:
            if self.model is None:
                raise RuntimeError("the pt engine is closed")
            folder = self._resolve_adapter(adapter)
            name = self._peft_adapter(folder) if folder is not None else self._default_adapter
            context, _ = self._adapter_kwargs([name])
            with torch.inference_mode(), context:
                ids = torch.as_tensor([prompt_ids], dtype=torch.long, device=self.model.device)
                logits = self.model(input_ids=ids).logits[0, :-1].float()
        logp = torch.log_softmax(logits, dim=-1)
        chosen = logp.gather(1, torch.as_tensor(prompt_ids[1:], dtype=torch.long, device=logp.device)[:, None])[:, 0]
        tops = logp.topk(top_logprobs, dim=-1) if top_logprobs else None
        out: list[TokenLogprob | None] = [None]
        for i, token in enumerate(prompt_ids[1:]):
            top = ([(self._token_text(int(j)), float(v)) for v, j in zip(tops.values[i].tolist(), tops.indices[i].tolist(),
                                                                          strict=True)] if tops is not None else [])
            out.append(TokenLogprob(self._token_text(int(token)), float(chosen[i]), top))
        return out

    # ----------------------------------------------------------------------------- requests

    def render(self, request: Request) -> str:
        if isinstance(request, CompletionRequest):
            return request.prompt
        if self.template is None:
            return self.tokenizer.apply_chat_template(
                request.messages, tokenize=False, add_generation_prompt=True
            ) + request.prefill
        return self.template.render(request.messages, add_generation_prompt=True) + request.prefill

    def prepare(self, request: Request, sink: Any = None, memo: dict[Any, list[int]] | None = None) -> Row:
        """Check, render and tokenize one request into a scheduler row. Chat prompts carry
        their special tokens in the template text; a completion prompt gets the tokenizer's
        usual special tokens (a BOS where the model has one). ``memo``: prompt ids of requests
        seen before (by their text, media-free only), shared by one call's requests."""
        s = request.sampling
        if s.max_tokens < 1:
            raise ValueError(f"max_tokens must be at least 1, got {s.max_tokens}")
        if s.temperature < 0:
            raise ValueError(f"temperature must not be negative, got {s.temperature}")
        if not 0 < s.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {s.top_p}")
        if s.top_k < 0:
            raise ValueError(f"top_k must not be negative (0: off), got {s.top_k}")
        if s.top_logprobs < 0:
            raise ValueError(f"top_logprobs must not be negative, got {s.top_logprobs}")
        if not 0 <= s.min_p <= 1:
            raise ValueError(f"min_p must be in [0, 1], got {s.min_p}")
        if not s.repetition_penalty > 0:
            raise ValueError(f"repetition_penalty must be positive (1.0: off), got {s.repetition_penalty}")
        completion = isinstance(request, CompletionRequest)
        media_inputs = None
        if not completion and (has_media(request) or (self._multimodal() and any(count_tags(request.messages).values()))):
            prompt_ids, media_inputs = self._encode_with_media(request)
        else:
            key = _prompt_key(request) if memo is not None else None
            if key is not None and key in memo:
                prompt_ids = list(memo[key])
            else:
                prompt_ids = list(self.tokenizer(self.render(request), add_special_tokens=completion)["input_ids"])
                if key is not None:
                    memo[key] = prompt_ids
        if not prompt_ids:
            raise ValueError("the prompt is empty")
        max_new = int(s.max_tokens)
        if self.max_length is not None:
            room = self.max_length - len(prompt_ids)
            if room < 1:
                raise ValueError(f"the prompt has {len(prompt_ids)} tokens; max_length is {self.max_length}")
            max_new = min(max_new, room)
        template_stops = [] if completion else self.stop_words
        stops = list(dict.fromkeys([*template_stops, *(x for x in s.stop if x)]))
        return Row(
            request=request,
            prompt_ids=prompt_ids,
            stops=stops,
            max_new=max_new,
            adapter=self._resolve_adapter(request.adapter),
            temperature=float(s.temperature),
            top_p=float(s.top_p),
            top_k=int(s.top_k),
            min_p=float(s.min_p),
            seed=s.seed,
            logprobs=bool(s.logprobs or s.top_logprobs),
            top_logprobs=int(s.top_logprobs),
            repetition_penalty=float(s.repetition_penalty),
            sink=sink,
            media_inputs=media_inputs or None,
        )

    def _encode_with_media(self, request: Request) -> tuple[list[int], dict[str, Any]]:
        """``(prompt ids, model inputs)`` of a chat request for a multimodal template, or of a
        request with media (a text template then refuses it, naming itself): the media decoded
        and expanded by the family's processor (``template.encode_prompt_inputs``)."""
        if self.template is None:
            raise ValueError("this engine renders with the tokenizer's chat template, which takes no media; "
                             "serve the model with its registered template")
        processor_rate = None
        if request.audios and self._multimodal():
            processor_rate = getattr(self.template.media_processor(self.tokenizer), "sampling_rate", None)
        media = request_media(request, self.template.media_options, processor_rate)
        encoded = self.template.encode_prompt_inputs(self.tokenizer, request.messages, media=media)
        prompt_ids = list(encoded["input_ids"])
        if request.prefill:
            prompt_ids += self.tokenizer(request.prefill, add_special_tokens=False)["input_ids"]
        return prompt_ids, encoded.get("media_inputs") or {}

    def _submit(self, rows: Sequence[Row], *, wait: bool = True) -> None:
        if self._closed:
            raise RuntimeError("the pt engine is closed")
        self._scheduler.submit(rows, wait=wait)

    # ----------------------------------------------------------------------------- the contract

    def infer(self, requests: list[Request]) -> list[ChatResponse]:
        """Answer every request; they are queued together, so they share batches (with each
        other and with requests already waiting). The synchronous calls do not wait
        ``batch_wait_ms`` for others to join: their caller has submitted all it has. Requests
        with the same prompt (``n`` samples of one) are rendered and tokenized once."""
        memo: dict[Any, list[int]] = {}
        rows = [self.prepare(r, memo=memo) for r in requests]
        if not rows:
            return []
        self._submit(rows, wait=False)
        try:
            return [row.future.result() for row in rows]
        finally:
            for row in rows:
                row.cancel()

    def stream(self, request: Request) -> Iterator[StreamChunk]:
        """Token-by-token deltas; the start of a stop string is held back until it is known not
        to be one. The last chunk carries ``finish_reason`` and the token counts. Closing the
        iterator ends the request's row."""
        q: queue.SimpleQueue = queue.SimpleQueue()
        row = self.prepare(request, sink=q.put)
        self._submit([row], wait=False)
        try:
            while True:
                item = q.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
                if item.finish_reason is not None:
                    return
        finally:
            row.cancel()

    @staticmethod
    async def _let_go(row: Row) -> None:
        """Cancel ``row`` (a no-op once answered) and wait until the scheduler has let go of it,
        so that a caller that was cancelled (a client that left) ends when the work does."""
        row.cancel()
        if not row.released.done():
            await asyncio.wrap_future(row.released)

    async def infer_async(self, request: Request) -> ChatResponse:
        row = await asyncio.to_thread(self.prepare, request)  # rendering and tokenizing: off the event loop
        self._submit([row])
        try:
            return await asyncio.wrap_future(row.future)
        finally:
            await self._let_go(row)

    async def stream_async(self, request: Request) -> AsyncIterator[StreamChunk]:
        loop = asyncio.get_running_loop()
        q: asyncio.Queue = asyncio.Queue()

        def sink(item: Any) -> None:
            try:
                loop.call_soon_threadsafe(q.put_nowait, item)
            except RuntimeError:  # the event loop is gone: nobody is listening
                row.cancel()

        row = await asyncio.to_thread(self.prepare, request, sink)
        self._submit([row])
        try:
            while True:
                item = await q.get()
                if isinstance(item, BaseException):
                    raise item
                yield item
                if item.finish_reason is not None:
                    return
        finally:
            await self._let_go(row)

    @property
    def max_batch_size(self) -> int:
        return self._scheduler.max_batch_size

    @max_batch_size.setter
    def max_batch_size(self, value: int) -> None:
        self._scheduler.max_batch_size = max(1, int(value))

    @property
    def stats(self) -> dict[str, int]:
        """``batches`` (scheduler batches), ``generate_calls``, ``prefills`` and
        ``decode_steps`` (continuous batching's forward passes), ``rows``, ``max_batch``,
        ``tokens`` (generated), ``cancelled``, and now: ``active_rows``, ``waiting_rows``."""
        return {**self._scheduler.stats(), **self._gen_counters}

    def close(self) -> None:
        """Stop the scheduler (running rows are cancelled, waiting ones fail) and drop the model
        (and free its memory when the engine loaded it; a model passed in stays its owner's)."""
        if self._closed:
            return
        self._closed = True
        self._scheduler.close()
        for handle in self._abort_handles:
            handle.remove()
        with self._lock:
            self.model = None
        if not self._owns_model:  # nothing is freed: a collection would only cost time (online RL: at train end)
            return
        import gc

        gc.collect()
        with contextlib.suppress(Exception):
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()

    # ----------------------------------------------------------------------------- decoding (scheduler thread)

    def _group_of(self, row: Row) -> Any:
        """Rows with equal groups may share a ``generate()`` call."""
        if row.adapter is None:
            mixable = self._default_mixable
        else:
            mixable = self._folder_mixable(row.adapter)
        return _MIX if mixable and self._mixing else ("adapter", row.adapter)

    @contextlib.contextmanager
    def _bare_generation_config(self) -> Iterator[None]:
        """Hide the checkpoint's ``generation_config`` (its temperature, repetition penalty ...)
        during ``generate()``: the request's settings are all there is, and the scores our
        processor sees are the raw logits."""
        from transformers import GenerationConfig

        model = self._hf_model()
        saved = model.generation_config
        model.generation_config = GenerationConfig(
            bos_token_id=getattr(saved, "bos_token_id", None),
            eos_token_id=sorted(self.eos_token_ids),
            pad_token_id=self.pad_token_id,
        )
        try:
            yield
        finally:
            model.generation_config = saved

    def _adapter_kwargs(self, names: list[str | None]) -> tuple[Any, dict[str, Any]]:
        """The adapter context and ``generate()`` kwargs for rows using peft adapters ``names``."""
        if not self._is_peft():
            return contextlib.nullcontext(), {}
        distinct = set(names)
        if distinct == {None}:
            return self.model.disable_adapter(), {}
        if len(distinct) == 1:
            self.model.set_adapter(names[0])
            return contextlib.nullcontext(), {}
        return contextlib.nullcontext(), {"adapter_names": [n or "__base__" for n in names]}

    def _continuous_ok(self) -> bool:
        """Whether this engine decodes with continuous batching (option ``continuous_batching``,
        a plain model, no multimodal template, a cache that can be padded and merged)."""
        if self._continuous is None:
            from swiftkit.plugins.engines.pt_continuous import supports

            self._continuous = bool(self._option("continuous_batching", True)) and (
                not self._multimodal() and supports(self._hf_model())
            )
        return self._continuous

    def _adapter_now(self, row: Row) -> Any:
        """The peft adapter ``row`` decodes with, without loading one (loading changes the model
        under a running batch): its name, ``None`` (base model), or ``False`` (not loaded yet)."""
        if row.adapter is None:
            return self._default_adapter
        if row.adapter not in self._peft_names or not self._is_peft():
            return False
        return self._peft_names[row.adapter]

    def _joins_running(self, row: Row, adapter: Any) -> bool:
        """Whether ``row`` may decode in a running batch of ``adapter``: no media, and the same
        loaded adapter (one adapter per running batch: peft's mixed-adapter forward is not
        available for every layer type, and a refusal mid-step would corrupt the cache)."""
        now = self._adapter_now(row)
        return row.media_inputs is None and now is not False and now == adapter

    def _row_adapter_name(self, row: Row) -> str | None:
        """The peft adapter name ``row`` decodes with (its adapter loaded first; model lock held)."""
        name = self._peft_adapter(row.adapter) if row.adapter is not None else self._default_adapter
        if row.adapter is not None and row.request.adapter not in self.adapters:
            # a folder: served under its path from now on (a new dict: readers never see it change)
            self.adapters = {**self.adapters, row.request.adapter: row.adapter}
        return name

    def _run_batch(self, rows: list[Row], admit: Any = None) -> None:
        adapter = self._adapter_now(rows[0])
        if (admit is not None and adapter is not False and all(self._joins_running(r, adapter) for r in rows)
                and self._continuous_ok()):
            self._run_continuous(rows, admit, adapter)
            return
        ready = []
        with self._lock:
            if self.model is None:
                raise RuntimeError("the pt engine is closed")
            for row in rows:
                try:
                    name = self._row_adapter_name(row)
                except Exception as exc:  # a bad adapter fails its own rows only
                    row.fail(exc)
                    continue
                ready.append((row, name))
            if not ready:
                return
            try:
                self._generate([r for r, _ in ready], [n for _, n in ready])
            except ValueError:
                if not (len({n for _, n in ready}) > 1 and all(not r.tokens for r, _ in ready)):
                    raise
                # peft refused the mixed batch: batch per adapter from now on
                self._mixing = False
                by_name: dict[str | None, list[Row]] = {}
                for row, name in ready:
                    by_name.setdefault(name, []).append(row)
                for name, group in by_name.items():
                    self._generate(group, [name] * len(group))

    def _run_continuous(self, rows: list[Row], admit: Any, adapter: str | None) -> None:
        """Decode ``rows`` (all with peft adapter ``adapter``, or none) step by step, admitting
        the rows for the same adapter that arrive meanwhile between steps
        (:mod:`~swiftkit.plugins.engines.pt_continuous`), until no row is left."""
        import torch

        from swiftkit.plugins.engines.pt_continuous import RunningBatch

        def on_forward(hooks: BatchHooks | None) -> None:
            self._running = hooks

        with self._lock, torch.inference_mode():
            if self.model is None:
                raise RuntimeError("the pt engine is closed")
            for row in rows:  # served under its request's string from now on (a folder's path)
                self._row_adapter_name(row)
            context, _ = self._adapter_kwargs([adapter])
            batch = RunningBatch(
                self._hf_model(),
                self.pad_token_id,
                lambda row: row.start(self._decode, self.eos_token_ids),
                self._token_text,
                self._scheduler.counters,
                self._gen_counters,
                on_forward,
            )

            def joins(row: Row) -> bool:
                return self._joins_running(row, adapter)

            pending = rows
            with context:
                while True:
                    batch.admit(pending)
                    if len(batch):
                        batch.step()
                    pending = admit(self._scheduler.max_batch_size - len(batch), joins)
                    if not pending and not len(batch):
                        return

    def _generate(self, rows: list[Row], names: list[str | None]) -> None:
        """One left-padded ``generate()`` call over ``rows``; each row ends on its own."""
        import torch
        from transformers import GenerationConfig, LogitsProcessorList, StoppingCriteriaList

        width = max(len(r.prompt_ids) for r in rows)
        input_ids = torch.full((len(rows), width), self.pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, row in enumerate(rows):
            n = len(row.prompt_ids)
            input_ids[i, width - n :] = torch.as_tensor(row.prompt_ids, dtype=torch.long)
            attention_mask[i, width - n :] = 1
            row.start(self._decode, self.eos_token_ids)
        hooks = BatchHooks(rows, self._token_text, self._scheduler.counters)
        choose, finished = hook_classes()
        config = GenerationConfig(
            max_new_tokens=max(r.max_new for r in rows),
            min_new_tokens=0,
            do_sample=False,  # the processor has already chosen; greedy picks its choice
            num_beams=1,
            eos_token_id=sorted(self.eos_token_ids),
            pad_token_id=self.pad_token_id,
        )
        context, kwargs = self._adapter_kwargs(names)
        self._gen_counters["generate_calls"] += 1
        device = self.model.device
        if any(r.media_inputs for r in rows):
            kwargs.update(self._batch_media(rows, input_ids, attention_mask, device))
        self._running = hooks
        try:
            with torch.inference_mode(), self._bare_generation_config(), context:
                self.model.generate(
                    input_ids=input_ids.to(device),
                    attention_mask=attention_mask.to(device),
                    generation_config=config,
                    logits_processor=LogitsProcessorList([choose(hooks)]),
                    stopping_criteria=StoppingCriteriaList([finished(hooks)]),
                    **kwargs,
                )
        except Abandoned:
            hooks.drop_cancelled()  # every row was cancelled: nobody waits for the rest
        finally:
            self._running = None
            for row in rows:
                row.media_inputs = None  # the pixels are not needed past the prefill
        for row in rows:
            row.finish("length")  # only rows generate() ended before their own stop

    def _batch_media(self, rows: list[Row], input_ids: Any, attention_mask: Any, device: Any) -> dict[str, Any]:
        """The batch's media inputs: the processor's ``collate`` of the rows' inputs (rows without
        media give ``{}``) over the left-padded ids, floating tensors in the model's dtype."""
        processor = self.template.media_processor(self.tokenizer)
        batch = processor.collate([r.media_inputs or {} for r in rows], input_ids)
        dtype = getattr(self._hf_model(), "dtype", None)
        out = {}
        for key, value in batch.items():
            if hasattr(value, "to"):
                value = value.to(device, dtype=dtype) if value.is_floating_point() and dtype is not None else value.to(device)
            out[key] = value
        return out
