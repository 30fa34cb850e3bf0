"""Bounds on the work one request may cause in ``swift deploy``: the body size, the prompt
length, and how much of a request's own text an error may quote back.

- :class:`BodyLimit` (ASGI middleware) answers 413 to a body over ``max_request_bytes``: at
  once from ``Content-Length``, else as soon as the bytes received pass the limit, so a large
  body is never buffered whole nor parsed.
- :func:`context_length` finds the model's context (prompt + answer tokens).
- :func:`count_prompt_tokens` counts a prompt's tokens with the engine's own rendering and
  tokenizer, tokenizing no more of a huge prompt than it takes to show it is too long (its
  cost is bounded by the limit, not by the prompt). It blocks: the server calls it in a worker
  thread.
- :func:`clip` shortens user text quoted in an error (and makes it encodable).

Nothing here imports torch; FastAPI/Starlette are not imported either (the middleware speaks
plain ASGI).
"""

from __future__ import annotations

import json
import os
from typing import Any

DEFAULT_MAX_REQUEST_BYTES = 8 * 1024 * 1024
#: how much of a client's own text an error message quotes
CLIP_CHARS = 100
#: a tokenizer's "no limit" sentinel (transformers uses int(1e30))
_NO_LIMIT = 10**8
#: tokens a prompt cut in the middle may count beyond what the same text counts whole
_CUT_SLACK = 16
#: characters tokenized first to learn how many characters a token of this text holds
_SAMPLE_CHARS = 8192


def clip(text: Any, limit: int = CLIP_CHARS) -> str:
    """``text`` as an error may quote it: at most ``limit`` characters (then ``...``), lone
    surrogates written as ``\\udXXX`` so that the error itself can be encoded."""
    text = str(text)
    if len(text) > limit:
        text = text[:limit] + "..."
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _error_body(status: int, message: str, code: str) -> bytes:
    return json.dumps({"error": {"message": message, "type": "invalid_request_error", "param": None,
                                 "code": code}}).encode()


class BodyLimit:
    """ASGI middleware: a request body over ``max_bytes`` is answered 413 ``request_too_large``
    before the app sees any of it. The body is read here (counting), then replayed to the app."""

    def __init__(self, app: Any, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, send: Any, size: str) -> None:
        body = _error_body(413, f"the request body is {size}, more than this server's limit of {self.max_bytes} "
                                "bytes (--max_request_bytes)", "request_too_large")
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length > self.max_bytes:
                await self._reject(send, f"{length} bytes")
                return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left while sending
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await self._reject(send, f"over {self.max_bytes} bytes")
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()  # after the body: the disconnect, when the client leaves

        await self.app(scope, replay, send)


def context_length(engine: Any, model_dir: str | None, spec_max_length: int | None = None) -> int | None:
    """The model's context (prompt + answer tokens): the engine's own limit when set
    (``--max_length``; a serving engine's ``--max_model_len``), else the model folder's ``config.json`` ``max_position_embeddings``
    (what the weights were built for), else the registered spec's ``max_length``, else the
    tokenizer's ``model_max_length``; ``None`` when nothing says."""
    options = engine.options
    for explicit in (engine.max_length, options.get("max_model_len"), options.get("max_length")):
        if isinstance(explicit, int) and explicit > 0:
            return explicit
    if model_dir and os.path.isfile(os.path.join(model_dir, "config.json")):
        try:
            with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as fh:
                config = json.load(fh)
        except (OSError, ValueError):
            config = {}
        for cfg in (config, config.get("text_config") or {}):
            value = cfg.get("max_position_embeddings") if isinstance(cfg, dict) else None
            if isinstance(value, int) and value > 0:
                return value
    if spec_max_length:
        return int(spec_max_length)
    value = getattr(engine.tokenizer, "model_max_length", None)
    if isinstance(value, int) and 0 < value < _NO_LIMIT:
        return value
    return None


def count_prompt_tokens(engine: Any, request: Any, limit: int) -> tuple[int, bool]:
    """``(tokens, exact)`` of ``request``'s prompt as ``engine`` renders and tokenizes it
    (``engine.render`` and ``engine.tokenizer``; a completion prompt gets the tokenizer's special
    tokens, a chat prompt carries them in its text). When the prompt is over ``limit`` tokens the
    count may stop early: ``exact`` is then False and ``tokens`` is a lower bound over ``limit``.

    A long text is tokenized by prefixes that double in size, starting near ``limit`` tokens'
    worth of characters (as dense as the text's first 8192 characters), so a 1 MB prompt costs
    about what ``limit`` tokens cost, not 1 MB's worth."""
    from swiftkit.core.engines.interface import CompletionRequest

    tokenizer = engine.tokenizer
    text = engine.render(request)
    special = isinstance(request, CompletionRequest)

    def count(piece: str) -> int:
        return len(tokenizer(piece, add_special_tokens=special)["input_ids"])

    if len(text) <= _SAMPLE_CHARS:
        return count(text), True
    # the first cut: enough characters for the limit at the density of the text's start
    per_token = _SAMPLE_CHARS / max(1, count(text[:_SAMPLE_CHARS]))
    size = int((limit + _CUT_SLACK + 1) * per_token * 1.25) + 1
    while size < len(text):
        cut = text.rfind(" ", size // 2, size)  # a word boundary, where tokenizers split anyway
        piece = text[: cut if cut > 0 else size]
        n = count(piece) - _CUT_SLACK
        if n > limit:
            return n, False
        size *= 2
    return count(text), True
