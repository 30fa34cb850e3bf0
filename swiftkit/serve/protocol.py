"""The OpenAI wire format spoken by ``swift deploy``: pydantic models of the request bodies
(validated: a body that does not fit is answered 400 naming the field) and of the responses
(they document the API in ``/openapi.json``).

Requests accept what OpenAI's API accepts for the parameters swiftkit honours, plus vLLM's
``top_k``. Parameters OpenAI defines but swiftkit cannot honour are accepted only at their
neutral value (``presence_penalty: 0``, an empty ``logit_bias``, ``response_format: text``) and
refused otherwise; anything else is refused as an unrecognized argument, as OpenAI does.
Nothing here imports torch; pydantic is a FastAPI dependency.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def _lone_surrogate(value: Any, where: str = "") -> str | None:
    """Where in ``value`` (strings, and lists and maps of them, keys included) a lone UTF-16
    surrogate sits (``"\\ud800"`` in JSON decodes to one; no tokenizer or encoder accepts it),
    e.g. ``[2]['text'], character 5``; ``None`` when there is none."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            return f"{where}{', ' if where else ''}character {exc.start}"
        return None
    if isinstance(value, (list, tuple)):
        items: Any = ((f"{where}[{i}]", v) for i, v in enumerate(value))
    elif isinstance(value, dict):
        def key(k: Any) -> str:
            return f"{where}[{(k[:30] + '...' if len(k) > 30 else k)!r}]" if isinstance(k, str) else f"{where}[{k}]"

        for k in value:
            if isinstance(k, str) and _lone_surrogate(k) is not None:
                return f"{where}{', ' if where else ''}a key"
        items = ((key(k), v) for k, v in value.items())
    else:
        return None
    for path, item in items:
        found = _lone_surrogate(item, path)
        if found is not None:
            return found
    return None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _valid_unicode(cls, value: Any) -> Any:
        """A lone surrogate in any text is a 400 naming the field, not an encoder's 500."""
        if isinstance(value, (str, list, tuple, dict)):
            found = _lone_surrogate(value)
            if found is not None:
                raise ValueError(f"contains a lone UTF-16 surrogate ({found}); text must be valid Unicode")
        return value


# ----------------------------------------------------------------------------- errors


class ErrorDetail(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    """Every error, whatever its status: ``{"error": {"message", "type", "param", "code"}}``."""

    error: ErrorDetail


# ----------------------------------------------------------------------------- requests


class StreamOptions(_Strict):
    include_usage: bool = False


#: the content-part types a chat message may hold besides text (read by :mod:`swiftkit.serve.media`)
MEDIA_PART_TYPES = ("image_url", "video_url", "audio_url", "input_audio")


class ChatMessage(_Strict):
    """A message: ``content`` is a string or a list of parts: text (``{"type": "text", "text": ...}``)
    and media (``image_url``, ``video_url``, ``audio_url``, ``input_audio``; see
    :mod:`swiftkit.serve.media`)."""

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[dict[str, Any]] | None  # required; null only for an assistant message that calls
    name: str | None = None
    tool_call_id: str | None = None
    tool_calls: list[dict[str, Any]] | None = Field(None, description="An assistant turn's calls (OpenAI's shape).")

    @field_validator("content")
    @classmethod
    def _text_parts(cls, value: str | list[dict[str, Any]]) -> str | list[dict[str, Any]]:
        if isinstance(value, list):
            for i, part in enumerate(value):
                kind = part.get("type")
                if kind in MEDIA_PART_TYPES:
                    if kind not in part:
                        raise ValueError(f"content part {i} of type {kind!r} has no {kind!r} field")
                    continue
                if kind != "text":
                    raise ValueError(f"content part {i} has type {kind!r}; the parts read are 'text', "
                                     + ", ".join(repr(t) for t in MEDIA_PART_TYPES))
                if not isinstance(part.get("text"), str):
                    raise ValueError(f"content part {i}: 'text' must be a string")
        return value

    @model_validator(mode="before")
    @classmethod
    def _calls_need_no_content(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("role") == "assistant" and data.get("tool_calls") and "content" not in data:
            return {**data, "content": None}
        return data

    @model_validator(mode="after")
    def _content_or_calls(self) -> ChatMessage:
        if self.content is None and not (self.role == "assistant" and self.tool_calls):
            raise ValueError("content may be null only in an assistant message with tool_calls")
        return self

    def has_media(self) -> bool:
        return isinstance(self.content, list) and any(p.get("type") != "text" for p in self.content)

    def text(self) -> str:
        """The text parts joined by newlines (media parts are left out: see :mod:`swiftkit.serve.media`)."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return "\n".join(part["text"] for part in self.content if part.get("type") == "text")


class _Sampling(_Strict):
    """Parameters chat and completion requests share."""

    model: str | None = Field(None, description="A name from /v1/models (the base model or an adapter); "
                                                "omitted: the base model.")
    max_tokens: int | None = Field(None, ge=1, description="Most tokens to generate (at most the server's limit).")
    temperature: float | None = Field(None, ge=0, le=2, description="0 is greedy (the default).")
    top_p: float | None = Field(None, gt=0, le=1)
    top_k: int | None = Field(None, ge=-1, description="vLLM's extra parameter; 0 or -1: off.")
    repetition_penalty: float | None = Field(None, gt=0, description="vLLM's extra parameter; 1.0: off.")
    seed: int | None = None
    stop: str | list[str] | None = Field(None, description="Up to 16 strings that end the answer (not included).")
    n: int | None = Field(None, ge=1, description="Only 1 is supported.")
    stream: bool | None = False
    stream_options: StreamOptions | None = None
    presence_penalty: float | None = Field(None, ge=-2, le=2, description="Only 0 is supported.")
    frequency_penalty: float | None = Field(None, ge=-2, le=2, description="Only 0 is supported.")
    logit_bias: dict[str, float] | None = Field(None, description="Only an empty map is supported.")
    user: str | None = None

    @field_validator("stop")
    @classmethod
    def _stops(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, list) and len(value) > 16:
            raise ValueError(f"at most 16 stop strings, got {len(value)}")
        return value

    def stop_list(self) -> list[str]:
        if self.stop is None:
            return []
        return [self.stop] if isinstance(self.stop, str) else list(self.stop)

    def unsupported(self) -> tuple[str, str] | None:
        """``(param, reason)`` for a parameter set to a value swiftkit cannot honour."""
        if (self.n or 1) > 1:
            return "n", "n > 1 is not supported; send several requests"
        for name in ("presence_penalty", "frequency_penalty"):
            if getattr(self, name):
                return name, f"{name} is not supported (only 0)"
        if self.logit_bias:
            return "logit_bias", "logit_bias is not supported"
        return None


class ChatCompletionRequest(_Sampling):
    """``POST /v1/chat/completions``."""

    messages: list[ChatMessage] = Field(..., min_length=1)
    max_completion_tokens: int | None = Field(None, ge=1, description="Same as max_tokens (which wins if both are set).")
    logprobs: bool | None = False
    top_logprobs: int | None = Field(None, ge=0, le=20)
    response_format: dict[str, Any] | None = Field(None, description="Only {'type': 'text'} is supported.")
    metadata: dict[str, Any] | None = None
    store: bool | None = None
    parallel_tool_calls: bool | None = None
    service_tier: str | None = None
    tools: list[dict[str, Any]] | None = Field(None, description="Functions the model may call "
                                               "([{'type': 'function', 'function': {'name', 'description', 'parameters'}}]).")
    tool_choice: str | dict[str, Any] | None = Field(None, description="'auto' (default with tools), 'none', 'required', "
                                                     "or {'type': 'function', 'function': {'name': ...}}.")

    def unsupported(self) -> tuple[str, str] | None:
        found = super().unsupported()
        if found:
            return found
        if self.response_format and self.response_format.get("type", "text") != "text":
            return "response_format", f"response_format {self.response_format.get('type')!r} is not supported (only 'text')"
        if self.top_logprobs and not self.logprobs:
            return "top_logprobs", "top_logprobs needs logprobs: true"
        if self.store:
            return "store", "store is not supported"
        return None


class CompletionRequest(_Sampling):
    """``POST /v1/completions``: the prompt is sent as it is (no chat template).

    ``prompt`` is text or token ids (one prompt, or a list answered as separate choices); with
    ``echo`` and ``logprobs`` the answer also scores the prompt's own tokens (the first has no
    log-probability: ``null``), and ``max_tokens: 0`` only scores it (how lm-evaluation-harness
    scores multiple choice)."""

    prompt: str | list[str] | list[int] | list[list[int]] = Field(
        ..., description="Text or token ids; a list of them is answered as separate choices.")
    max_tokens: int | None = Field(16, ge=0, description="Most tokens to generate (OpenAI's default: 16; 0 with echo: "
                                   "only the prompt, scored with logprobs).")
    logprobs: int | None = Field(None, ge=0, le=5, description="Log-probabilities of that many alternatives per token.")
    echo: bool | None = False
    suffix: str | None = None
    best_of: int | None = Field(None, ge=1)

    @field_validator("prompt")
    @classmethod
    def _prompts(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise ValueError("the prompt list is empty")
        if isinstance(value, list) and isinstance(value[0], list):
            if any(not ids for ids in value):
                raise ValueError("a token-id prompt is empty")
            if any(t < 0 for ids in value for t in ids):
                raise ValueError("token ids must not be negative")
        elif isinstance(value, list) and isinstance(value[0], int) and any(t < 0 for t in value):
            raise ValueError("token ids must not be negative")
        return value

    def token_prompts(self) -> list[list[int]] | None:
        """The prompts as token ids when they were sent so, else ``None``."""
        if isinstance(self.prompt, list) and self.prompt and isinstance(self.prompt[0], int):
            return [list(self.prompt)]  # type: ignore[arg-type]
        if isinstance(self.prompt, list) and self.prompt and isinstance(self.prompt[0], list):
            return [list(p) for p in self.prompt]  # type: ignore[union-attr]
        return None

    def prompts(self) -> list[str]:
        """The text prompts (empty when they were sent as token ids)."""
        if isinstance(self.prompt, str):
            return [self.prompt]
        return [] if self.token_prompts() is not None else list(self.prompt)  # type: ignore[arg-type]

    def count(self) -> int:
        ids = self.token_prompts()
        return len(ids) if ids is not None else len(self.prompts())

    def unsupported(self) -> tuple[str, str] | None:
        found = super().unsupported()
        if found:
            return found
        if self.suffix:
            return "suffix", "suffix is not supported"
        if (self.best_of or 1) > 1:
            return "best_of", "best_of > 1 is not supported"
        if self.max_tokens == 0 and not self.echo:
            return "max_tokens", "max_tokens 0 answers nothing; it needs echo (with logprobs to score the prompt)"
        if self.stream and self.count() > 1:
            return "prompt", "streaming answers one prompt at a time"
        if self.stream and (self.max_tokens == 0 or (self.echo and self.logprobs is not None)):
            return "stream", "scoring the prompt (echo with logprobs, max_tokens 0) is not streamed; send stream: false"
        return None


# ----------------------------------------------------------------------------- responses


class Usage(BaseModel):
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class TopLogprob(BaseModel):
    token: str
    logprob: float
    bytes: list[int] | None = None


class TokenLogprobOut(TopLogprob):
    top_logprobs: list[TopLogprob] = []


class ChoiceLogprobs(BaseModel):
    content: list[TokenLogprobOut] | None = None


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str | None
    tool_calls: list[dict[str, Any]] | None = None


class ChatChoice(BaseModel):
    index: int
    message: AssistantMessage
    finish_reason: str
    logprobs: ChoiceLogprobs | None = None


class ChatCompletionResponse(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[ChatChoice]
    usage: Usage


class DeltaMessage(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None
    tool_calls: list[dict[str, Any]] | None = None


class ChatChunkChoice(BaseModel):
    index: int
    delta: DeltaMessage
    finish_reason: str | None = None
    logprobs: ChoiceLogprobs | None = None


class ChatCompletionChunk(BaseModel):
    """One server-sent event of a streamed chat answer (``data: {json}``; the last is ``data: [DONE]``)."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChatChunkChoice]
    usage: Usage | None = None


class CompletionLogprobs(BaseModel):
    tokens: list[str]
    token_logprobs: list[float | None] = Field(..., description="With echo, the prompt's first token has none (null).")
    top_logprobs: list[dict[str, float] | None] | None = None
    text_offset: list[int]


class CompletionChoice(BaseModel):
    index: int
    text: str
    finish_reason: str | None = None
    logprobs: CompletionLogprobs | None = None


class CompletionResponse(BaseModel):
    id: str
    object: Literal["text_completion"] = "text_completion"
    created: int
    model: str
    choices: list[CompletionChoice]
    usage: Usage | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "swiftkit"
    root: str | None = Field(None, description="The served name it is (never a filesystem path).")
    parent: str | None = Field(None, description="For an adapter: the base model's served name.")


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class Health(BaseModel):
    """Open to anyone (load balancers probe it without a key), so it names no model or path."""

    status: Literal["ok", "starting", "stopping", "unhealthy"] = Field(
        "ok", description="ok (answered 200); starting (the engine warms up), stopping (draining after SIGTERM), "
                          "unhealthy (the engine died; the server exits): answered 503.")
    active_requests: int = Field(..., description="Requests holding a slot now (streams included).")
    max_concurrency: int
    requests_total: int
    rejected_total: int = Field(..., description="Requests refused with 429 because every slot was taken.")
