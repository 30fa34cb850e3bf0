"""What an engine's ``impl`` reference must implement, and the request/response types every
engine, ``swift infer`` and the OpenAI-compatible server share.

An engine is created as ``impl(spec, model_dir, template, options)``; heavy libraries are
imported in ``__init__``. Chat requests are rendered with the model's registered template
(the same one used in training: ``template.render(messages, add_generation_prompt=True)``);
completion requests send their prompt as it is.

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
    ``logprobs`` asks for the chosen tokens' log-probabilities and ``top_logprobs`` for that
    many alternatives per position."""

    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 0
    seed: int | None = None
    stop: list[str] = field(default_factory=list)
    logprobs: bool = False
    top_logprobs: int = 0


@dataclass
class ChatRequest:
    """A conversation to answer. ``adapter`` names a LoRA adapter the engine serves (its
    served name, or a path to load), ``None`` the base model."""

    messages: list[dict[str, Any]]
    sampling: SamplingOptions = field(default_factory=SamplingOptions)
    adapter: str | None = None
    request_id: str = field(default_factory=lambda: f"req-{next(_ids)}")


@dataclass
class CompletionRequest:
    """A raw prompt to continue (``/v1/completions``); no template is applied."""

    prompt: str
    sampling: SamplingOptions = field(default_factory=SamplingOptions)
    adapter: str | None = None
    request_id: str = field(default_factory=lambda: f"req-{next(_ids)}")


Request = ChatRequest | CompletionRequest


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
    """Created as ``impl(spec, model_dir, template, options)``; heavy imports happen here."""

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
        """Answer every request; the i-th response belongs to the i-th request."""

    def stream(self, request: Request) -> Iterator[StreamChunk]:
        """Yield the answer in pieces; engines without streaming yield it whole."""
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
        """Serve the LoRA adapter in ``path`` under ``name`` (engines without LoRA support raise)."""
        raise NotImplementedError(f"engine {self.spec.id!r} does not serve LoRA adapters")

    def render(self, request: Request) -> str:
        """The prompt text the model sees for ``request``."""
        if isinstance(request, CompletionRequest):
            return request.prompt
        return self.template.render(request.messages, add_generation_prompt=True)

    def close(self) -> None:  # noqa: B027 - optional: most engines hold nothing to release
        """Release the model and any worker (threads, processes)."""
