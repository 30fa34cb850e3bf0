"""What an engine's ``impl`` reference must implement, and the request/response types every
engine, ``swift infer`` and the OpenAI-compatible server share.

``swift infer`` / ``deploy`` create an engine with :meth:`InferEngine.create`, handing it a
:class:`ModelSource`: the model's folder, the family's model loader and, for a checkpoint only
its tuner can read, that tuner. The default ``create`` calls ``impl(spec, model_dir, template,
options)`` (the Plugin API 1.0 constructor); heavy libraries are imported in ``__init__``.
Chat requests are rendered with the model's registered template (the same one used in
training: ``template.render(messages, add_generation_prompt=True)``); completion requests send
their prompt as it is.

Synchronous calls (``infer``, ``stream``) serve ``swift infer``; the asynchronous ones
(``infer_async``, ``stream_async``) serve the HTTP server, where requests arrive concurrently:
an engine that batches (``pt``'s dynamic batcher, vLLM's scheduler) decodes requests that
arrive together in one batch, each finishing at its own stop. The defaults below run the
synchronous calls in a worker thread, which is correct but does not batch.
"""

from __future__ import annotations

import asyncio
import itertools
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from swiftkit.core.specs import EngineSpec

_ids = itertools.count(1)


@dataclass
class SamplingOptions:
    """OpenAI's sampling parameters. ``temperature == 0`` is greedy; ``top_k == 0`` is off;
    ``min_p`` (0: off) drops the tokens whose probability is below ``min_p`` times the most
    likely one's; ``logprobs`` asks for the chosen tokens' log-probabilities and
    ``top_logprobs`` for that many alternatives per position.
    ``repetition_penalty`` (1.0: off; plugin API 1.3) divides
    the positive scores, and multiplies the negative ones, of every token already in the prompt
    or the answer, as transformers' and vLLM's do."""

    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 0
    seed: int | None = None
    stop: list[str] = field(default_factory=list)
    logprobs: bool = False
    top_logprobs: int = 0
    min_p: float = 0.0
    repetition_penalty: float = 1.0


@dataclass
class ChatRequest:
    """A conversation to answer. ``adapter`` names a LoRA adapter the engine serves (its
    served name, or a path to load), ``None`` the base model."""

    messages: list[dict[str, Any]]
    sampling: SamplingOptions = field(default_factory=SamplingOptions)
    adapter: str | None = None
    request_id: str = field(default_factory=lambda: f"req-{next(_ids)}")
    #: text the reply is made to start with: appended to the generation prompt (:meth:`InferEngine.render`),
    #: not part of the answer's text (the server forces a tool call with it; API 1.3)
    prefill: str = ""
    #: the media of ``<image>`` / ``<video>`` / ``<audio>`` tags in the messages, in order: each
    #: a path, URL, data URL, bytes or PIL image (an engine decodes them with
    #: ``swiftkit.data.media``; a video may also be a list of frames); API 1.4
    images: list[Any] = field(default_factory=list)
    videos: list[Any] = field(default_factory=list)
    audios: list[Any] = field(default_factory=list)


@dataclass
class CompletionRequest:
    """A raw prompt to continue (``/v1/completions``); no template is applied."""

    prompt: str
    sampling: SamplingOptions = field(default_factory=SamplingOptions)
    adapter: str | None = None
    request_id: str = field(default_factory=lambda: f"req-{next(_ids)}")


Request = ChatRequest | CompletionRequest


@dataclass
class ModelSource:
    """What an engine serves, as ``swift infer`` / ``deploy`` resolved it.

    ``model_dir`` is the folder (or hub id) the family's ``loader`` (a
    :class:`~swiftkit.core.models.interface.ModelLoader`) reads: the base model, or a training
    checkpoint that is a complete model folder. When ``tuner`` is set, that folder is the base
    and the served model is ``tuner.load_trained(<base>, checkpoint_dir)``
    (:meth:`~swiftkit.core.methods.interface.Tuner.load_trained`): a checkpoint that holds only
    what its tuner trained. Peft adapters are not part of the source: engines get them through
    :meth:`InferEngine.add_adapter`.
    """

    model_dir: str
    loader: Any
    tuner: Any = None
    checkpoint_dir: str | None = None
    #: keyword arguments every load of this model needs (``trust_remote_code=True`` for a
    #: checkpoint with its own code, when the user allowed it)
    load_kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def is_folder(self) -> bool:
        """Whether ``model_dir`` alone is the model (what engines that load by path can serve)."""
        return self.tuner is None

    def load(self, **kwargs: Any) -> tuple[Any, Any]:
        """``(model, tokenizer)`` through the family's loader (``kwargs``: ``torch_dtype``,
        ``device_map`` ...), with the checkpoint's tuner applied. Engines that run the model in
        their own process call this instead of ``AutoModelForCausalLM``, so a family with its
        own loader (remote code, a wrapped tokenizer, a patched config) is served as trained."""
        model, tokenizer = self.loader.load(self.model_dir, **{**self.load_kwargs, **kwargs})
        if self.tuner is not None:
            model = self.tuner.load_trained(model, self.checkpoint_dir)
        return model, tokenizer


@dataclass
class TokenLogprob:
    token: str
    logprob: float
    top: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class ChatResponse:
    """The answer to one request (chat or completion).

    ``prompt_token_ids`` / ``token_ids`` are the ids the model saw and generated (the latter
    with a final end-of-turn token when the model produced one, so ``len(token_ids) ==
    completion_tokens``), for callers that train on the answer (online RL rollouts). Engines
    that cannot tell leave them ``None``; they do not take part in equality, which compares
    the answer itself."""

    text: str
    finish_reason: str  # "stop" | "length"
    prompt_tokens: int
    completion_tokens: int
    logprobs: list[TokenLogprob] | None = None
    prompt_token_ids: list[int] | None = field(default=None, compare=False)
    token_ids: list[int] | None = field(default=None, compare=False)


@dataclass
class StreamChunk:
    """One piece of a streamed answer. The last chunk carries ``finish_reason`` and the token
    counts (its ``delta`` may be empty)."""

    delta: str
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    logprobs: list[TokenLogprob] | None = None


class InferEngine(ABC):
    """Created through :meth:`create`, by default as ``impl(spec, model_dir, template, options)``;
    heavy imports happen in ``__init__``."""

    #: the tokenizer the engine encodes with in this process, or None (an engine whose
    #: tokenizer lives in a worker); the server checks the template against it, and counts each
    #: prompt with it (``tokenizer(render(request), add_special_tokens=<completion>)``, in a
    #: worker thread) to refuse a prompt over the context before the engine sees it
    tokenizer: Any = None
    #: how many requests the engine decodes together, or None when it does not say; ``swift
    #: infer --val_dataset`` submits rows in chunks of this size (default 16)
    max_batch_size: int | None = None
    #: the most prompt + answer tokens the engine takes (its ``--max_length``), or None when it
    #: sets no limit of its own; ``swift deploy`` starts from it for the context it enforces
    max_length: int | None = None

    @classmethod
    def create(cls, spec: EngineSpec, source: ModelSource, template: Any, options: dict[str, Any]) -> InferEngine:
        """Build the engine for ``swift infer`` / ``deploy`` (the factory calls this, never the
        constructor) and return it ready to answer.

        The default calls ``cls(spec, source.model_dir, template, options)``: the engine reads the
        folder itself. That is how vLLM, SGLang and LMDeploy load (inside their own libraries):
        a family served by them must be a folder those libraries read (an architecture they
        know, or one registered with them); its swiftkit loader is not used. A source that is not
        a folder (a checkpoint only its tuner can read) is refused with the way out (``swift
        export`` writes the complete model). An engine that loads the model in this process
        overrides this to use ``source.load()`` (see the ``pt`` engine). Must not serve
        adapters yet: the factory adds them with :meth:`add_adapter` afterwards."""
        if not source.is_folder:
            from swiftkit.core.errors import SwiftkitError

            raise SwiftkitError(
                f"engine {spec.id!r} loads a model folder itself, but {source.checkpoint_dir} holds only what tuner "
                f"{source.tuner.spec.id!r} trained; serve it with --infer_backend pt, or write the complete model "
                f"first: swift export --model {source.checkpoint_dir}"
            )
        return cls(spec, source.model_dir, template, options)

    def __init__(self, spec: EngineSpec, model_dir: str, template: Any, options: dict[str, Any] | None = None):
        self.spec = spec
        self.model_dir = model_dir
        self.template = template
        self.options = dict(options or {})
        #: served adapter name -> folder; requests select one by name
        self.adapters: dict[str, str] = {}

    # ------------------------------------------------------------------ synchronous

    @abstractmethod
    def infer(self, requests: list[Request]) -> list[ChatResponse]:
        """Answer every request; the i-th response belongs to the i-th request.

        Called by ``swift infer`` (and the default async calls, from a worker thread), possibly
        from several threads at once. Blocks until all are answered. An engine may batch them;
        it must not reorder the responses nor drop a request (raise instead)."""

    def stream(self, request: Request) -> Iterator[StreamChunk]:
        """Yield the answer in pieces; engines without streaming yield it whole (the default).

        The chunks' deltas concatenate to the text :meth:`infer` would return; the last chunk
        carries ``finish_reason`` and the token counts. A consumer may stop early and close the
        iterator: a generator then stops decoding."""
        response = self.infer([request])[0]
        yield StreamChunk(response.text, response.finish_reason, response.prompt_tokens, response.completion_tokens,
                          response.logprobs)

    # ------------------------------------------------------------------ asynchronous (the server)

    async def infer_async(self, request: Request) -> ChatResponse:
        """Answer one request without blocking the event loop."""
        return (await asyncio.to_thread(self.infer, [request]))[0]

    async def stream_async(self, request: Request) -> AsyncIterator[StreamChunk]:
        """Stream one request without blocking the event loop. Closing the iterator (a client
        that went away) must stop the generation and free its slot."""
        loop = asyncio.get_running_loop()
        iterator = self.stream(request)
        sentinel = object()
        try:
            while True:
                chunk = await loop.run_in_executor(None, next, iterator, sentinel)
                if chunk is sentinel:
                    return
                yield chunk
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                await loop.run_in_executor(None, close)

    # ------------------------------------------------------------------ adapters and lifecycle

    def add_adapter(self, name: str, path: str) -> None:
        """Serve the peft adapter in ``path`` under ``name``: requests whose ``adapter`` is
        ``name`` use it, the others the base model.

        Called by the factory after :meth:`create` for each ``--adapters`` entry (and for a LoRA
        training checkpoint given as ``--model``), before any request. The default raises
        ``NotImplementedError`` naming the engine (no LoRA support); an engine that supports
        adapters also records ``self.adapters[name] = path``."""
        raise NotImplementedError(f"engine {self.spec.id!r} does not serve LoRA adapters")

    def prompt_logprobs(self, prompt_ids: list[int], *, adapter: str | None = None,
                        top_logprobs: int = 0) -> list[TokenLogprob | None]:
        """The log-probability of each token of ``prompt_ids`` given the tokens before it (the
        first token has none: ``None``), with ``top_logprobs`` alternatives per position; what
        ``/v1/completions`` answers for ``echo`` with ``logprobs`` (how lm-evaluation-harness
        scores multiple choice through a server). API 1.5.

        Called by the server in a worker thread, possibly from several threads at once;
        ``adapter`` as in :class:`ChatRequest` (``None``: the engine's default). Must not change
        what later requests get. The default raises ``NotImplementedError`` naming the engine
        (the server answers 400); an engine that runs the model in this process implements it
        with one forward pass."""
        raise NotImplementedError(f"engine {self.spec.id!r} does not score prompts (echo with logprobs)")

    def render(self, request: Request) -> str:
        """The prompt text the model sees for ``request``: a chat request rendered by the
        template with the generation prompt, a completion request's prompt as it is. Engines
        call it; overriding it changes what every request sends to the model."""
        if isinstance(request, CompletionRequest):
            return request.prompt
        return self.template.render(request.messages, add_generation_prompt=True) + getattr(request, "prefill", "")

    def warm_up(self) -> None:  # noqa: B027 - optional: an engine ready after create() has nothing to do
        """Get ready to answer at once: start what the first request would otherwise start (a
        library's engine, its worker processes) and run a request through it if that is what
        proves it works.

        Called by ``swift deploy`` once, after the adapters are added and before ``/health``
        reports ready, in a worker thread (it may block for minutes). Raise to refuse to serve:
        the server exits non-zero with the exception's message, so make it say why. The
        default does nothing (an engine that loads in :meth:`create` is ready then)."""

    def check_health(self) -> None:  # noqa: B027 - optional: an in-process engine cannot die alone
        """Raise (with the reason) when the engine can no longer answer any request, e.g. its
        worker process died; return when it can.

        Called by the server on its event loop, about once a second and for each ``/health``:
        it must be quick and must not block. A raise makes ``/health`` unhealthy and the
        server exit non-zero so that a supervisor restarts it. The default returns."""

    def close(self) -> None:  # noqa: B027 - optional: most engines hold nothing to release
        """Release the model and any worker (threads, processes).

        Called once when ``swift infer`` / ``deploy`` (or an online-RL run) is done with the
        engine; no request arrives afterwards. The default releases nothing. A second call
        must be harmless."""
