"""What an engine's ``impl`` reference must implement, and the request/response types."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from swiftkit.core.specs import EngineSpec


@dataclass
class SamplingOptions:
    max_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 0
    seed: int | None = None
    stop: list[str] = field(default_factory=list)


@dataclass
class ChatRequest:
    messages: list[dict[str, str]]
    sampling: SamplingOptions = field(default_factory=SamplingOptions)
    adapter: str | None = None


@dataclass
class ChatResponse:
    text: str
    finish_reason: str  # "stop" | "length"
    prompt_tokens: int
    completion_tokens: int


class InferEngine(ABC):
    """Created as ``impl(spec, model_dir, template, options)``; heavy imports happen here."""

    def __init__(self, spec: EngineSpec, model_dir: str, template: Any, options: dict[str, Any] | None = None):
        self.spec = spec
        self.model_dir = model_dir
        self.template = template
        self.options = dict(options or {})

    @abstractmethod
    def infer(self, requests: list[ChatRequest]) -> list[ChatResponse]:
        """Answer every request; the i-th response belongs to the i-th request."""

    def stream(self, request: ChatRequest) -> Iterator[str]:
        """Yield the answer in text pieces; engines without streaming yield it whole."""
        yield self.infer([request])[0].text
