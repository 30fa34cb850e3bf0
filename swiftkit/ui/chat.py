"""The chat panel of ``swift app`` (and of ``swift web-ui``'s chat tab), over any backend.

A backend (:class:`ChatBackend`) turns a conversation into streamed text: :class:`EngineChat`
asks an in-process :class:`~swiftkit.core.engines.interface.InferEngine` (``--model``,
``--adapters``, ``--infer_backend``), :class:`UrlChat` an OpenAI-compatible server
(``--base_url``, e.g. one ``swift deploy`` started). :func:`chat_panel` lays out the chatbot, the
message box (with image upload when the backend is multimodal), the system prompt box and the
send / stop / clear buttons inside the caller's ``gr.Blocks``.

Conversations are kept as swiftkit messages (``<image>`` tags in the text, the images in a
list beside them, as :class:`~swiftkit.core.engines.interface.ChatRequest` takes them), so a
later turn still sees an earlier turn's image. The system prompt is read at every turn: editing
it applies to the next answer, with the history kept.
"""

from __future__ import annotations

import base64
import json
import mimetypes
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from swiftkit.core.engines.interface import ChatRequest, SamplingOptions
from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.ui.i18n import text

IMAGE_TAG = "<image>"


class ChatBackend(Protocol):
    """What the chat panel talks to."""

    #: shown above the chat (the model, its adapter or the URL)
    name: str
    #: whether the panel offers image upload
    multimodal: bool

    def stream(self, messages: list[dict[str, Any]], images: list[str]) -> Iterator[str]:
        """The answer to ``messages`` (system first when given; ``<image>`` tags matching
        ``images``, file paths) as text pieces, in order. Closing the iterator stops the
        generation."""
        ...


@dataclass
class EngineChat:
    """A backend over an in-process engine; requests use ``adapter`` (``None``: the base model)."""

    engine: Any
    name: str
    sampling: SamplingOptions = field(default_factory=SamplingOptions)
    adapter: str | None = None
    multimodal: bool = False

    def stream(self, messages: list[dict[str, Any]], images: list[str]) -> Iterator[str]:
        request = ChatRequest(messages=messages, sampling=self.sampling, adapter=self.adapter, images=list(images))
        iterator = self.engine.stream(request)
        try:
            for chunk in iterator:
                delta = chunk if isinstance(chunk, str) else chunk.delta
                if delta:
                    yield delta
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()


def _data_url(path: str) -> str:
    mime = mimetypes.guess_type(path)[0] or "image/png"
    with open(path, "rb") as handle:
        return f"data:{mime};base64,{base64.b64encode(handle.read()).decode('ascii')}"


def openai_messages(messages: list[dict[str, Any]], images: list[str]) -> list[dict[str, Any]]:
    """swiftkit messages as OpenAI chat messages: each ``<image>`` tag becomes an ``image_url``
    part (a data URL of the next image) where it stands; messages without tags stay strings."""
    pending = list(images)
    out: list[dict[str, Any]] = []
    for message in messages:
        content = message.get("content") or ""
        if not isinstance(content, str) or IMAGE_TAG not in content:
            out.append({"role": message["role"], "content": content})
            continue
        parts: list[dict[str, Any]] = []
        pieces = content.split(IMAGE_TAG)
        for i, piece in enumerate(pieces):
            if piece:
                parts.append({"type": "text", "text": piece})
            if i < len(pieces) - 1:
                if not pending:
                    raise SwiftkitError(f"a {message['role']} message has more {IMAGE_TAG} tags than there are images")
                parts.append({"type": "image_url", "image_url": {"url": _data_url(pending.pop(0))}})
        out.append({"role": message["role"], "content": parts})
    return out


@dataclass
class UrlChat:
    """A backend over an OpenAI-compatible server at ``base_url`` (``http://HOST:PORT/v1``);
    ``model`` is the served model (default: the first ``/models`` lists)."""

    base_url: str
    model: str | None = None
    api_key: str | None = None
    sampling: SamplingOptions = field(default_factory=SamplingOptions)
    multimodal: bool = False
    timeout: float = 600.0

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")

    @property
    def name(self) -> str:
        return f"{self.model or '(served model)'} at {self.base_url}"

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}

    def served_model(self) -> str:
        """``model``, else the first model the server lists (remembered)."""
        if self.model:
            return self.model
        import httpx

        try:
            response = httpx.get(f"{self.base_url}/models", headers=self._headers(), timeout=30.0)
            response.raise_for_status()
            listed = response.json().get("data") or []
        except (httpx.HTTPError, ValueError) as exc:
            raise ConfigError(f"--base_url {self.base_url}: GET /models failed ({exc}); is the server running?") from None
        if not listed:
            raise ConfigError(f"--base_url {self.base_url}: the server lists no models; name one with --model")
        self.model = str(listed[0]["id"])
        return self.model

    def _body(self, messages: list[dict[str, Any]], images: list[str]) -> dict[str, Any]:
        s = self.sampling
        body: dict[str, Any] = {"model": self.served_model(), "messages": openai_messages(messages, images),
                                "stream": True, "max_tokens": s.max_tokens, "temperature": s.temperature,
                                "top_p": s.top_p}
        if s.top_k:
            body["top_k"] = s.top_k
        if s.stop:
            body["stop"] = list(s.stop)
        if s.seed is not None:
            body["seed"] = s.seed
        if s.repetition_penalty != 1.0:
            body["repetition_penalty"] = s.repetition_penalty
        return body

    def stream(self, messages: list[dict[str, Any]], images: list[str]) -> Iterator[str]:
        import httpx

        url = f"{self.base_url}/chat/completions"
        try:
            with httpx.stream("POST", url, json=self._body(messages, images), headers=self._headers(),
                              timeout=httpx.Timeout(self.timeout, connect=30.0)) as response:
                if response.status_code >= 400:
                    response.read()
                    raise SwiftkitError(f"POST {url}: HTTP {response.status_code}: {response.text[:500]}")
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[len("data:"):].strip()
                    if data == "[DONE]":
                        return
                    event = json.loads(data)
                    if event.get("error"):
                        raise SwiftkitError(f"POST {url}: {event['error']}")
                    for choice in event.get("choices") or []:
                        delta = (choice.get("delta") or {}).get("content")
                        if delta:
                            yield delta
        except httpx.HTTPError as exc:
            raise SwiftkitError(f"POST {url} failed: {exc}") from None


@dataclass
class Conversation:
    """What a chat session holds between turns: swiftkit messages (no system) and their images."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    images: list[str] = field(default_factory=list)


def _split_input(value: Any) -> tuple[str, list[str]]:
    """The text and image paths of the message box's value (a string, or a multimodal dict)."""
    if isinstance(value, dict):
        files = [f if isinstance(f, str) else (f.get("path") or "") for f in value.get("files") or []]
        return str(value.get("text") or ""), [f for f in files if f]
    return str(value or ""), []


def reply_stream(backend: ChatBackend, conversation: Conversation, message: str, images: list[str],
                 system: str | None) -> Iterator[tuple[str, Conversation]]:
    """One turn: ``(answer so far, conversation with the turn and that answer)`` per piece, so a
    stopped answer stays in the history as far as it was shown. Images are tagged in front of
    the text; errors propagate (the caller keeps ``conversation`` as it was)."""
    content = IMAGE_TAG * len(images) + message
    turn = [*conversation.messages, {"role": "user", "content": content}]
    sent = [*conversation.images, *images]
    asked = ([{"role": "system", "content": system}] if system else []) + turn
    reply = ""
    for piece in backend.stream(asked, sent):
        reply += piece
        yield reply, Conversation(messages=[*turn, {"role": "assistant", "content": reply}], images=sent)


@dataclass
class ChatPanel:
    """The components :func:`chat_panel` made (to wire more events or read values in tests)."""

    chatbot: Any
    message: Any
    system: Any
    send: Any
    stop: Any
    clear: Any
    state: Any
    events: list[Any]


def chat_panel(backend: ChatBackend | Callable[[], ChatBackend], *, lang: str = "en", system: str | None = None,
               multimodal: bool | None = None, height: int = 420) -> ChatPanel:
    """Lay out a chat with ``backend`` in the current ``gr.Blocks`` context. ``backend`` may be
    a callable returning one at each turn (a page whose model changes). ``system`` fills the
    system prompt box; ``multimodal`` (default ``backend.multimodal``) offers image upload."""
    from swiftkit.ui.runtime import import_gradio

    gr = import_gradio()

    def current() -> ChatBackend:
        return backend if hasattr(backend, "stream") else backend()  # type: ignore[operator,return-value]

    with_images = bool(multimodal) if multimodal is not None or not hasattr(backend, "stream") else bool(
        backend.multimodal)  # type: ignore[union-attr]
    empty_input: Any = {"text": "", "files": []} if with_images else ""

    chatbot = gr.Chatbot(label=text("chat", lang), height=height, elem_id="swift-chatbot", buttons=["copy"],
                         feedback_options=None)
    system_box = gr.Textbox(value=system or "", label=text("system", lang), lines=1, elem_id="swift-system",
                            placeholder=text("system_placeholder", lang))
    with gr.Row():
        if with_images:
            message = gr.MultimodalTextbox(label=text("message", lang), placeholder=text("message_placeholder", lang),
                                           file_types=["image"], file_count="multiple", sources=["upload"],
                                           elem_id="swift-message", scale=8, submit_btn=False)
        else:
            message = gr.Textbox(label=text("message", lang), placeholder=text("message_placeholder", lang), lines=1,
                                 elem_id="swift-message", scale=8)
        send = gr.Button(text("send", lang), variant="primary", scale=1, elem_id="swift-send")
        stop = gr.Button(text("stop", lang), scale=1, elem_id="swift-stop")
        clear = gr.Button(text("clear", lang), scale=1, elem_id="swift-clear")
    state = gr.State(Conversation())

    def respond(value: Any, system_text: str, shown: list[Any], conversation: Conversation) -> Iterator[tuple]:
        message_text, images = _split_input(value)
        if not message_text.strip() and not images:
            yield shown, conversation, value
            return
        shown = list(shown or [])
        shown += [{"role": "user", "content": {"path": path}} for path in images]
        if message_text:
            shown.append({"role": "user", "content": message_text})
        shown.append({"role": "assistant", "content": ""})
        yield shown, conversation, empty_input
        try:
            for reply, updated in reply_stream(current(), conversation, message_text, images,
                                               (system_text or "").strip() or None):
                shown[-1] = {"role": "assistant", "content": reply}
                yield shown, updated, empty_input
        except Exception as exc:  # shown in the chat; the turn is not kept in the history
            shown[-1] = {"role": "assistant", "content": f"[{text('error', lang)}] {exc}"}
            yield shown, conversation, empty_input

    def reset() -> tuple:
        return [], Conversation(), empty_input

    io = {"fn": respond, "inputs": [message, system_box, chatbot, state], "outputs": [chatbot, state, message]}
    events = [message.submit(**io), send.click(**io)]
    stop.click(None, None, None, cancels=events)
    clear.click(reset, None, [chatbot, state, message], cancels=events)
    chatbot.clear(reset, None, [chatbot, state, message], cancels=events)  # the chatbot's own bin button
    return ChatPanel(chatbot=chatbot, message=message, system=system_box, send=send, stop=stop, clear=clear,
                     state=state, events=events)
