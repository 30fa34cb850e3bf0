"""The OpenAI-compatible HTTP server behind ``swift deploy`` (FastAPI + uvicorn + sse-starlette).

Routes: ``GET /v1/models`` (and ``/v1/models/{name}``), ``POST /v1/chat/completions`` (``stream:
true`` answers with server-sent events, ``data: {json}`` chunks then ``data: [DONE]``), ``POST
/v1/completions``, ``GET /health``; the OpenAPI document at ``/openapi.json`` with Swagger UI at
``/docs``.

Rules:

- **API key and open routes.** With ``api_key`` set, every API route needs ``Authorization:
  Bearer <key>``; a missing or wrong key is answered 401 ``invalid_api_key``. ``/health`` is
  always open (load balancers and supervisors probe it without credentials) and says only
  the server's state and its request counters, never a model name or a path. The API's
  description follows the key: ``/openapi.json`` needs it, and the browser pages (``/docs``,
  ``/redoc``), which cannot send it, are not served; without a key all of them are open.
  Filesystem paths appear on no route: ``/v1/models`` lists served names (``root`` is the
  name too).
- **Models.** ``/v1/models`` lists the base model (``served_model_name``, else the model's
  registered id) and every adapter by its served name; a request's ``model`` picks one;
  omitted, it is what ``swift infer`` uses (the first adapter, so a LoRA checkpoint deployed
  as ``--model`` answers as itself; with no adapter the base). An unknown name is answered
  404 ``model_not_found``.
- **Control tokens.** A chat message whose text holds one of the model's special tokens
  (``<|im_start|>`` for chatml/qwen: the tokenizer's special tokens and the template's) is
  refused with 400 ``control_token_in_content``, since the template would render it as
  structure and let a user forge turns; ``allow_control_tokens`` lets them through.
  ``/v1/completions`` prompts are raw text the client renders itself and are not checked.
- **Readiness.** ``/health`` answers 200 ``ok`` only while requests are served, else 503 with
  ``starting`` (:func:`serve` warms the engine up, ``InferEngine.warm_up``, after the port is
  bound), ``stopping`` or ``unhealthy``; other routes answer those states with a 503 in the
  error shape. An engine whose ``warm_up`` raises stops ``swift deploy`` with its message; an
  engine whose ``check_health`` raises (polled every second) makes the server exit non-zero,
  for a supervisor to restart.
- **Shutdown.** SIGTERM or SIGINT drains: the port stops accepting, requests arriving on open
  connections get 503, running ones may finish for ``shutdown_timeout`` seconds; then each
  live stream ends with an error event (``data: {"error": ...}``, code
  ``server_shutting_down``) and ``data: [DONE]``, each waiting answer with a JSON 503, the
  engine is closed and ``swift deploy`` exits 0.
- **Limits.** At most ``max_concurrency`` prompts are served at once (one slot per prompt:
  a chat request takes one, a ``/v1/completions`` list one per prompt, streams included until
  their last event, and a request whose client left until the engine has let go of it); one
  more is answered 429 at once rather than queued, so a client sees the overload and can back
  off (a list longer than ``max_concurrency`` can never be served: 400). ``max_tokens`` over
  ``max_tokens_limit`` is answered 400 naming the limit; omitted, it defaults to
  ``default_max_tokens`` (else the limit; 16 for ``/v1/completions``, as OpenAI).
- **Context.** Prompt plus answer must fit ``max_length`` tokens (``--max_length``; default: the
  model's context length, see :func:`~swiftkit.serve.limits.context_length`). The prompt is
  rendered and counted with the engine's tokenizer in a worker thread before the engine sees
  it: a prompt that leaves no room, or one whose explicit ``max_tokens`` does not fit beside it,
  is answered 400 ``context_length_exceeded`` naming both counts; an omitted ``max_tokens`` is
  cut to the room left. (An engine without an in-process tokenizer applies its own limit.)
- **Body size.** A body over ``max_request_bytes`` (``--max_request_bytes``, default 8 MiB) is
  answered 413 ``request_too_large`` before it is parsed (:class:`~swiftkit.serve.limits.BodyLimit`).
  Text from the request quoted in an error is cut to 100 characters. A lone UTF-16 surrogate
  (``"\\ud800"``) in any text field is a 400 naming the field.
- **Media.** Chat content parts ``image_url`` / ``video_url`` / ``input_audio`` / ``audio_url``
  become ``<image>`` / ``<video>`` / ``<audio>`` tags plus the request's media
  (:mod:`swiftkit.serve.media`): data URLs, http(s) URLs fetched by the server
  (``--media_fetch_timeout``), local files only inside ``--allow_local_media DIR``; at most
  ``--max_media_bytes`` per medium and ``--max_media_per_request``; a request reading its media
  holds a request slot (``--max_concurrency``). A violation, or media sent to
  a text model (the message names the model), is a 4xx naming ``messages[i].content[j]``.
- **Errors** have OpenAI's shape, ``{"error": {"message", "type", "param", "code"}}``. A body
  that does not validate (bad JSON, a missing or mistyped field, an unknown argument) is 400,
  not FastAPI's 422; an engine's ``ValueError`` / ``NotImplementedError`` (a conversation the
  template refuses, a prompt that is too long) is 400; anything else is 500, same shape.
- **Cancellation.** A client that goes away mid-stream (or before a non-streamed answer is
  ready) stops its request: the engine's async generator is closed at its next chunk (an
  engine stops generating there, see :class:`~swiftkit.core.engines.interface.InferEngine`) and
  the slot is freed. ``/health`` reports the slots in use (``active_requests``).

FastAPI, uvicorn and sse-starlette are the ``serve`` extra; they are imported when an app is
created, never by ``import swiftkit``. (No ``from __future__ import annotations`` here: FastAPI
reads the route functions' annotations, which name classes imported inside the functions that add
the routes.)
"""

import asyncio
import contextlib
import functools
import hmac
import inspect
import itertools
import logging
import os
import re
import threading
import time
import uuid
import weakref
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from swiftkit.core.engines.interface import (
    ChatRequest,
    ChatResponse,
    CompletionRequest,
    SamplingOptions,
    StreamChunk,
    TokenLogprob,
)
from swiftkit.core.errors import ConfigError
from swiftkit.serve.limits import (
    DEFAULT_MAX_REQUEST_BYTES,
    BodyLimit,
    clip,
    context_length,
    count_prompt_tokens,
)
from swiftkit.serve.media import (
    MediaLimits,
    MediaRequestError,
    check_parts,
    model_media_kinds,
    parse_messages,
    read_media,
)
from swiftkit.serve.tools import ToolPlan, ToolRequestError, ToolStream, plan_tools, request_messages

logger = logging.getLogger("swiftkit.server")

DEFAULT_MAX_CONCURRENCY = 64
DEFAULT_MAX_TOKENS_LIMIT = 4096
#: below the common supervisors' kill deadlines (Kubernetes' 30 s grace), leaving time to close the engine
DEFAULT_SHUTDOWN_TIMEOUT = 25.0
API_KEY_ENV = "SWIFTKIT_API_KEY"
SERVE_EXTRA_HINT = "pip install 'swiftkit[serve]'  (fastapi, uvicorn, sse-starlette)"

# ----------------------------------------------------------------------------- errors


class OpenAIError(Exception):
    """An error answered in OpenAI's shape with ``status``."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",
                 param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code

    def body(self) -> dict[str, Any]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


def _engine_error(exc: BaseException) -> OpenAIError:
    """An exception raised by the engine for one request, as the error the client gets."""
    if isinstance(exc, OpenAIError):
        return exc
    if isinstance(exc, (ValueError, NotImplementedError)):  # may quote the request: cut, like every echo
        return OpenAIError(400, clip(str(exc) or type(exc).__name__, 1000), code="invalid_request")
    logger.error("request failed", exc_info=exc)
    return OpenAIError(500, clip(f"internal error: {type(exc).__name__}: {exc}", 1000), type="server_error",
                       code="internal_error")


#: pydantic's names for the members of a union, which it puts in an error's location
_TYPE_TAG = re.compile(r"^((str|int|float|bool|bytes|none)$|(list|dict|set|tuple|union|nullable|literal|tagged-union"
                       r"|json-or-python|is-instance|chain|default)\[|function-|constrained-|lax-)")


def _param(loc: Any) -> str | None:
    parts = [str(x) for x in loc if not (isinstance(x, str) and (x == "body" or _TYPE_TAG.match(x)))]
    return ".".join(parts) or None


def _validation_error(errors: list[dict[str, Any]]) -> OpenAIError:
    """FastAPI's validation errors as one 400 naming the first offending field."""
    first = errors[0] if errors else {"loc": (), "msg": "invalid request body", "type": "value_error"}
    param = _param(first.get("loc", ()))
    kind = first.get("type", "")
    same = [e for e in errors if _param(e.get("loc", ())) == param]  # a union's members, one error each
    others = len(errors) - len(same)
    param = clip(param) if param is not None else None  # a field name is the client's text too
    if kind == "json_invalid":
        ctx = first.get("ctx") or {}
        message, param = f"the request body is not valid JSON: {clip(ctx.get('error', first.get('msg')))}", None
    elif kind == "extra_forbidden":
        message = f"Unrecognized request argument supplied: {param}"
    elif param is None and kind in ("model_attributes_type", "dict_type", "model_type"):
        message = "the request body must be a JSON object (sent with Content-Type: application/json)"
    elif kind == "missing":
        message = f"'{param}' is a required property" if param else "the request body is missing"
    else:
        said = " or ".join(dict.fromkeys(clip(e.get("msg"), 300) for e in same))
        message = f"{param}: {said}" if param else said
    if others:
        message += f" (and {others} more problem{'s' if others > 1 else ''})"
    return OpenAIError(400, message, param=param, code="invalid_value" if param else "invalid_request")


# ----------------------------------------------------------------------------- slots


@dataclass
class _Gauge:
    """Requests in flight; everything runs on the event loop, so no lock is needed."""

    limit: int
    active: int = 0
    total: int = 0
    rejected: int = 0
    tokens: int = 0  # completion tokens answered (--log_interval's throughput line)

    def acquire(self, n: int = 1) -> "_Slot":
        """``n`` slots at once (one per prompt), or 429 when fewer are free (400 when ``n`` is
        more than there are: waiting would not help)."""
        if n > self.limit:
            raise OpenAIError(400, f"the request has {n} prompts; this server serves at most {self.limit} at once "
                                   "(--max_concurrency): send them in smaller lists", param="prompt",
                              code="too_many_prompts")
        if self.active + n > self.limit:
            self.rejected += 1
            raise OpenAIError(
                429, f"the server is busy: all {self.limit} request slots are in use (--max_concurrency); retry later",
                type="rate_limit_error", code="rate_limit_exceeded")
        self.active += n
        self.total += 1
        return _Slot(self, n)


class _Slot:
    def __init__(self, gauge: _Gauge, n: int = 1):
        self._gauge: _Gauge | None = gauge
        self._n = n

    def release(self) -> None:
        if self._gauge is not None:
            self._gauge.active -= self._n
            self._gauge = None


# ----------------------------------------------------------------------------- life cycle


class _Lifecycle:
    """Where the server is in its life (``/health``'s status) and the shutdown drain.

    ``starting`` while the engine warms up, ``ok`` while serving, ``stopping`` once a shutdown
    began, ``unhealthy`` once the engine died (``failed``: the process exits non-zero). All
    of it runs on the event loop, except :meth:`ready` and :meth:`fail`, called from the
    warm-up thread through the loop."""

    def __init__(self, engine: Any, shutdown_timeout: float):
        if shutdown_timeout < 0:
            raise ConfigError(f"shutdown_timeout must be 0 or more seconds, got {shutdown_timeout}")
        self.engine = engine
        self.shutdown_timeout = shutdown_timeout
        self.status = "ok"
        self.failure: str | None = None  # why the server exits non-zero
        #: asks the running server to stop (set by whoever runs the app)
        self.request_exit: Callable[[], None] | None = None
        #: where the drain says what it does (``swift deploy`` prints it)
        self.echo: Callable[[str], None] = logger.info
        self.active: Callable[[], int] = lambda: 0
        self._draining = False
        # a flag plus one future per waiting answer, created on the waiter's own loop: an
        # asyncio.Event binds to the first loop that waits on it, and an app may be driven from
        # more than one (a server thread and a test's in-process client)
        self._expired = False
        self._waiters: set[asyncio.Future[None]] = set()
        self._pumps: weakref.WeakSet[_Pump] = weakref.WeakSet()

    def refuse(self) -> None:
        """Raise the 503 a request gets while the server does not serve requests."""
        if self.status == "ok":
            return
        if self.status == "starting":
            raise OpenAIError(503, "the server is starting: the engine is not ready yet; retry later (see /health)",
                              type="server_error", code="server_starting")
        if self.status == "stopping":
            raise self.shutdown_error("the server is shutting down; send the request again elsewhere")
        raise OpenAIError(503, "the engine can no longer answer; the server is exiting", type="server_error",
                          code="engine_dead")

    @staticmethod
    def shutdown_error(message: str) -> OpenAIError:
        return OpenAIError(503, message, type="server_error", code="server_shutting_down")

    def check_engine(self) -> None:
        """Ask the engine whether it still answers (``InferEngine.check_health``)."""
        if self.status not in ("ok", "stopping"):
            return
        try:
            self.engine.check_health()
        except Exception as exc:
            self.fail(f"{exc}" or type(exc).__name__, "the engine died")

    def fail(self, reason: str, what: str) -> None:
        """The engine cannot serve: report unhealthy and stop the server (exit non-zero)."""
        if self.failure is None:
            self.failure = f"{what}: {reason}"
            logger.error("%s; stopping the server", self.failure)
        self.status = "unhealthy"
        if self.request_exit is not None:
            self.request_exit()

    def begin_drain(self) -> None:
        """Stop taking requests; in ``shutdown_timeout`` seconds end whatever still runs."""
        if self._draining:
            return
        self._draining = True
        if self.status != "unhealthy":
            self.status = "stopping"
        self.echo(f"shutting down: {self.active()} request(s) running, which may finish within "
                  f"{self.shutdown_timeout:g} s (--shutdown_timeout); new requests get 503")
        asyncio.get_running_loop().call_later(self.shutdown_timeout, self._expire)

    def _expire(self) -> None:
        if self._expired:
            return
        self._expired = True
        for waiter in list(self._waiters):
            waiter.get_loop().call_soon_threadsafe(lambda w=waiter: w.done() or w.set_result(None))
        for pump in list(self._pumps):
            pump.fail(self._expired_error())

    def _expired_error(self) -> OpenAIError:
        return self.shutdown_error(f"the server shut down before the answer was complete (grace period of "
                                   f"{self.shutdown_timeout:g} s, --shutdown_timeout)")

    def track(self, pump: "_Pump") -> None:
        """A live stream, ended with an error event when the grace period ends."""
        if self._expired:
            pump.fail(self._expired_error())
        else:
            self._pumps.add(pump)

    async def race(self, awaitable: Any) -> Any:
        """Await ``awaitable``; if the grace period ends first, cancel it and raise a 503."""
        task = asyncio.ensure_future(awaitable)
        expiry: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._expired:
            expiry.set_result(None)
        self._waiters.add(expiry)
        try:
            await asyncio.wait({task, expiry}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            self._waiters.discard(expiry)
            expiry.cancel()
        if task.done():
            return task.result()
        task.cancel()
        raise self._expired_error()


# ----------------------------------------------------------------------------- streaming pump

_DONE = object()


class _Failure:
    def __init__(self, exc: BaseException):
        self.exc = exc


class _Pump:
    """Runs an engine's ``stream_async`` generator in its own task and queues its chunks.

    The consumer (the SSE response) may be cancelled at any await when the client leaves;
    this task is not: :meth:`stop` asks it to close the engine generator at its next chunk,
    where closing is clean (``aclose`` at a ``yield``), and the slot is released once the
    generator is closed. An engine that yields nothing for ``grace`` seconds after a stop is
    cancelled outright."""

    def __init__(self, agen: AsyncIterator[StreamChunk], slot: _Slot, grace: float):
        self.agen = agen
        self.slot = slot
        self.grace = grace
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.stopping = False
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            async for chunk in self.agen:
                self.queue.put_nowait(chunk)
                if self.stopping:
                    break
        except asyncio.CancelledError:
            pass
        except BaseException as exc:  # handed to the consumer
            self.queue.put_nowait(_Failure(exc))
        finally:
            try:
                await self.agen.aclose()
            except BaseException:  # noqa: S110 - closing a failed or cancelled generator: nothing to report
                pass
            finally:
                self.queue.put_nowait(_DONE)
                self.slot.release()

    async def get(self) -> Any:
        return await self.queue.get()

    def fail(self, error: BaseException) -> None:
        """End the stream with ``error`` (after the chunks already queued) and stop the engine."""
        if not self.task.done():
            self.queue.put_nowait(_Failure(error))
        self.stop()

    def stop(self) -> None:
        if self.task.done() or self.stopping:
            return
        self.stopping = True
        loop = asyncio.get_running_loop()
        loop.call_later(self.grace, lambda: self.task.done() or self.task.cancel())


async def _wait_disconnect(request: Any) -> None:
    """Return when the client has closed the connection (the body is already read)."""
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return


async def _unless_disconnected(request: Any, awaitable: Any) -> Any:
    """Await ``awaitable``; if the client leaves first, cancel it and raise ``_ClientGone``."""
    task = asyncio.ensure_future(awaitable)
    watcher = asyncio.ensure_future(_wait_disconnect(request))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        task.cancel()
        raise
    finally:
        watcher.cancel()
    if task.done():
        return task.result()
    task.cancel()
    raise _ClientGone


class _ClientGone(Exception):
    pass


async def _all_or_none(coros: list[Any]) -> list[Any]:
    """Await every coroutine; the first failure cancels the others and is raised."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        return list(await asyncio.gather(*tasks))
    finally:
        for task in tasks:
            task.cancel()


# ----------------------------------------------------------------------------- conversions


def _new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:24]}"


def _bytes(token: str) -> list[int]:
    return list(token.encode("utf-8", errors="replace"))


def _chat_logprobs(items: list[TokenLogprob] | None, top_n: int) -> dict[str, Any] | None:
    if items is None:
        return None
    return {"content": [
        {"token": t.token, "logprob": t.logprob, "bytes": _bytes(t.token),
         "top_logprobs": [{"token": tok, "logprob": lp, "bytes": _bytes(tok)} for tok, lp in t.top[:top_n]]}
        for t in items
    ]}


def _completion_logprobs(items: list[TokenLogprob] | None, top_n: int, offset: int = 0) -> dict[str, Any] | None:
    if items is None:
        return None
    offsets, pos = [], offset
    for t in items:
        offsets.append(pos)
        pos += len(t.token)
    return {
        "tokens": [t.token for t in items],
        "token_logprobs": [t.logprob for t in items],
        "top_logprobs": [dict(t.top[:top_n]) for t in items] if top_n else None,
        "text_offset": offsets,
    }


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _sse(payload: dict[str, Any] | str) -> dict[str, str]:
    import json

    return {"data": payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)}


# ----------------------------------------------------------------------------- settings


@dataclass
class ServerSettings:
    """What :func:`create_app` was given, resolved (the served names, the limits), and what a
    request's fields mean under it (which adapter, how many tokens, which sampling)."""

    base_name: str
    adapters: dict[str, str]  # served name -> folder
    api_key: str | None
    max_concurrency: int
    max_tokens_limit: int
    default_max_tokens: int | None
    max_length: int | None = None  # prompt + answer tokens; None: not checked here (the engine's own limit)
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES
    created: int = field(default_factory=lambda: int(time.time()))
    #: the adapter a request without ``model`` uses (``swift infer``'s choice), None: the base
    default_adapter: str | None = None
    #: the special tokens refused inside chat messages (empty: ``allow_control_tokens``)
    control_tokens: tuple[str, ...] = ()
    #: ``swift deploy``'s generation flags (temperature, top_p, top_k, repetition_penalty,
    #: stop_words): what a request that leaves one out gets
    request_defaults: dict[str, Any] = field(default_factory=dict)
    owned_by: str = "swiftkit"  # /v1/models' owned_by (--owned_by)
    max_logprobs: int = 20  # the most top_logprobs a request may ask for (--max_logprobs)
    #: what a request's media may be (--max_media_bytes, --max_media_per_request, --media_fetch_timeout,
    #: --allow_local_media) and the media kinds the served model reads (empty: a text model)
    media_limits: MediaLimits = field(default_factory=MediaLimits)
    media_kinds: tuple[str, ...] = ()

    @classmethod
    def resolve(cls, resolved: Any, *, served_model_name: str | None, api_key: str | None, max_concurrency: int,
                max_tokens_limit: int, default_max_tokens: int | None, max_length: int | None = None,
                max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES) -> "ServerSettings":
        """Check the limits and the served names (the base model's must not be an adapter's)."""
        if max_concurrency < 1:
            raise ConfigError(f"max_concurrency must be at least 1, got {max_concurrency}")
        if max_tokens_limit < 1:
            raise ConfigError(f"max_tokens_limit must be at least 1, got {max_tokens_limit}")
        if max_length is not None and max_length < 2:
            raise ConfigError(f"max_length must be at least 2 (a prompt token and an answer token), got {max_length}")
        if max_request_bytes < 1:
            raise ConfigError(f"max_request_bytes must be at least 1, got {max_request_bytes}")
        base_name = served_model_name or resolved.model_id
        adapters = dict(resolved.adapters)
        if base_name in adapters:
            raise ConfigError(f"served model name {base_name!r} is also the name of an adapter; rename one")
        from swiftkit.infer.factory import default_adapter

        return cls(base_name, adapters, api_key or None, max_concurrency, max_tokens_limit, default_max_tokens,
                   max_length, max_request_bytes, default_adapter=default_adapter(resolved) if adapters else None)

    def pick_adapter(self, name: str | None) -> str | None:
        """The adapter a request's ``model`` names (``None``: the base model; omitted: the
        default adapter); 404 if unknown."""
        if name is None:
            return self.default_adapter
        if name == self.base_name:
            return None
        if name in self.adapters:
            return name
        served = [self.base_name, *self.adapters]
        raise OpenAIError(404, f"The model {clip(name)!r} does not exist; this server serves "
                               f"{', '.join(map(repr, served))}",
                          param="model", code="model_not_found")

    def model_name(self, adapter: str | None) -> str:
        return adapter or self.base_name

    def check_control_tokens(self, messages: list[dict[str, Any]]) -> None:
        """400 for a chat message whose text holds a control token (see the module's rules)."""
        if not self.control_tokens:
            return
        pattern = _control_pattern(self.control_tokens)
        for i, message in enumerate(messages):
            found = pattern.search(message.get("content") or "")
            if found:
                raise OpenAIError(
                    400, f"messages[{i}].content holds the control token {found.group(0)!r}, which the chat template "
                         "would read as structure; remove it (the server was not started with --allow_control_tokens)",
                    param=f"messages.{i}.content", code="control_token_in_content")

    def chat_media(self, messages: list[dict[str, Any]], adapter: str | None) -> tuple[list[dict[str, Any]], Any]:
        """The messages with media content parts made tags, and the parts (checked against the
        model's media kinds and the count limit; read later with :meth:`read_media`)."""
        try:
            parsed = parse_messages(messages, tags_are_text=not self.media_kinds)
            check_parts(parsed, self.media_limits, model=self.model_name(adapter), kinds=self.media_kinds)
        except MediaRequestError as exc:
            raise _media_error(exc) from None
        return parsed.messages, parsed

    async def read_media(self, parsed: Any) -> dict[str, list[bytes]]:
        """The bytes of every media part (fetched in a worker thread, within the limits)."""
        if not parsed.parts:
            return {}
        try:
            return await asyncio.to_thread(read_media, parsed, self.media_limits)
        except MediaRequestError as exc:
            raise _media_error(exc) from None

    def budget(self, requested: int | None) -> int:
        """The ``max_tokens`` to generate: the request's within the limit, else the default."""
        if requested is not None and requested > self.max_tokens_limit:
            raise OpenAIError(400, f"max_tokens is {requested}, more than this server's limit of "
                                   f"{self.max_tokens_limit} tokens (--max_tokens_limit)",
                              param="max_tokens", code="max_tokens_too_large")
        if requested is not None:
            return requested
        return min(self.default_max_tokens or self.max_tokens_limit, self.max_tokens_limit)

    def fit_prompt(self, prompt_tokens: int, exact: bool, requested: int | None, sampling: SamplingOptions,
                   param: str) -> None:
        """Check a counted prompt against ``max_length`` (400 naming the counts) and cut a
        default answer budget to the room left; ``requested``: the request's own ``max_tokens``."""
        limit = self.max_length
        if limit is None:
            return
        counted = str(prompt_tokens) if exact else f"more than {prompt_tokens}"
        if prompt_tokens >= limit:
            raise OpenAIError(400, f"the prompt has {counted} tokens; this model's context is {limit} tokens for prompt "
                                   "and answer together (--max_length): shorten the prompt",
                              param=param, code="context_length_exceeded")
        if requested is not None and prompt_tokens + requested > limit:
            raise OpenAIError(400, f"the prompt has {prompt_tokens} tokens and max_tokens is {requested}: "
                                   f"{prompt_tokens + requested} tokens, more than this model's context of {limit} "
                                   "tokens (--max_length); shorten the prompt or lower max_tokens",
                              param="max_tokens", code="context_length_exceeded")
        sampling.max_tokens = min(sampling.max_tokens, limit - prompt_tokens)

    def sampling(self, body: Any, max_tokens: int | None, logprobs: bool, top_logprobs: int) -> SamplingOptions:
        """The engine's sampling options for a request body; 400 for a parameter it refuses."""
        refused = body.unsupported()
        if refused:
            raise OpenAIError(400, refused[1], param=refused[0], code="unsupported_parameter")
        if top_logprobs > self.max_logprobs:
            raise OpenAIError(400, f"{top_logprobs} log-probabilities per position were asked for; this server returns "
                                   f"at most {self.max_logprobs} (--max_logprobs)", param="logprobs", code="too_many_logprobs")
        d = self.request_defaults

        def pick(value: Any, key: str, default: Any) -> Any:
            return value if value is not None else d.get(key, default)

        return SamplingOptions(
            max_tokens=self.budget(max_tokens),
            temperature=float(pick(body.temperature, "temperature", 0.0)),
            top_p=float(pick(body.top_p, "top_p", 1.0)),
            top_k=max(0, int(pick(body.top_k, "top_k", 0))),
            repetition_penalty=float(pick(body.repetition_penalty, "repetition_penalty", 1.0)),
            seed=body.seed,
            stop=list(dict.fromkeys([*d.get("stop_words", []), *body.stop_list()])),
            logprobs=logprobs,
            top_logprobs=top_logprobs,
        )


def _media_error(exc: MediaRequestError) -> OpenAIError:
    return OpenAIError(exc.status, clip(exc.message, 1000), param=exc.param, code=exc.code)


@functools.lru_cache(maxsize=8)
def _control_pattern(tokens: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True)))


def control_tokens(engine: Any) -> tuple[str, ...]:
    """The strings a chat template renders as structure: the engine's tokenizer's special
    tokens (added tokens marked special included) and the template's own special tokens and
    stop words. Only those spelled with punctuation count (``<|im_start|>``, ``</s>``), so a
    tokenizer whose special tokens are plain words does not refuse ordinary text."""
    found: set[str] = set()
    tokenizer = engine.tokenizer
    if tokenizer is not None:
        found.update(getattr(tokenizer, "all_special_tokens", None) or [])
        decoder = getattr(tokenizer, "added_tokens_decoder", None) or {}
        found.update(t.content for t in decoder.values() if getattr(t, "special", False))
    template = engine.template
    if template is not None:
        found.update(template.stop_words)
        found.update(template.spec.special_tokens)
    return tuple(sorted(t for t in found if isinstance(t, str) and len(t) > 1 and not t.strip().isalnum()
                        and re.search(r"[<>|\[\]]", t)))


# ----------------------------------------------------------------------------- engine calls


class _EngineCalls:
    """The engine behind the request slots: each call holds one slot until it is done (a
    stream: until its last event), and stops when the client leaves."""

    def __init__(self, engine: Any, gauge: _Gauge, cancel_grace: float, settings: ServerSettings, lifecycle: _Lifecycle):
        self.engine, self.gauge, self.cancel_grace = engine, gauge, cancel_grace
        self.settings, self.lifecycle = settings, lifecycle

    def _fit(self, engine_request: Any, requested: int | None) -> None:
        """Count the prompt and check it against the context (blocking: run in a worker thread)."""
        limit = self.settings.max_length
        if limit is None or self.engine.tokenizer is None:
            return
        tokens, exact = count_prompt_tokens(self.engine, engine_request, limit)
        param = "prompt" if isinstance(engine_request, CompletionRequest) else "messages"
        self.settings.fit_prompt(tokens, exact, requested, engine_request.sampling, param)

    async def read_media(self, parsed: Any) -> dict[str, list[bytes]]:
        """A request's media read while it holds a slot, so that fetches count against
        ``max_concurrency`` like answers (429 when every slot is taken)."""
        if not parsed.parts:
            return {}
        slot = self.gauge.acquire()
        try:
            return await self.settings.read_media(parsed)
        finally:
            slot.release()

    async def _fitted_answer(self, engine_request: Any, requested: int | None) -> ChatResponse:
        await asyncio.to_thread(self._fit, engine_request, requested)
        return await self.engine.infer_async(engine_request)

    async def answer(self, request: Any, engine_request: Any, requested: int | None) -> ChatResponse:
        """One non-streamed answer; raises ``_ClientGone`` if the client leaves first."""
        return (await self.answer_all(request, [engine_request], requested))[0]

    async def answer_all(self, request: Any, engine_requests: list[Any], requested: int | None) -> list[ChatResponse]:
        """Several answers, one slot per prompt. The slots are held until the work is over:
        when the client leaves, until the engine has let go of its rows."""
        slot = self.gauge.acquire(len(engine_requests))
        work = asyncio.ensure_future(_all_or_none([self._fitted_answer(r, requested) for r in engine_requests]))
        work.add_done_callback(lambda _: slot.release())
        try:
            results = await self.lifecycle.race(_unless_disconnected(request, work))
            self.gauge.tokens += sum(r.completion_tokens for r in results)
            return results
        except (_ClientGone, OpenAIError):
            raise
        except Exception as exc:
            raise _engine_error(exc) from exc

    async def score_all(self, request: Any, prompts: list[list[int]], adapter: str | None,
                        top_n: int) -> list[list[TokenLogprob | None]]:
        """The log-probabilities of each prompt's tokens (:meth:`InferEngine.prompt_logprobs`),
        one slot per prompt, in worker threads."""
        slot = self.gauge.acquire(len(prompts))
        work = asyncio.ensure_future(_all_or_none([
            asyncio.to_thread(self.engine.prompt_logprobs, ids, adapter=adapter, top_logprobs=top_n) for ids in prompts]))
        work.add_done_callback(lambda _: slot.release())
        try:
            return await self.lifecycle.race(_unless_disconnected(request, work))
        except (_ClientGone, OpenAIError):
            raise
        except Exception as exc:
            raise _engine_error(exc) from exc

    async def open_stream(self, engine_request: Any, requested: int | None) -> tuple[_Pump, Any]:
        """Start streaming and wait for the first chunk, so that a request the engine refuses
        is still answered with a status code rather than an event."""
        slot = self.gauge.acquire()
        try:
            await asyncio.to_thread(self._fit, engine_request, requested)
            pump = _Pump(self.engine.stream_async(engine_request), slot, self.cancel_grace)
        except BaseException:
            slot.release()
            raise
        self.lifecycle.track(pump)
        try:
            first = await pump.get()
        except BaseException:
            pump.stop()
            raise
        if isinstance(first, _Failure):
            raise _engine_error(first.exc)
        return pump, first

    def event_source(self, events: AsyncIterator[dict[str, str]]) -> Any:
        """The server-sent events response; on shutdown it waits for the stream to end by
        itself (the drain ends it with an error event) a little longer than the grace period."""
        from sse_starlette.sse import EventSourceResponse

        return EventSourceResponse(events, sep="\n", ping=15,
                                   shutdown_grace_period=self.lifecycle.shutdown_timeout + 2.0)

    async def chunks(self, pump: _Pump, first: Any) -> AsyncIterator[StreamChunk]:
        """The stream's chunks from ``first`` on; closing it stops the engine's generator."""
        item = first
        try:
            while item is not _DONE:
                if isinstance(item, _Failure):
                    raise _engine_error(item.exc)
                if item.finish_reason is not None:
                    self.gauge.tokens += item.completion_tokens or 0
                yield item
                item = await pump.get()
        finally:
            pump.stop()


def _gone() -> Any:
    from fastapi.responses import Response

    return Response(status_code=499)  # nobody reads it: the client has left


# ----------------------------------------------------------------------------- answers and streams


@dataclass
class _Reply:
    """What every chunk or answer of one request carries."""

    id: str
    object: str
    created: int
    model: str

    def head(self) -> dict[str, Any]:
        return {"id": self.id, "object": self.object, "created": self.created, "model": self.model}


def _chat_answer(reply: _Reply, result: ChatResponse, top_n: int | None, plan: ToolPlan | None = None) -> dict[str, Any]:
    message, finish = {"role": "assistant", "content": result.text}, result.finish_reason
    if plan is not None:
        message, finish = plan.message(result.text, result.finish_reason)
    return {**reply.head(),
            "choices": [{"index": 0, "message": message,
                         "finish_reason": finish,
                         "logprobs": _chat_logprobs(result.logprobs, top_n) if top_n is not None else None}],
            "usage": _usage(result.prompt_tokens, result.completion_tokens)}


def _scored_logprobs(first: str, items: list[TokenLogprob | None], generated: dict[str, Any] | None,
                     top_n: int) -> dict[str, Any]:
    """``echo`` with ``logprobs``: the prompt's tokens (the first, ``first``, has no log-probability)
    followed by the generated ones (``generated``, already in the completions shape)."""
    tokens, values, tops, offsets, pos = [], [], [], [], 0
    for i, item in enumerate(items):
        token = first if item is None or i == 0 else item.token
        tokens.append(token)
        values.append(None if item is None else item.logprob)
        tops.append(None if item is None else dict(item.top[:top_n]))
        offsets.append(pos)
        pos += len(token)
    if generated:
        tokens += generated["tokens"]
        values += generated["token_logprobs"]
        tops += generated["top_logprobs"] or [{} for _ in generated["tokens"]]
        offsets += generated["text_offset"]
    return {"tokens": tokens, "token_logprobs": values, "top_logprobs": tops if top_n else None, "text_offset": offsets}


def _completion_answer(reply: _Reply, prompts: list[str], results: list[ChatResponse], echo: bool,
                       top_n: int | None, scored: list[tuple[str, list[TokenLogprob | None]]] | None = None,
                       ) -> dict[str, Any]:
    choices = []
    for i, (pr, r) in enumerate(zip(prompts, results, strict=True)):
        logprobs = _completion_logprobs(r.logprobs, top_n, len(pr) if echo else 0) if top_n is not None else None
        if scored is not None and top_n is not None:
            logprobs = _scored_logprobs(scored[i][0], scored[i][1], logprobs, top_n)
        choices.append({"index": i, "text": (pr if echo else "") + r.text, "finish_reason": r.finish_reason,
                        "logprobs": logprobs})
    return {**reply.head(), "choices": choices,
            "usage": _usage(sum(r.prompt_tokens for r in results), sum(r.completion_tokens for r in results))}


async def _relay(head: list[dict[str, str]], chunks: AsyncIterator[StreamChunk],
                 render: Callable[[StreamChunk], list[dict[str, str]]],
                 usage_event: Callable[[dict[str, int]], dict[str, str]] | None) -> AsyncIterator[dict[str, str]]:
    """The server-sent events of a streamed answer: ``head``, then each chunk as ``render``
    makes it, then the usage (when asked for) and ``[DONE]``. A failure after the headers
    travels as an error event."""
    for event in head:
        yield event
    prompt_tokens = completion_tokens = 0
    try:
        async for chunk in chunks:
            for event in render(chunk):
                yield event
            if chunk.finish_reason is not None:
                prompt_tokens = chunk.prompt_tokens or 0
                completion_tokens = chunk.completion_tokens or 0
    except Exception as exc:  # after the headers: the error travels as an event
        yield _sse(_engine_error(exc).body())
        yield _sse("[DONE]")
        return
    if usage_event is not None:
        yield usage_event(_usage(prompt_tokens, completion_tokens))
    yield _sse("[DONE]")


def _usage_event(reply: _Reply, include_usage: bool) -> Callable[[dict[str, int]], dict[str, str]] | None:
    return (lambda usage: _sse({**reply.head(), "choices": [], "usage": usage})) if include_usage else None


def _chat_stream(reply: _Reply, chunks: AsyncIterator[StreamChunk], top_n: int | None,
                 include_usage: bool, tools: ToolStream | None = None) -> AsyncIterator[dict[str, str]]:
    """``chat.completion.chunk`` events: the role, the deltas, the finish reason; with ``tools``,
    content and ``tool_calls`` deltas as the agent template reads them."""

    def event(delta: dict[str, Any], finish: str | None = None, logprobs: Any = None) -> dict[str, str]:
        chunk: dict[str, Any] = {**reply.head(), "choices": [{"index": 0, "delta": delta, "logprobs": logprobs,
                                                               "finish_reason": finish}]}
        if include_usage:
            chunk["usage"] = None
        return _sse(chunk)

    def render(chunk: StreamChunk) -> list[dict[str, str]]:
        out = []
        lp = _chat_logprobs(chunk.logprobs, top_n) if top_n is not None else None
        if tools is not None:
            deltas = tools.feed(chunk.delta)
            out += [event(d, None, lp if k == 0 else None) for k, d in enumerate(deltas)]
            if lp and not deltas:
                out.append(event({"content": ""}, None, lp))
            if chunk.finish_reason is not None:
                rest, finish = tools.finish(chunk.finish_reason)
                out += [event(d) for d in rest]
                out.append(event({}, finish))
            return out
        if chunk.delta or lp:
            out.append(event({"content": chunk.delta}, None, lp))
        if chunk.finish_reason is not None:
            out.append(event({}, chunk.finish_reason))
        return out

    return _relay([event({"role": "assistant", "content": ""})], chunks, render, _usage_event(reply, include_usage))


def _completion_stream(reply: _Reply, chunks: AsyncIterator[StreamChunk], prompt: str, echo: bool,
                       top_n: int | None, include_usage: bool) -> AsyncIterator[dict[str, str]]:
    """``text_completion`` events: the prompt (with ``echo``), the text, the finish reason;
    log-probabilities carry their offset in the whole text."""
    offset = len(prompt) if echo else 0

    def event(text: str, finish: str | None = None, logprobs: Any = None) -> dict[str, str]:
        chunk: dict[str, Any] = {**reply.head(), "choices": [{"index": 0, "text": text, "logprobs": logprobs,
                                                               "finish_reason": finish}]}
        if include_usage:
            chunk["usage"] = None
        return _sse(chunk)

    def render(chunk: StreamChunk) -> list[dict[str, str]]:
        nonlocal offset
        out = []
        lp = _completion_logprobs(chunk.logprobs, top_n, offset) if top_n is not None else None
        offset += len(chunk.delta)
        if chunk.delta or lp:
            out.append(event(chunk.delta, None, lp))
        if chunk.finish_reason is not None:
            out.append(event("", chunk.finish_reason))
        return out

    return _relay([event(prompt)] if echo else [], chunks, render, _usage_event(reply, include_usage))


# ----------------------------------------------------------------------------- the app, step by step


def _require_serve_extra() -> None:
    try:
        import fastapi  # noqa: F401
        import sse_starlette  # noqa: F401
        import starlette  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ConfigError(f"serving needs the serve extra ({exc.name} is missing): {SERVE_EXTRA_HINT}") from exc


def _api_key_check(settings: ServerSettings) -> Callable[..., Any]:
    """The dependency every route runs: ``Authorization: Bearer <key>`` when a key is set."""
    from fastapi import Depends, Request
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

    bearer = HTTPBearer(auto_error=False, description="The server's --api_key, as `Authorization: Bearer <key>`.")

    async def check_key(request: Request,
                        credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:  # noqa: B008
        if settings.api_key is None or _is_open(request):
            return
        given = credentials.credentials if credentials is not None else None
        if given is None:
            raise OpenAIError(401, "missing API key: send it as 'Authorization: Bearer <key>'", code="invalid_api_key")
        if not hmac.compare_digest(given.encode(), settings.api_key.encode()):
            raise OpenAIError(401, "incorrect API key provided", code="invalid_api_key")

    return check_key


def _open(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a route function as open: no API key, answered whatever the server's state."""
    endpoint._swiftkit_open = True  # type: ignore[attr-defined]
    return endpoint


def _is_open(request: Any) -> bool:
    return bool(getattr(request.scope.get("endpoint"), "_swiftkit_open", False))


def _ready_check(lifecycle: _Lifecycle) -> Callable[..., Any]:
    """The dependency every route runs after the key: 503 unless the server serves requests."""
    from fastapi import Request

    async def check_ready(request: Request) -> None:
        if not _is_open(request):
            lifecycle.refuse()

    return check_ready


def _new_app(settings: ServerSettings, check_key: Callable[..., Any], check_ready: Callable[..., Any]) -> Any:
    """The FastAPI app: its OpenAPI description, and ``check_key`` then ``check_ready`` on
    every route. With an API key the description needs it and the browser pages are off."""
    from fastapi import Depends, FastAPI
    from fastapi.responses import JSONResponse

    from swiftkit import __version__
    from swiftkit.serve import protocol as p

    errors = {code: {"model": p.ErrorResponse} for code in (400, 401, 404, 429, 500, 503)}
    lenient = {}
    if "strict_content_type" in inspect.signature(FastAPI.__init__).parameters:
        lenient["strict_content_type"] = False  # `curl -d '{...}'` sends no JSON content type; parse it anyway
    adapters = settings.adapters
    if settings.api_key is not None:
        lenient.update(openapi_url=None, docs_url=None, redoc_url=None)
    app = FastAPI(
        **lenient,
        title="swiftkit OpenAI-compatible server",
        version=__version__,
        description=f"Serving {settings.base_name!r}" + (f" with adapters {', '.join(map(repr, adapters))}" if adapters else "")
        + ". Errors use OpenAI's shape; see swiftkit.serve.server for the rules.",
        dependencies=[Depends(check_key), Depends(check_ready)],
        responses=errors,
    )
    if settings.api_key is not None:

        @app.get("/openapi.json", include_in_schema=False)
        async def openapi() -> Any:
            return JSONResponse(app.openapi())

    return app


def _add_error_handlers(app: Any) -> None:
    """Every error in OpenAI's shape: ours, FastAPI's validation (as 400), Starlette's 404/405,
    and anything unexpected (500)."""
    from fastapi import Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException as StarletteHTTPException

    def error_response(err: OpenAIError) -> JSONResponse:
        headers = {"Retry-After": "1"} if err.status == 429 else None
        return JSONResponse(err.body(), status_code=err.status, headers=headers)

    @app.exception_handler(OpenAIError)
    async def _openai_error(request: Request, exc: OpenAIError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(_validation_error(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
        kind = "invalid_request_error" if exc.status_code < 500 else "server_error"
        err = OpenAIError(exc.status_code, f"{exc.detail}: {clip(request.method)} {clip(request.url.path)}", type=kind,
                          code=code)
        return JSONResponse(err.body(), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return error_response(_engine_error(exc))


def _add_info_routes(app: Any, settings: ServerSettings, gauge: _Gauge, lifecycle: _Lifecycle) -> None:
    """``/health`` and ``/v1/models``."""
    from swiftkit.serve import protocol as p

    @app.get("/health", response_model=p.Health, tags=["server"],
             responses={503: {"model": p.Health, "description": "starting, stopping or unhealthy"}})
    @_open
    async def health() -> Any:
        """Readiness (200 only while requests are served) and the request slots in use; needs
        no API key and names nothing it serves."""
        from fastapi.responses import JSONResponse

        lifecycle.check_engine()
        body = {"status": lifecycle.status, "active_requests": gauge.active, "max_concurrency": gauge.limit,
                "requests_total": gauge.total, "rejected_total": gauge.rejected}
        return body if lifecycle.status == "ok" else JSONResponse(body, status_code=503)

    def cards() -> list[dict[str, Any]]:
        # names only: a folder's path tells a client nothing it can use and an attacker a lot
        out = [{"id": settings.base_name, "object": "model", "created": settings.created, "owned_by": settings.owned_by,
                "root": settings.base_name, "parent": None}]
        out += [{"id": name, "object": "model", "created": settings.created, "owned_by": settings.owned_by,
                 "root": name, "parent": settings.base_name} for name in settings.adapters]
        return out

    @app.get("/v1/models", response_model=p.ModelList, tags=["openai"])
    async def list_models() -> dict[str, Any]:
        """The base model and every adapter, by served name."""
        return {"object": "list", "data": cards()}

    @app.get("/v1/models/{model:path}", response_model=p.ModelCard, tags=["openai"])
    async def retrieve_model(model: str) -> dict[str, Any]:
        settings.pick_adapter(model)
        return next(c for c in cards() if c["id"] == model)


def _add_chat_route(app: Any, settings: ServerSettings, calls: _EngineCalls) -> None:
    """``POST /v1/chat/completions``."""
    from fastapi import Request

    from swiftkit.serve import protocol as p

    @app.post("/v1/chat/completions", response_model=p.ChatCompletionResponse, tags=["openai"],
              responses={200: {"content": {"text/event-stream": {}},
                               "description": "JSON, or with stream: true server-sent ChatCompletionChunk events"}})
    async def chat_completions(body: p.ChatCompletionRequest, request: Request) -> Any:
        adapter = settings.pick_adapter(body.model)
        top_n = (body.top_logprobs or 0) if body.logprobs else None  # None: no log-probabilities asked for
        requested = body.max_tokens if body.max_tokens is not None else body.max_completion_tokens
        options = settings.sampling(body, requested, top_n is not None, body.top_logprobs or 0)
        messages, parsed = settings.chat_media(request_messages(body.messages), adapter)
        settings.check_control_tokens(messages)
        try:
            plan = plan_tools(messages, body.tools, body.tool_choice, getattr(calls.engine, "template", None),
                              body.parallel_tool_calls)
        except ToolRequestError as exc:
            raise OpenAIError(400, str(exc), param=exc.param, code="invalid_tools") from None
        media = await calls.read_media(parsed)
        if plan is None:
            engine_request = ChatRequest(messages=[{"role": m["role"], "content": m["content"]} for m in messages],
                                         sampling=options, adapter=adapter)
        else:  # tools: written by the agent template, the reply parsed back into tool_calls
            options.stop = list(dict.fromkeys([*options.stop, *plan.stops]))
            engine_request = ChatRequest(messages=plan.messages, sampling=options, adapter=adapter, prefill=plan.prefill)
        engine_request.images = media.get("images", [])
        engine_request.videos = media.get("videos", [])
        engine_request.audios = media.get("audios", [])
        reply = _Reply(_new_id("chatcmpl"), "chat.completion", int(time.time()), settings.model_name(adapter))
        if not body.stream:
            try:
                result = await calls.answer(request, engine_request, requested)
            except _ClientGone:
                return _gone()
            return _chat_answer(reply, result, top_n, plan)
        try:
            pump, first = await _unless_disconnected(request, calls.open_stream(engine_request, requested))
        except _ClientGone:
            return _gone()
        reply.object = "chat.completion.chunk"
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return calls.event_source(_chat_stream(reply, calls.chunks(pump, first), top_n, include_usage,
                                               plan.stream() if plan is not None else None))


def _add_completions_route(app: Any, settings: ServerSettings, calls: _EngineCalls) -> None:
    """``POST /v1/completions`` (several prompts answered at once when not streamed)."""
    from fastapi import Request

    from swiftkit.serve import protocol as p

    @app.post("/v1/completions", response_model=p.CompletionResponse, tags=["openai"],
              responses={200: {"content": {"text/event-stream": {}},
                               "description": "JSON, or with stream: true server-sent CompletionResponse events"}})
    async def completions(body: p.CompletionRequest, request: Request) -> Any:
        adapter = settings.pick_adapter(body.model)
        top_n = body.logprobs  # None: no log-probabilities asked for
        options = settings.sampling(body, body.max_tokens, top_n is not None, top_n or 0)
        reply = _Reply(_new_id("cmpl"), "text_completion", int(time.time()), settings.model_name(adapter))
        echo = bool(body.echo)
        token_prompts = body.token_prompts()
        score = echo and top_n is not None  # the prompt's own tokens are scored too
        tokenizer = calls.engine.tokenizer
        if (token_prompts is not None or score) and tokenizer is None:
            raise OpenAIError(400, "token-id prompts and echo with logprobs need an engine whose tokenizer runs in "
                                   "the server's process (--infer_backend pt)", param="prompt",
                              code="unsupported_parameter")
        if token_prompts is not None:
            vocab = len(tokenizer)
            wrong = next((t for ids in token_prompts for t in ids if t >= vocab), None)
            if wrong is not None:
                raise OpenAIError(400, f"token id {clip(str(wrong), 40)} is outside the vocabulary ({vocab} tokens)",
                                  param="prompt", code="invalid_token_id")
            prompts = [tokenizer.decode(ids, skip_special_tokens=False) for ids in token_prompts]
        else:
            prompts = body.prompts()
        if score and token_prompts is None:
            token_prompts = [list(tokenizer(pr, add_special_tokens=True)["input_ids"]) for pr in prompts]

        def make(prompt: str) -> CompletionRequest:
            return CompletionRequest(prompt=prompt, sampling=SamplingOptions(**vars(options)), adapter=adapter)

        if not body.stream:
            try:
                if body.max_tokens == 0:  # only the prompt: nothing generated
                    results = [ChatResponse("", "length", len(ids) if token_prompts else 0, 0, [] if top_n is not None
                                            else None) for ids in (token_prompts or [[]] * len(prompts))]
                else:
                    results = await calls.answer_all(request, [make(pr) for pr in prompts], body.max_tokens)
                scored = None
                if score:
                    lists = await calls.score_all(request, token_prompts, adapter, top_n or 0)
                    scored = [(tokenizer.decode(ids[:1], skip_special_tokens=False), items)
                              for ids, items in zip(token_prompts, lists, strict=True)]
            except _ClientGone:
                return _gone()
            return _completion_answer(reply, prompts, results, echo, top_n, scored)
        try:
            pump, first = await _unless_disconnected(request, calls.open_stream(make(prompts[0]), body.max_tokens))
        except _ClientGone:
            return _gone()
        include_usage = bool(body.stream_options and body.stream_options.include_usage)
        return calls.event_source(_completion_stream(reply, calls.chunks(pump, first), prompts[0], echo, top_n,
                                                     include_usage))


def add_plugin_routes(app: Any, engine: Any, config: dict[str, Any], registry: Any) -> None:
    """Let plugins add routes (``swift_server_routes``) after the core's: only API routes,
    which the API key protects, and none on a path and method the core serves."""
    from fastapi.routing import APIRoute

    from swiftkit.core.hookcall import call_hook, hook_error, implementers

    hook = "swift_server_routes"
    if not implementers(registry, hook):
        return
    before = {id(r) for r in app.routes}
    served = {(r.path, m) for r in app.routes for m in (getattr(r, "methods", None) or ())}
    middleware, handlers = len(app.user_middleware), dict(app.exception_handlers)
    call_hook(registry, hook, app=app, engine=engine, config=config)
    for route in [r for r in app.routes if id(r) not in before]:
        path = getattr(route, "path", repr(route))
        if not isinstance(route, APIRoute):
            raise hook_error(registry, hook, f"added {path} as a {type(route).__name__}, which the API key does not "
                                             "protect; add routes with @app.get/@app.post/@app.api_route or include_router")
        taken = sorted(m for m in route.methods if (route.path, m) in served)
        if taken:
            raise hook_error(registry, hook, f"added {', '.join(taken)} {path}, which the server already serves")
    if len(app.user_middleware) != middleware or dict(app.exception_handlers) != handlers:
        raise hook_error(registry, hook, "changed the server's middleware or exception handlers; add routes only")


def create_app(
    engine: Any,
    resolved: Any,
    *,
    served_model_name: str | None = None,
    api_key: str | None = None,
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    max_tokens_limit: int = DEFAULT_MAX_TOKENS_LIMIT,
    default_max_tokens: int | None = None,
    max_length: int | None = None,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    cancel_grace: float = 2.0,
    shutdown_timeout: float = DEFAULT_SHUTDOWN_TIMEOUT,
    allow_control_tokens: bool = False,
    registry: Any = None,
    config: dict[str, Any] | None = None,
) -> Any:
    """A FastAPI app serving ``engine`` (an :class:`~swiftkit.core.engines.interface.InferEngine`)
    for ``resolved`` (a :class:`~swiftkit.infer.factory.ResolvedModel`: its ``model_id``
    and ``adapters`` name the served models). The engine belongs to the caller (the app never
    closes it), so several apps may share one engine.

    With a ``registry``, its plugins add their routes (``swift_server_routes``, given
    ``config``, the ``swift deploy`` run configuration) after the core's.

    ``max_length``: prompt + answer tokens a request may take (``None``: the model's context
    length, :func:`~swiftkit.serve.limits.context_length`); ``max_request_bytes``: the largest
    request body (413 beyond).
    ``shutdown_timeout``: the drain's grace period in seconds (see the module's rules), kept
    by the runners here (:func:`serve`, :func:`run_in_thread`). ``allow_control_tokens``: let
    chat messages hold the model's special tokens.

    Run it with uvicorn (:func:`serve` does, for ``swift deploy``; :func:`run_in_thread` in a
    background thread, for tests and notebooks).
    """
    _require_serve_extra()
    if max_length is None:
        max_length = context_length(engine, getattr(resolved, "model_dir", None), _spec_max_length(registry, resolved))
    settings = ServerSettings.resolve(resolved, served_model_name=served_model_name, api_key=api_key,
                                      max_concurrency=max_concurrency, max_tokens_limit=max_tokens_limit,
                                      default_max_tokens=default_max_tokens, max_length=max_length,
                                      max_request_bytes=max_request_bytes)
    if not allow_control_tokens:
        settings.control_tokens = control_tokens(engine)
    config = config or {}
    settings.request_defaults = {k: config[k] for k in ("temperature", "top_p", "top_k", "repetition_penalty", "stop_words")
                                 if config.get(k) is not None}
    settings.owned_by = config.get("owned_by") or settings.owned_by
    if config.get("max_logprobs") is not None:
        settings.max_logprobs = int(config["max_logprobs"])
    settings.media_limits = MediaLimits.from_config(config)
    settings.media_kinds = model_media_kinds(engine)
    gauge = _Gauge(max_concurrency)
    lifecycle = _Lifecycle(engine, shutdown_timeout)
    lifecycle.active = lambda: gauge.active
    app = _new_app(settings, _api_key_check(settings), _ready_check(lifecycle))
    app.state.settings, app.state.gauge, app.state.engine, app.state.lifecycle = settings, gauge, engine, lifecycle
    _add_error_handlers(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    calls = _EngineCalls(engine, gauge, cancel_grace, settings, lifecycle)
    _add_info_routes(app, settings, gauge, lifecycle)
    _add_chat_route(app, settings, calls)
    _add_completions_route(app, settings, calls)
    if getattr(engine, "predictor", None) is not None:  # a task model: /v1/embeddings, /v1/rerank, /v1/classify
        from swiftkit.serve.task_routes import add_task_routes

        add_task_routes(app, settings, gauge, engine, OpenAIError)
    if registry is not None:
        add_plugin_routes(app, engine, config or {}, registry)
    return app


def _spec_max_length(registry: Any, resolved: Any) -> int | None:
    """The registered model spec's context length, when a registry knows the model."""
    if registry is None:
        return None
    try:
        return registry.get("model", resolved.model_id).spec.max_length
    except Exception:  # noqa: BLE001 - an unregistered model: the folder and tokenizer decide
        return None


# ----------------------------------------------------------------------------- running it

_thread_ids = itertools.count(1)


def _uvicorn_server(app: Any, host: str, port: int, *, on_ready: Callable[[str], None] | None = None,
                    log_level: str = "info", access_log: bool = True,
                    on_bound: Callable[[str], None] | None = None) -> Any:
    """A uvicorn server for ``app`` that keeps the app's life cycle (an app from
    :func:`create_app`): once the port is bound (``on_bound``) it warms the engine up, then
    reports ready (``on_ready``); it polls the engine's health; a signal or ``should_exit``
    drains for the app's ``shutdown_timeout`` instead of cutting requests, and the signal is
    not raised again afterwards (the process exits 0, not 143)."""
    import uvicorn

    lifecycle: _Lifecycle | None = getattr(getattr(app, "state", None), "lifecycle", None)
    grace = lifecycle.shutdown_timeout if lifecycle is not None else 5.0

    class Server(uvicorn.Server):
        bound_port: int | None = None

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if not (self.started and self.servers):
                return
            self.bound_port = self.servers[0].sockets[0].getsockname()[1]
            url = _url(host, self.bound_port)
            if lifecycle is None:
                if on_ready is not None:
                    on_ready(url)
                return
            lifecycle.request_exit = self._stop
            lifecycle.status = "starting"
            if on_bound is not None:
                on_bound(url)
            self._warm_up = asyncio.get_running_loop().create_task(self._warm(url))

        async def _warm(self, url: str) -> None:
            try:
                await asyncio.to_thread(lifecycle.engine.warm_up)
            except Exception as exc:
                reason = _one_line(exc) + (f" (caused by {_one_line(exc.__cause__)})" if exc.__cause__ else "")
                lifecycle.fail(reason, f"engine {getattr(getattr(lifecycle.engine, 'spec', None), 'id', '?')!r} "
                                       "failed to start")
                return
            if lifecycle.status == "starting":
                lifecycle.status = "ok"
                if on_ready is not None:
                    on_ready(url)

        def _stop(self) -> None:
            self.should_exit = True

        async def on_tick(self, counter: int) -> bool:
            if lifecycle is not None and counter % 10 == 0:  # about once a second
                lifecycle.check_engine()
            return await super().on_tick(counter)

        def handle_exit(self, sig: int, frame: Any) -> None:
            super().handle_exit(sig, frame)
            # the drain is the whole shutdown: raising the signal again afterwards (uvicorn's
            # default) would kill the process before the engine is closed, with status 143
            captured = getattr(self, "_captured_signals", None)
            if captured is not None:
                captured.clear()

        async def shutdown(self, sockets: Any = None) -> None:
            if lifecycle is not None:
                lifecycle.begin_drain()
            await super().shutdown(sockets)

    # uvicorn's own deadline comes after the drain's, which ends every request itself
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, access_log=access_log,
                            timeout_graceful_shutdown=int(grace) + 5)
    return Server(config)


def _one_line(exc: BaseException) -> str:
    """An exception as ``Type: first line of its message``."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://[{shown}]:{port}" if ":" in shown else f"http://{shown}:{port}"


class BackgroundServer:
    """A uvicorn server running an app in a daemon thread (see :func:`run_in_thread`)."""

    def __init__(self, server: Any, thread: threading.Thread, url: str):
        self.server, self.thread, self.url = server, thread, url

    @property
    def base_url(self) -> str:
        """The OpenAI client's ``base_url`` (``.../v1``)."""
        return f"{self.url}/v1"

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)

    def __enter__(self) -> "BackgroundServer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0, *, timeout: float = 30.0,
                  log_level: str = "warning") -> BackgroundServer:
    """Serve ``app`` with uvicorn in a background thread; return once it accepts connections.
    ``port=0`` picks a free port (read it from ``.url``)."""
    ready = threading.Event()
    server = _uvicorn_server(app, host, port, on_ready=lambda url: ready.set(), log_level=log_level, access_log=False)
    failure: list[BaseException] = []

    def target() -> None:
        try:
            server.run()
        except BaseException as exc:  # SystemExit from uvicorn when the port is taken
            failure.append(exc)
        finally:
            ready.set()

    thread = threading.Thread(target=target, name=f"swiftkit-server-{next(_thread_ids)}", daemon=True)
    thread.start()
    started = ready.wait(timeout)
    lifecycle: _Lifecycle | None = getattr(app.state, "lifecycle", None)
    if lifecycle is not None and lifecycle.failure:
        server.should_exit = True
        raise RuntimeError(f"the server did not start: {lifecycle.failure}")
    if not started or server.bound_port is None:
        server.should_exit = True
        raise RuntimeError(f"the server did not start on {host}:{port}"
                           + (f": {failure[0]!r}" if failure else f" within {timeout:.0f} s"))
    return BackgroundServer(server, thread, _url(host, server.bound_port))


def _check_template_parity(engine: Any, resolved: Any, echo: Callable[[str], None]) -> None:
    """TEMPLATE PARITY CALL SITE (deploy time): the served template against the
    ``chat_template`` of the tokenizer in the model folder
    (:func:`swiftkit.templates.parity.check_model_dir_parity`).

    The server itself renders prompts with the template (so its answers are right either way);
    a mismatch matters to every other tool that reads the folder and renders with
    ``apply_chat_template``, so it is a warning, not a refusal. Skipped for a hub id (no local
    folder) and while the parity module is not installed.
    """
    if not os.path.isdir(str(resolved.model_dir)):
        return
    try:
        from swiftkit.templates.parity import TemplateParityError, check_model_dir_parity
    except ImportError:
        return
    try:
        check_model_dir_parity(str(resolved.model_dir), engine.template or resolved.template,
                               tokenizer=engine.tokenizer)
    except TemplateParityError as exc:
        summary = str(exc).split("\n--- rendered by", 1)[0]  # the renderings in full are for `swift export`'s report
        echo(f"warning: template parity: {summary}\n(the server renders with the template; clients that render the "
             "prompt themselves with the tokenizer's chat_template will differ)")


def throughput_log(gauge: _Gauge, interval: float, echo: Callable[[str], None]) -> Callable[[], None]:
    """``--log_interval``: every ``interval`` seconds, one line with the completion tokens per
    second since the previous line, the requests served and those running. Returns the stop."""
    stop = threading.Event()

    def run() -> None:
        tokens, started = gauge.tokens, time.monotonic()
        while not stop.wait(interval):
            now = time.monotonic()
            rate = (gauge.tokens - tokens) / max(now - started, 1e-9)
            tokens, started = gauge.tokens, now
            echo(f"swift deploy: {rate:.1f} tokens/s over the last {interval:g} s; {gauge.total} requests served, "
                 f"{gauge.active} running")

    thread = threading.Thread(target=run, name="swiftkit-throughput-log", daemon=True)
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(timeout=interval + 1)

    return halt


def serve(config: dict[str, Any], *, registry: Any = None, echo: Callable[[str], None] | None = None) -> None:
    """``swift deploy``: create the engine from the run config, serve it until a signal, drain,
    then close it. Keys: ``model``/``adapters``/``infer_backend``/``template`` (as ``swift
    infer``), ``host``, ``port``, ``api_key`` (else ``$SWIFTKIT_API_KEY``), ``served_model_name``,
    ``max_concurrency``, ``max_tokens_limit``, ``max_new_tokens`` (the default ``max_tokens``),
    ``max_length`` (prompt + answer tokens; default the model's context), ``max_request_bytes``,
    ``shutdown_timeout``, ``allow_control_tokens``, ``verbose`` (false: no access log line per
    request), ``log_interval`` (seconds between throughput lines; unset or <= 0: none),
    ``owned_by``, ``max_logprobs``, and the generation flags as request defaults.

    Raises :class:`~swiftkit.core.errors.SwiftkitError` (one line, exit non-zero) when the
    engine fails to warm up or dies while serving; returns after a drain (exit 0)."""
    try:
        import fastapi  # noqa: F401
        import sse_starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"swift deploy needs the serve extra ({exc.name} is missing): {SERVE_EXTRA_HINT}") from exc
    from swiftkit.core.errors import SwiftkitError
    from swiftkit.core.registry import get_registry
    from swiftkit.infer import factory

    registry = registry or get_registry()
    echo = echo or print
    host = config.get("host") or "127.0.0.1"
    port = int(config.get("port") if config.get("port") is not None else 8000)
    api_key = config.get("api_key") or os.environ.get(API_KEY_ENV) or None
    shutdown_timeout = config.get("shutdown_timeout")
    engine, resolved = factory.create_engine(config, registry)
    for line in resolved.notices:
        echo(f"note: {line}")
    try:
        _check_template_parity(engine, resolved, echo)
        app = create_app(
            engine, resolved,
            served_model_name=config.get("served_model_name"),
            api_key=api_key,
            max_concurrency=int(config.get("max_concurrency") or DEFAULT_MAX_CONCURRENCY),
            max_tokens_limit=int(config.get("max_tokens_limit") or DEFAULT_MAX_TOKENS_LIMIT),
            default_max_tokens=config.get("max_new_tokens"),
            max_length=config.get("max_length"),
            max_request_bytes=int(config.get("max_request_bytes") or DEFAULT_MAX_REQUEST_BYTES),
            shutdown_timeout=float(DEFAULT_SHUTDOWN_TIMEOUT if shutdown_timeout is None else shutdown_timeout),
            allow_control_tokens=bool(config.get("allow_control_tokens")),
            registry=registry,
            config=config,
        )
        lifecycle: _Lifecycle = app.state.lifecycle
        lifecycle.echo = lambda line: echo(f"swift deploy: {line}")
        names = [app.state.settings.base_name, *app.state.settings.adapters]

        def bound(url: str) -> None:
            echo(f"swift deploy: listening at {url}; warming engine {engine.spec.id!r} up (/health says 'starting' "
                 "until it is ready)")

        def ready(url: str) -> None:
            docs = f"OpenAPI {url}/openapi.json, with the key" if api_key else f"OpenAPI {url}/docs"
            echo(f"swift deploy: serving {', '.join(map(repr, names))} at {url}/v1 "
                 f"(health {url}/health, {docs}){'' if api_key else '; no API key'}")
            if not api_key and host not in ("127.0.0.1", "localhost", "::1"):
                echo(f"warning: listening on {host} without an API key: anyone who can reach it may use it "
                     f"(--api_key or ${API_KEY_ENV})")

        server = _uvicorn_server(app, host, port, on_ready=ready, on_bound=bound,
                                 access_log=config.get("verbose") is not False)
        interval = config.get("log_interval")
        stop_log = throughput_log(app.state.gauge, float(interval), echo) if interval and interval > 0 else None
        try:
            with contextlib.suppress(KeyboardInterrupt):
                server.run()
        finally:
            if stop_log is not None:
                stop_log()
    finally:
        engine.close()
        echo(f"swift deploy: engine {engine.spec.id!r} closed")
    if lifecycle.failure:
        raise SwiftkitError(f"swift deploy: {lifecycle.failure}")
