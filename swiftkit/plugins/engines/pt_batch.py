"""Dynamic batching for the ``pt`` engine: request rows, the scheduler thread, and the hooks
that run inside ``generate()``.

A :class:`Row` is one request ready to decode (prompt ids, stop strings, budget, sampling
settings) plus where its answer goes: a ``concurrent.futures.Future`` for the response and,
when streaming, a ``sink`` that receives :class:`StreamChunk` objects (or an exception).

The :class:`Scheduler` thread collects rows that arrive within ``batch_wait_ms`` of the oldest
waiting one (up to ``max_batch_size``), takes those that can share a ``generate()`` call and
hands them to the engine. Inside ``generate()`` the :class:`BatchHooks` do the per-row work at
every step: the logits processor picks each row's next token itself (greedy, or sampled with
the row's own temperature / top-k / top-p and its own seeded random stream, so rows with
different settings share a batch), records log-probabilities of the raw distribution,
detokenizes incrementally, checks the row's stop strings and budget, and streams the new text;
the stopping criterion then reports the rows that are done, so each row ends on its own and the
batch ends when every row has. A cancelled row (its client went away) stops at the next step;
when every row of a batch is cancelled the forward pass itself stops at the next layer
(:class:`Abandoned`), so a cancelled long prefill does not hold the thread. A row's
``released`` future is settled once the scheduler has let go of it.

torch and transformers are imported inside the functions only.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import os
import random
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from swiftkit.core.engines.interface import ChatResponse, StreamChunk, TokenLogprob

Sink = Callable[[Any], None]


def held_back(text: str, stops: Sequence[str]) -> int:
    """How many trailing characters of ``text`` must not be streamed yet: the start of a stop
    string that the next tokens may complete."""
    hold = 0
    for stop in stops:
        for k in range(min(len(stop) - 1, len(text)), hold, -1):
            if text.endswith(stop[:k]):
                hold = k
                break
    return hold


def _resolve(future: concurrent.futures.Future, result: Any = None, exc: BaseException | None = None) -> None:
    """Settle ``future`` unless its waiter already cancelled it."""
    if future.done():
        return
    try:
        if exc is not None:
            future.set_exception(exc)
        else:
            future.set_result(result)
    except concurrent.futures.InvalidStateError:  # cancelled in between
        pass


class Detokenizer:
    """Incremental decoding of generated ids (the prefix/read-offset scheme of TGI and vLLM).

    Text grows only by whole characters: while the decoded tail ends in an incomplete UTF-8
    sequence (U+FFFD) nothing is released; :meth:`flush` releases what is left at the end.
    The concatenated pieces are the answer text for streamed and non-streamed requests alike.
    """

    __slots__ = ("_decode", "ids", "_prefix", "_read", "_prefix_text")

    def __init__(self, decode: Callable[[list[int]], str]):
        self._decode = decode
        self.ids: list[int] = []
        self._prefix = 0
        self._read = 0
        self._prefix_text = ""

    def add(self, token: int) -> str:
        self.ids.append(token)
        text = self._decode(self.ids[self._prefix :])
        if len(text) > len(self._prefix_text) and not text.endswith("\ufffd"):
            delta = text[len(self._prefix_text) :]
            self._prefix, self._read = self._read, len(self.ids)
            self._prefix_text = self._decode(self.ids[self._prefix : self._read])
            return delta
        return ""

    def flush(self) -> str:
        if self._read == len(self.ids):
            return ""
        text = self._decode(self.ids[self._prefix :])
        self._prefix = self._read = len(self.ids)
        delta = text[len(self._prefix_text) :]
        self._prefix_text = ""
        return delta


@dataclass(eq=False)
class Row:
    """One request in the scheduler: what to decode, where the answer goes, and its progress."""

    request: Any
    prompt_ids: list[int]
    stops: list[str]
    max_new: int
    adapter: str | None  # adapter folder, or None: the base model (or the engine's own adapter)
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 0
    min_p: float = 0.0
    seed: int | None = None
    logprobs: bool = False
    top_logprobs: int = 0
    repetition_penalty: float = 1.0
    sink: Sink | None = None  # streaming: StreamChunk objects (the last has finish_reason) or an exception
    #: the model inputs of the request's media (the template's media processor's ``process``),
    #: collated with the batch's other rows; dropped once the row's batch has run
    media_inputs: dict[str, Any] | None = None
    future: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)
    #: settled once the scheduler has let go of the row (answered, dropped or failed)
    released: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)
    cancelled: bool = False
    cancel_error: BaseException | None = None
    # progress (written by the scheduler thread only)
    done: bool = False
    finish_reason: str | None = None
    tokens: list[int] = field(default_factory=list)
    token_logprobs: list[TokenLogprob] = field(default_factory=list)
    text: str = ""
    deadline: float = 0.0  # when the scheduler stops waiting for other rows to join this one
    _emitted: int = 0
    _lp_sent: int = 0
    _detok: Detokenizer | None = None
    _eos: frozenset[int] = frozenset()
    _rng: random.Random | None = None

    # ------------------------------------------------------------------ any thread

    def cancel(self, error: BaseException | None = None) -> None:
        """Stop decoding this row at the next step. Without ``error`` the client went away (the
        future is cancelled); with one, a listener still waiting receives ``error``."""
        if error is not None and self.cancel_error is None:
            self.cancel_error = error
        self.cancelled = True

    @property
    def sampled(self) -> bool:
        return self.temperature > 0

    @property
    def filtered(self) -> bool:
        return self.top_k > 0 or self.top_p < 1.0 or self.min_p > 0

    # ------------------------------------------------------------------ scheduler thread

    def start(self, decode: Callable[[list[int]], str], eos: frozenset[int]) -> None:
        self.tokens, self.token_logprobs, self.text, self._emitted, self._lp_sent = [], [], "", 0, 0
        self._detok = Detokenizer(decode)
        self._eos = eos
        if self.sampled:
            self._rng = random.Random(
                self.seed if self.seed is not None else int.from_bytes(os.urandom(8), "little")
            )

    def uniform(self) -> float:
        assert self._rng is not None
        return self._rng.random()

    def push(self, token: int, logprob: TokenLogprob | None) -> None:
        """Record the next generated token; finish the row at an end-of-turn token, a stop
        string or its budget; stream the text that can no longer change."""
        assert self._detok is not None
        self.tokens.append(token)
        if logprob is not None:
            self.token_logprobs.append(logprob)
        if token in self._eos:  # counted as a completion token, not part of the text
            self._settle(self._detok.flush())
            self._finish("stop")
            return
        if self._settle(self._detok.add(token)):
            self._finish("stop")
            return
        if len(self.tokens) >= self.max_new:
            self._finish("stop" if self._settle(self._detok.flush()) else "length")
            return
        if self.sink is not None:
            safe = len(self.text) - held_back(self.text, self.stops)
            if safe > self._emitted:
                self.sink(StreamChunk(self.text[self._emitted : safe], logprobs=self._new_logprobs()))
                self._emitted = safe

    def _settle(self, delta: str) -> bool:
        """Append ``delta``; cut the text at the first stop string and say whether there was one."""
        if not delta:
            return False
        longest = max((len(s) for s in self.stops), default=0)
        start = max(0, len(self.text) - longest + 1)
        self.text += delta
        cuts = [i for i in (self.text.find(s, start) for s in self.stops) if i >= 0]
        if cuts:
            self.text = self.text[: min(cuts)]
            return True
        return False

    def _new_logprobs(self) -> list[TokenLogprob] | None:
        if not self.logprobs:
            return None
        new = self.token_logprobs[self._lp_sent :]
        self._lp_sent = len(self.token_logprobs)
        return new

    def response(self) -> ChatResponse:
        return ChatResponse(
            text=self.text,
            finish_reason=self.finish_reason or "length",
            prompt_tokens=len(self.prompt_ids),
            completion_tokens=len(self.tokens),
            logprobs=list(self.token_logprobs) if self.logprobs else None,
            prompt_token_ids=list(self.prompt_ids),
            token_ids=list(self.tokens),
        )

    def _finish(self, reason: str) -> None:
        self.done = True
        self.finish_reason = reason
        response = self.response()
        if self.sink is not None:
            self.sink(
                StreamChunk(
                    self.text[self._emitted :],
                    finish_reason=reason,
                    prompt_tokens=response.prompt_tokens,
                    completion_tokens=response.completion_tokens,
                    logprobs=self._new_logprobs(),
                )
            )
            self._emitted = len(self.text)
        _resolve(self.future, response)
        _resolve(self.released)

    def finish(self, reason: str = "length") -> None:
        """End a row that is still open (``generate()`` returned before the row's own stop)."""
        if not self.done:
            assert self._detok is not None
            self._settle(self._detok.flush())
            self._finish(reason)

    def drop(self) -> None:
        """End a cancelled row: a listener still waiting gets the cancel error (or
        ``CancelledError``); nobody is, when the client went away."""
        self.done = True
        self.finish_reason = "cancelled"
        error = self.cancel_error or concurrent.futures.CancelledError()
        if self.sink is not None:
            self.sink(error)
        if self.cancel_error is not None:
            _resolve(self.future, exc=self.cancel_error)
        else:
            self.future.cancel()
        _resolve(self.released)

    def fail(self, exc: BaseException) -> None:
        if self.done:
            return
        self.done = True
        if self.sink is not None:
            self.sink(exc)
        _resolve(self.future, exc=exc)
        _resolve(self.released)


class Abandoned(Exception):
    """Raised inside ``generate()`` (between layers, mid-prefill too) once every row of the
    batch was cancelled, so that a long forward pass nobody waits for stops early."""


class BatchHooks:
    """The per-step work of one ``generate()`` call over ``rows`` (see the module docstring)."""

    def __init__(self, rows: Sequence[Row], token_text: Callable[[int], str], stats: dict[str, int]):
        self.rows = list(rows)
        self.token_text = token_text
        self.stats = stats

    def abandoned(self) -> bool:
        """Every row was cancelled: the rest of this ``generate()`` call is wasted work."""
        return all(row.done or row.cancelled for row in self.rows) and any(
            row.cancelled and not row.done for row in self.rows
        )

    def drop_cancelled(self) -> None:
        for row in self.rows:
            if row.cancelled and not row.done:
                self.stats["cancelled"] += 1  # counted first: drop() wakes the waiters
                row.drop()

    def choose(self, input_ids: Any, scores: Any) -> Any:
        """Pick every open row's next token from the raw ``scores`` and return scores that make
        greedy selection pick exactly those tokens (inside ``generate()``)."""
        import torch

        chosen = self.pick(scores)
        forced = torch.full_like(scores, float("-inf"))
        forced.scatter_(1, chosen.unsqueeze(1), 0.0)
        return forced

    def pick(self, scores: Any) -> Any:
        """Pick every open row's next token from the raw ``scores`` (one per row, a tensor; a
        row that is done gets an arbitrary one) and push it to its row."""
        import torch

        rows = self.rows
        self.drop_cancelled()
        live = [i for i, row in enumerate(rows) if not row.done]
        raw = scores
        scores = self._penalise_repeats(scores, [i for i in live if rows[i].repetition_penalty != 1.0])
        chosen = scores.argmax(dim=-1)
        for filtered in (False, True):  # each row is sampled the same way alone or batched
            sampled = [i for i in live if rows[i].sampled and rows[i].filtered == filtered]
            if sampled:
                index = torch.tensor(sampled, device=scores.device)
                picked = self._sample(scores.index_select(0, index), [rows[i] for i in sampled], filtered)
                chosen[index] = picked
        ids = chosen.tolist()
        wanted = [i for i in live if rows[i].logprobs]
        logprobs = self._logprobs(raw, ids, wanted) if wanted else {}
        for i in live:
            rows[i].push(ids[i], logprobs.get(i))
        self.stats["tokens"] += len(live)
        return chosen

    def _penalise_repeats(self, scores: Any, penalised: list[int]) -> Any:
        """``scores`` with each row's repetition penalty applied to the tokens of its prompt and
        answer so far (the row's own ids: the batch's ``input_ids`` carry other rows' padding)."""
        if not penalised:
            return scores
        import torch

        scores = scores.clone()
        for i in penalised:
            row = self.rows[i]
            seen = torch.tensor(sorted({*row.prompt_ids, *row.tokens}), dtype=torch.long, device=scores.device)
            values = scores[i].index_select(0, seen)
            penalty = row.repetition_penalty
            scores[i].index_copy_(0, seen, torch.where(values > 0, values / penalty, values * penalty))
        return scores

    def finished(self, input_ids: Any) -> Any:
        import torch

        self.drop_cancelled()
        return torch.tensor([row.done for row in self.rows], dtype=torch.bool, device=input_ids.device)

    @staticmethod
    def _sample(logits: Any, rows: Sequence[Row], filtered: bool) -> Any:
        """One token per row by inverse-CDF sampling with the row's own uniform draw, after its
        temperature and, when ``filtered``, its top-k, top-p and min-p (the filters of
        transformers' warpers; the vocabulary is then sorted by probability first)."""
        import torch

        device = logits.device
        x = logits / torch.tensor([[r.temperature] for r in rows], dtype=logits.dtype, device=device)
        vocab = x.shape[-1]
        if filtered:
            x, order = x.sort(dim=-1, descending=True)
            ranks = torch.arange(vocab, device=device).unsqueeze(0)
            top_k = torch.tensor([[r.top_k if r.top_k > 0 else vocab] for r in rows], device=device)
            x = x.masked_fill(ranks >= top_k, float("-inf"))
        probs = x.softmax(dim=-1)
        if filtered:
            top_p = torch.tensor([[r.top_p] for r in rows], dtype=probs.dtype, device=device)
            # drop a token when the more likely ones already reach top_p (the first always stays)
            probs = probs.masked_fill(probs.cumsum(dim=-1) - probs >= top_p, 0.0)
            # min-p: drop a token less likely than min_p times the most likely one (sorted first)
            min_p = torch.tensor([[getattr(r, "min_p", 0.0)] for r in rows], dtype=probs.dtype, device=device)
            probs = probs.masked_fill(probs < min_p * probs[:, :1], 0.0)
        cdf = probs.cumsum(dim=-1)
        u = torch.tensor([[r.uniform()] for r in rows], dtype=cdf.dtype, device=device) * cdf[:, -1:]
        picked = torch.searchsorted(cdf, u, right=True).clamp_(max=vocab - 1)
        if filtered:
            picked = order.gather(1, picked)
        return picked.squeeze(1)

    def _logprobs(self, scores: Any, ids: list[int], wanted: list[int]) -> dict[int, TokenLogprob]:
        """Log-probabilities of the chosen tokens (and the most likely alternatives) under the
        model's raw distribution, before temperature, top-k and top-p."""
        import torch

        index = torch.tensor(wanted, device=scores.device)
        logp = scores.index_select(0, index).float().log_softmax(dim=-1)
        chosen = torch.tensor([[ids[i]] for i in wanted], device=scores.device)
        chosen_lp = logp.gather(1, chosen).squeeze(1).tolist()
        k = min(max(self.rows[i].top_logprobs for i in wanted), logp.shape[-1])
        top_v: list[list[float]] = [[] for _ in wanted]
        top_i: list[list[int]] = [[] for _ in wanted]
        if k > 0:
            values, indices = logp.topk(k, dim=-1)
            top_v, top_i = values.tolist(), indices.tolist()
        out = {}
        for j, i in enumerate(wanted):
            n = self.rows[i].top_logprobs
            out[i] = TokenLogprob(
                token=self.token_text(ids[i]),
                logprob=chosen_lp[j],
                top=[(self.token_text(t), v) for t, v in zip(top_i[j][:n], top_v[j][:n], strict=True)],
            )
        return out


@cache
def hook_classes() -> tuple[type, type]:
    """``(LogitsProcessor, StoppingCriteria)`` subclasses that call :class:`BatchHooks`."""
    from transformers import LogitsProcessor, StoppingCriteria

    class ChooseTokens(LogitsProcessor):
        def __init__(self, hooks: BatchHooks):
            self.hooks = hooks

        def __call__(self, input_ids: Any, scores: Any) -> Any:
            return self.hooks.choose(input_ids, scores)

    class RowsFinished(StoppingCriteria):
        def __init__(self, hooks: BatchHooks):
            self.hooks = hooks

        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return self.hooks.finished(input_ids)

    return ChooseTokens, RowsFinished


class Scheduler:
    """The background thread that batches rows and runs them with ``run_batch(rows)``.

    Rows that can share a ``generate()`` call have equal ``group_of(row)``. After the first row
    of an idle period arrives, the thread waits up to ``wait_s`` for more (or until
    ``max_batch_size`` rows wait), then runs the oldest row's group, up to ``max_batch_size``
    rows in arrival order, with ``run_batch(rows, admit)``. Continuous batching: between decode
    steps ``run_batch`` may call ``admit(room, accept)`` for rows that arrived meanwhile (at
    most ``room``, of the batch's group, each passing ``accept``; none while an older row of
    another group waits, so no group starves); otherwise rows arriving while a batch runs wait
    for the next one.

    The thread starts with the first row and ends after ``idle_s`` without work (the next row
    starts a new one), so an engine that is dropped without ``close()`` holds no thread for
    long; ``close()`` runs at interpreter exit as well.
    """

    def __init__(
        self,
        run_batch: Callable[[list[Row], Callable[..., list[Row]]], None],
        group_of: Callable[[Row], Any],
        max_batch_size: int,
        wait_s: float,
        idle_s: float = 30.0,
    ):
        self.run_batch = run_batch
        self.group_of = group_of
        self.max_batch_size = max_batch_size
        self.wait_s = wait_s
        self.idle_s = idle_s
        self.counters = {"batches": 0, "rows": 0, "max_batch": 0, "tokens": 0, "cancelled": 0}
        self._cond = threading.Condition()
        self._waiting: list[Row] = []
        self._active: list[Row] = []
        self._thread: threading.Thread | None = None
        self._closed = False
        ref = weakref.ref(self)
        atexit.register(lambda: (s := ref()) is not None and s.close(timeout=5.0))

    # ------------------------------------------------------------------ any thread

    def submit(self, rows: Sequence[Row], *, wait: bool = True) -> None:
        """Queue ``rows`` together (they are seen by the scheduler at once). ``wait=False``: do
        not wait for other rows to join them (a caller that submitted all it has)."""
        with self._cond:
            if self._closed:
                raise RuntimeError("the pt engine is closed")
            deadline = time.monotonic() + (self.wait_s if wait else 0.0)
            for row in rows:
                row.deadline = deadline
            self._waiting.extend(rows)
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="swiftkit-pt-scheduler", daemon=True)
                self._thread.start()
            self._cond.notify_all()

    def stats(self) -> dict[str, int]:
        with self._cond:
            active = sum(1 for r in self._active if not r.done)
            waiting = sum(1 for r in self._waiting if not r.cancelled)
        return {**self.counters, "active_rows": active, "waiting_rows": waiting}

    def close(self, timeout: float | None = 30.0) -> None:
        with self._cond:
            self._closed = True
            for row in self._active:
                row.cancel(RuntimeError("the pt engine was closed while this request ran"))
            self._cond.notify_all()
            thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        with self._cond:
            waiting, self._waiting = self._waiting, []
        for row in waiting:
            row.fail(RuntimeError("the pt engine was closed before this request ran"))

    # ------------------------------------------------------------------ the thread

    def _live_waiting(self) -> list[Row]:
        """Under the lock: the waiting rows, the cancelled ones dropped (and counted)."""
        waiting = []
        for row in self._waiting:
            if row.cancelled:
                self.counters["cancelled"] += 1
                row.drop()
            else:
                waiting.append(row)
        return waiting

    def _take(self) -> list[Row]:
        """Under the lock: the next batch, removed from the waiting list."""
        waiting = self._live_waiting()
        if not waiting:
            self._waiting = []
            return []
        group = self.group_of(waiting[0])
        batch: list[Row] = []
        rest: list[Row] = []
        for row in waiting:
            if len(batch) < self.max_batch_size and self.group_of(row) == group:
                batch.append(row)
            else:
                rest.append(row)
        self._waiting = rest
        return batch

    def _admitter(self, group: Any) -> Callable[..., list[Row]]:
        def admit(room: int, accept: Callable[[Row], bool] = lambda row: True) -> list[Row]:
            """Rows of ``group`` waiting now (at most ``room``), taken into the running batch."""
            with self._cond:
                if self._closed or room <= 0:
                    return []
                waiting = self._live_waiting()
                taken: list[Row] = []
                rest: list[Row] = []
                for row in waiting:
                    if len(taken) < room and not rest and self.group_of(row) == group and accept(row):
                        taken.append(row)
                    else:
                        rest.append(row)  # in order: a row that cannot join holds back those after it
                self._waiting = rest
                self._active = [r for r in self._active if not r.done] + taken
                self.counters["rows"] += len(taken)
                live = sum(1 for r in self._active if not r.done)
                self.counters["max_batch"] = max(self.counters["max_batch"], live)
                return taken

        return admit

    def _loop(self) -> None:
        while True:
            with self._cond:
                if not self._waiting and not self._closed:
                    self._cond.wait_for(lambda: self._waiting or self._closed, timeout=self.idle_s)
                if not self._waiting and not self._closed:  # idle: end; submit() starts a new thread
                    self._thread = None
                    return
                if self._closed:
                    return
                deadline = self._waiting[0].deadline
                while len(self._waiting) < self.max_batch_size and not self._closed:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                if self._closed:
                    return
                batch = self._take()
                self._active = batch
            if batch:
                self.counters["batches"] += 1
                self.counters["rows"] += len(batch)
                self.counters["max_batch"] = max(self.counters["max_batch"], len(batch))
                try:
                    self.run_batch(batch, self._admitter(self.group_of(batch[0])))
                except BaseException as exc:  # handed to the waiters; the thread keeps serving
                    with self._cond:
                        involved = list(self._active)
                    for row in involved:
                        row.fail(exc)
                    if not isinstance(exc, Exception):
                        raise
            with self._cond:
                self._active = []
