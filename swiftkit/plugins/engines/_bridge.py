"""An event loop on a thread of its own, reachable from synchronous code and from other loops.

Async inference libraries (vLLM's ``AsyncLLM``, SGLang's ``Engine.async_generate``, LMDeploy's
``AsyncEngine.generate``) bind their background tasks to the event loop they first run in. The
engines therefore run every library coroutine on one private loop (:class:`LoopThread`) and
reach it from ``swift infer`` (plain threads) and from the HTTP server (its own loop) alike:
requests submitted from anywhere meet in the library's scheduler and are batched together.

Cancellation crosses the bridge: closing a stream, or cancelling the task awaiting a result,
cancels the coroutine on the private loop, which makes the library abort the request and
free its slot.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import queue
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_ITEM, _END, _ERROR = "item", "end", "error"


class LoopThread:
    """A daemon thread running an asyncio loop until :meth:`close`.

    ``loop``: serve a loop that another thread already runs (LMDeploy's pipeline has one)
    instead of starting a thread. ``setup``: called first on the new thread, before its loop
    runs; it returns ``(value, loop_or_None)``: the value is kept as :attr:`value` and a loop
    it names is the one the thread runs (SGLang's ``Engine``, created on a thread without a
    running loop, makes a loop of its own and binds itself to it). An exception in ``setup``
    is raised by the constructor.
    """

    def __init__(self, name: str = "swiftkit-engine-loop", loop: asyncio.AbstractEventLoop | None = None,
                 setup: Callable[[], tuple[Any, asyncio.AbstractEventLoop | None]] | None = None):
        self.value: Any = None
        if loop is not None:
            self.loop = loop
            self.thread = None
            return
        started: concurrent.futures.Future = concurrent.futures.Future()

        def main() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            if setup is not None:
                try:
                    self.value, own = setup()
                except BaseException as exc:
                    started.set_exception(exc)
                    asyncio.set_event_loop(None)
                    loop.close()
                    return
                if own is not None and own is not loop:
                    loop.close()
                    loop = own
                    asyncio.set_event_loop(loop)
            started.set_result(loop)
            try:
                loop.run_forever()
            finally:
                try:
                    pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
                    for task in pending:
                        task.cancel()
                    if pending:
                        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                    loop.run_until_complete(loop.shutdown_asyncgens())
                finally:
                    loop.close()

        self.thread = threading.Thread(target=main, name=name, daemon=True)
        self.thread.start()
        self.loop = started.result()

    def _check_caller(self) -> None:
        if self.thread is not None and threading.current_thread() is self.thread:
            raise RuntimeError("a synchronous engine call was made from the engine's own event loop")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            return
        if running is self.loop:
            raise RuntimeError("a synchronous engine call was made from the engine's own event loop")

    def submit(self, coro: Awaitable[T]) -> concurrent.futures.Future:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)  # type: ignore[arg-type]

    def run(self, coro: Awaitable[T]) -> T:
        """Run ``coro`` on the loop and wait for its result (from a thread without a running
        loop, or from another loop's thread: it blocks that thread)."""
        try:
            self._check_caller()
        except RuntimeError:
            close = getattr(coro, "close", None)
            if close is not None:
                close()  # never awaited: say nothing more about it
            raise
        future = self.submit(coro)
        try:
            return future.result()
        except BaseException:
            future.cancel()
            raise

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Call the synchronous ``fn(*args)`` on the loop's thread and wait for its result."""

        async def call() -> T:
            return fn(*args)

        return self.run(call())

    async def run_async(self, coro: Awaitable[T]) -> T:
        """Await ``coro`` running on the loop from another event loop; cancelling the awaiting
        task cancels ``coro``."""
        if asyncio.get_running_loop() is self.loop:
            return await coro
        return await asyncio.wrap_future(self.submit(coro))

    def _pump(self, make: Callable[[], AsyncIterator[Any]], put: Callable[[tuple[str, Any]], None]) -> Any:
        async def pump() -> None:
            try:
                async for item in make():
                    put((_ITEM, item))
            except asyncio.CancelledError:
                # read only when the loop itself went away under a consumer still waiting
                put((_ERROR, RuntimeError("the request was cancelled: the engine was closed")))
                raise
            except BaseException as exc:  # handed to the consumer, re-raised there
                put((_ERROR, exc))
            else:
                put((_END, None))

        return pump()

    def iterate(self, make: Callable[[], AsyncIterator[T]]) -> Iterator[T]:
        """Iterate, from synchronous code, over the async iterator ``make()`` running on the
        loop. Closing the iterator early cancels it there."""
        self._check_caller()
        items: queue.Queue = queue.Queue()
        future = self.submit(self._pump(make, items.put))
        try:
            while True:
                kind, value = items.get()
                if kind == _ITEM:
                    yield value
                elif kind == _ERROR:
                    raise value
                else:
                    return
        finally:
            if not future.done():
                future.cancel()

    async def aiterate(self, make: Callable[[], AsyncIterator[T]]) -> AsyncIterator[T]:
        """Iterate, from another event loop, over the async iterator ``make()`` running on this
        loop. Closing the iterator early (``aclose``, a cancelled consumer) cancels it there."""
        caller = asyncio.get_running_loop()
        if caller is self.loop:
            async for item in make():
                yield item
            return
        items: asyncio.Queue = asyncio.Queue()

        def put(entry: tuple[str, Any]) -> None:
            try:
                caller.call_soon_threadsafe(items.put_nowait, entry)
            except RuntimeError:  # the consumer's loop is gone
                pass

        future = self.submit(self._pump(make, put))
        try:
            while True:
                kind, value = await items.get()
                if kind == _ITEM:
                    yield value
                elif kind == _ERROR:
                    raise value
                else:
                    return
        finally:
            if not future.done():
                future.cancel()

    def close(self, timeout: float = 30.0) -> None:
        """Stop the loop (pending coroutines are cancelled) and join the thread."""
        if self.thread is None or not self.thread.is_alive():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self.thread:
            self.thread.join(timeout)


class LoopEngineMixin:
    """The four contract calls of an engine whose library is asynchronous, written once.

    The engine provides ``_ensure_started()`` (starts the library on first use and returns the
    :class:`LoopThread` its coroutines run on), ``_final(request)`` (a coroutine: the whole
    answer) and ``_chunks(request)`` (an async generator of stream chunks). Synchronous calls
    block on the loop; asynchronous ones await it from the caller's loop; ``infer`` sends all
    its requests at once, so the library batches them.
    """

    def _ensure_started(self) -> LoopThread:  # pragma: no cover - provided by the engine
        raise NotImplementedError

    async def _final(self, request: Any) -> Any:  # pragma: no cover - provided by the engine
        raise NotImplementedError

    def _chunks(self, request: Any) -> AsyncIterator[Any]:  # pragma: no cover - provided by the engine
        raise NotImplementedError

    async def _gather(self, requests: list[Any]) -> list[Any]:
        return list(await asyncio.gather(*(self._final(r) for r in requests)))

    def infer(self, requests: list[Any]) -> list[Any]:
        if not requests:
            return []
        return self._ensure_started().run(self._gather(list(requests)))

    def stream(self, request: Any) -> Iterator[Any]:
        yield from self._ensure_started().iterate(lambda: self._chunks(request))

    async def infer_async(self, request: Any) -> Any:
        loop = await asyncio.to_thread(self._ensure_started)
        return await loop.run_async(self._final(request))

    async def stream_async(self, request: Any) -> AsyncIterator[Any]:
        loop = await asyncio.to_thread(self._ensure_started)
        source = loop.aiterate(lambda: self._chunks(request))
        try:
            async for chunk in source:
                yield chunk
        finally:
            await source.aclose()
