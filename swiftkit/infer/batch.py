"""``swift infer --val_dataset ...``: answer every row of a dataset and write the results.

Each row's conversation minus its final assistant reply is the prompt; that reply is kept as
the reference. A row's media (``images`` / ``videos`` / ``audios``, read as in training) go
with its prompt, and the result line lists them (paths and URLs as given). Rows are sent to the engine in batches of ``batch_size`` (the engine decodes a
batch together), and each batch's results are appended to the jsonl file as soon as they are
known, so an interrupted run keeps what it finished. One line per row::

    {"messages": [...prompt...], "response": "...", "reference": "...", "finish_reason": "stop",
     "prompt_tokens": 17, "completion_tokens": 5, "source": "val.jsonl", "row": 3}

Throughput is completion tokens per second of wall time over the whole loop (model loading not
counted), and requests per second.
"""

from __future__ import annotations

import datetime
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from swiftkit.core.engines.interface import ChatRequest, SamplingOptions

RESULT_DIR = "infer_result"


@dataclass
class BatchStats:
    """What a batch run did."""

    rows: int
    elapsed: float
    prompt_tokens: int
    completion_tokens: int
    result_path: str

    @property
    def tokens_per_s(self) -> float:
        return self.completion_tokens / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def requests_per_s(self) -> float:
        return self.rows / self.elapsed if self.elapsed > 0 else 0.0


def with_system(messages: list[dict[str, Any]], system: str | None) -> list[dict[str, Any]]:
    """``messages`` with ``system`` as a leading system message, unless it already has one."""
    if not system or (messages and messages[0].get("role") == "system"):
        return list(messages)
    return [{"role": "system", "content": system}, *messages]


def _describe(medium: Any) -> Any:
    """A medium as a result line records it: a path or URL as it is, anything else in words."""
    if isinstance(medium, str):
        return medium if not medium.startswith("data:") else f"<data URL, {len(medium)} characters>"
    if isinstance(medium, bytes | bytearray):
        return f"<{len(medium)} bytes>"
    if isinstance(medium, list | tuple):
        return [_describe(m) for m in medium]
    return f"<{type(medium).__name__}>"


def default_result_path(folder: str | None = None, *, now: datetime.datetime | None = None) -> str:
    """``<folder or cwd>/infer_result/<YYYYmmdd-HHMMSS>.jsonl`` (ms-swift's layout), made unique."""
    stamp = (now or datetime.datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = os.path.join(folder or os.getcwd(), RESULT_DIR, stamp)
    path, k = f"{base}.jsonl", 1
    while os.path.exists(path):
        path, k = f"{base}-{k}.jsonl", k + 1
    return path


def infer_rows(
    engine: Any,
    rows: Sequence[Any],
    *,
    sampling: SamplingOptions,
    result_path: str,
    adapter: str | None = None,
    system: str | None = None,
    batch_size: int = 16,
    on_batch: Callable[[int, int], None] | None = None,
    write_batch_size: int = 1000,
) -> BatchStats:
    """Answer ``rows`` (:class:`~swiftkit.data.rows.ConversationRow`) with ``engine`` and
    write one jsonl line per row to ``result_path`` (its folder is created; an existing file
    is replaced), every ``write_batch_size`` rows and at the end. ``on_batch(done, total)`` is
    called after each batch."""
    from swiftkit.data.rows import split_prompt

    if batch_size < 1 or write_batch_size < 1:
        raise ValueError(f"batch_size and write_batch_size must be at least 1, got {batch_size}, {write_batch_size}")
    os.makedirs(os.path.dirname(os.path.abspath(result_path)), exist_ok=True)
    prompt_tokens = completion_tokens = 0
    started = time.perf_counter()
    pending: list[str] = []
    with open(result_path, "w", encoding="utf-8") as fh:
        for start in range(0, len(rows), batch_size):
            chunk = rows[start : start + batch_size]
            prompts, references = [], []
            for row in chunk:
                prompt, reference = split_prompt(row.messages)
                prompts.append(with_system(prompt, system))
                references.append(reference)
            requests = [ChatRequest(messages=p, sampling=sampling, adapter=adapter, images=list(getattr(row, "images", [])),
                                    videos=list(getattr(row, "videos", [])), audios=list(getattr(row, "audios", [])))
                        for p, row in zip(prompts, chunk, strict=True)]
            responses = engine.infer(requests)
            for row, prompt, reference, response in zip(chunk, prompts, references, responses, strict=True):
                prompt_tokens += response.prompt_tokens
                completion_tokens += response.completion_tokens
                record = {
                    "messages": prompt,
                    "response": response.text,
                    "reference": reference,
                    "finish_reason": response.finish_reason,
                    "prompt_tokens": response.prompt_tokens,
                    "completion_tokens": response.completion_tokens,
                    "source": row.source,
                    "row": row.row,
                }
                for column in ("images", "videos", "audios"):
                    if getattr(row, column, None):
                        record[column] = [_describe(v) for v in getattr(row, column)]
                if sampling.logprobs and response.logprobs is not None:
                    record["logprobs"] = [{"token": t.token, "logprob": t.logprob,
                                           **({"top_logprobs": [list(pair) for pair in t.top]} if t.top else {})}
                                          for t in response.logprobs]
                pending.append(json.dumps(record, ensure_ascii=False) + "\n")
            if len(pending) >= write_batch_size or start + batch_size >= len(rows):
                fh.writelines(pending)
                fh.flush()
                pending.clear()
            if on_batch is not None:
                on_batch(min(start + batch_size, len(rows)), len(rows))
    return BatchStats(
        rows=len(rows),
        elapsed=time.perf_counter() - started,
        prompt_tokens=prompt_tokens,
        completion_tokens=completion_tokens,
        result_path=result_path,
    )
