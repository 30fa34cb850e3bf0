"""What the library-backed engines (``vllm``, ``sglang``, ``lmdeploy``) share: the pure mapping
between swiftkit's request/response types and each library's. Their shared option schemas are
the core's :data:`swiftkit.core.options.SERVING` group.

Light: imports no inference library, so the unit tests can check every mapping with fake output
objects.

Conventions every adapter follows (the ``pt`` engine's, so the engines answer alike):

* the prompt is the template's render (:meth:`InferEngine.render`), tokenized with the
  model's tokenizer *without* added special tokens (the rendered text already holds them; a
  second BOS would change the answer), and handed to the library as token ids;
* generation stops at the eos token, at the template's stop words and at the request's
  ``stop`` strings; the stop string itself is not part of the answer;
* ``finish_reason`` is ``"length"`` when the token budget ended the answer, else ``"stop"``;
* ``completion_tokens`` counts the generated tokens including a final end-of-turn token.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from swiftkit.core.engines.interface import ChatResponse, SamplingOptions, StreamChunk, TokenLogprob

# ------------------------------------------------------------------------------- requests

def validate_sampling(sampling: SamplingOptions) -> None:
    """The checks every engine makes before sending a request (``pt``'s, same messages)."""
    if sampling.max_tokens < 1:
        raise ValueError(f"max_tokens must be at least 1, got {sampling.max_tokens}")
    if sampling.temperature < 0:
        raise ValueError(f"temperature must not be negative, got {sampling.temperature}")
    if not 0 < sampling.top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {sampling.top_p}")
    if sampling.top_k < 0:
        raise ValueError(f"top_k must be 0 (off) or positive, got {sampling.top_k}")
    if sampling.top_logprobs < 0:
        raise ValueError(f"top_logprobs must not be negative, got {sampling.top_logprobs}")
    if not 0 <= getattr(sampling, "min_p", 0.0) <= 1:
        raise ValueError(f"min_p must be in [0, 1], got {sampling.min_p}")
    if not sampling.repetition_penalty > 0:
        raise ValueError(f"repetition_penalty must be positive (1.0: off), got {sampling.repetition_penalty}")


def stop_strings(template_stop_words: Iterable[str] | None, sampling: SamplingOptions) -> list[str]:
    """The template's stop words, then the request's ``stop`` strings; empty ones and
    repeats dropped, order kept."""
    words = [*(template_stop_words or []), *(sampling.stop or [])]
    return list(dict.fromkeys(w for w in words if w))


def single_token_ids(tokenizer: Any, words: Iterable[str]) -> list[int]:
    """Ids of the words that are one token (end-of-turn markers such as ``<|im_end|>``):
    the engines stop on the id itself, as ``pt`` does, rather than on decoded text."""
    ids: list[int] = []
    for word in words:
        token_ids = tokenizer(word, add_special_tokens=False)["input_ids"]
        if len(token_ids) == 1 and int(token_ids[0]) not in ids:
            ids.append(int(token_ids[0]))
    return ids


def logprobs_count(sampling: SamplingOptions) -> int | None:
    """How many alternatives per position to ask for: ``None`` when no log-probabilities are
    wanted; ``top_logprobs`` (0: the chosen token only) otherwise."""
    if not sampling.logprobs and not sampling.top_logprobs:
        return None
    return int(sampling.top_logprobs)


def vllm_sampling_kwargs(sampling: SamplingOptions, stops: Sequence[str], stop_token_ids: Sequence[int]) -> dict:
    """Keyword arguments of ``vllm.SamplingParams`` for one request.

    ``top_k`` 0 is off in swiftkit and in vLLM >= 0.8 alike; older vLLM spells off as -1, so
    0 is sent as -1 (accepted by every version). Greedy requests (``temperature == 0``) send
    no sampling knobs (vLLM resets them for greedy anyway)."""
    validate_sampling(sampling)
    kwargs: dict[str, Any] = {
        "n": 1,
        "max_tokens": int(sampling.max_tokens),
        "temperature": float(sampling.temperature),
        "stop": list(stops),
        "stop_token_ids": list(stop_token_ids),
        "include_stop_str_in_output": False,
        "skip_special_tokens": True,
        "repetition_penalty": float(sampling.repetition_penalty),
        "presence_penalty": 0.0,
        "frequency_penalty": 0.0,
        "logprobs": logprobs_count(sampling),
    }
    if sampling.temperature > 0:
        kwargs.update(top_p=float(sampling.top_p), top_k=int(sampling.top_k) or -1, min_p=float(sampling.min_p))
        if sampling.seed is not None:
            kwargs["seed"] = int(sampling.seed)
    return kwargs


def sglang_sampling_params(sampling: SamplingOptions, stops: Sequence[str], stop_token_ids: Sequence[int]) -> dict:
    """The ``sampling_params`` dict of ``sglang.Engine.generate`` for one request (SGLang
    spells "no top-k" as -1; ``sampling_seed`` is its per-request seed)."""
    validate_sampling(sampling)
    params: dict[str, Any] = {
        "n": 1,
        "max_new_tokens": int(sampling.max_tokens),
        "temperature": float(sampling.temperature),
        "stop": list(stops),
        "stop_token_ids": list(stop_token_ids),
        "skip_special_tokens": True,
        "no_stop_trim": False,
        "repetition_penalty": float(sampling.repetition_penalty),
        "presence_penalty": 0.0,
        "frequency_penalty": 0.0,
    }
    if sampling.temperature > 0:
        params.update(top_p=float(sampling.top_p), top_k=int(sampling.top_k) or -1, min_p=float(sampling.min_p))
        if sampling.seed is not None:
            params["sampling_seed"] = int(sampling.seed)
    return params


def lmdeploy_generation_kwargs(sampling: SamplingOptions, stops: Sequence[str], stop_token_ids: Sequence[int]) -> dict:
    """Keyword arguments of ``lmdeploy.GenerationConfig`` for one request. LMDeploy decodes
    greedily unless ``do_sample`` is set; its ``top_k`` 0 means off."""
    validate_sampling(sampling)
    do_sample = sampling.temperature > 0
    kwargs: dict[str, Any] = {
        "n": 1,
        "max_new_tokens": int(sampling.max_tokens),
        "do_sample": do_sample,
        "stop_words": list(stops),
        "stop_token_ids": list(stop_token_ids),
        "skip_special_tokens": True,
        "repetition_penalty": float(sampling.repetition_penalty),
    }
    top_n = logprobs_count(sampling)
    if top_n is not None:
        kwargs["logprobs"] = max(1, top_n)  # LMDeploy returns the top ones; 1 holds a greedy pick
    if do_sample:
        kwargs.update(temperature=float(sampling.temperature), top_p=float(sampling.top_p), top_k=int(sampling.top_k),
                      min_p=float(sampling.min_p))
        if sampling.seed is not None:
            kwargs["random_seed"] = int(sampling.seed)
    return kwargs


# ------------------------------------------------------------------------------- responses

def finish_reason(raw: Any) -> str:
    """A library's finish reason as OpenAI's: ``"length"`` or ``"stop"``. SGLang reports a
    dict (``{"type": "length", ...}``); ``"abort"`` (a cancelled request) reads as ``"stop"``."""
    if isinstance(raw, Mapping):
        raw = raw.get("type")
    return "length" if str(raw).lower() == "length" else "stop"


def cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """``text`` up to its first stop string, and whether one was found. The libraries already
    cut there; this guards against one that does not (or a version that keeps the stop)."""
    cuts = [i for i in (text.find(s) for s in stops if s) if i >= 0]
    return (text[: min(cuts)], True) if cuts else (text, False)


def _finite(value: Any) -> float:
    value = float(value)
    return value if math.isfinite(value) else -9999.0  # OpenAI's floor for -inf


def vllm_logprobs(token_ids: Sequence[int], positions: Sequence[Mapping[int, Any]] | None, top_n: int,
                  decode: Any = None) -> list[TokenLogprob] | None:
    """vLLM's ``CompletionOutput.logprobs`` (per position: ``{token_id: Logprob(logprob,
    rank, decoded_token)}``, holding the chosen token and the top ``top_n``) as TokenLogprobs.

    ``decode(token_id)`` names a token whose ``decoded_token`` is missing."""
    if positions is None:
        return None
    out: list[TokenLogprob] = []
    for token_id, position in zip(token_ids, positions, strict=False):
        position = position or {}

        def text(tid: int, entry: Any) -> str:
            decoded = getattr(entry, "decoded_token", None)
            if decoded is None and decode is not None:
                decoded = decode(tid)
            return "" if decoded is None else str(decoded)

        chosen = position.get(token_id)
        ranked = sorted(
            position.items(),
            key=lambda item: (getattr(item[1], "rank", None) or math.inf, -_finite(item[1].logprob)),
        )
        top = [(text(tid, entry), _finite(entry.logprob)) for tid, entry in ranked[:top_n]] if top_n else []
        logprob = _finite(chosen.logprob) if chosen is not None else -9999.0
        out.append(TokenLogprob(token=text(token_id, chosen), logprob=logprob, top=top))
    return out


def vllm_response(output: Any, top_n: int | None, stops: Sequence[str] = (), decode: Any = None) -> ChatResponse:
    """A finished vLLM ``RequestOutput`` as a ChatResponse."""
    completion = output.outputs[0]
    token_ids = list(completion.token_ids)
    text, cut = cut_at_stop(completion.text, stops)
    return ChatResponse(
        text=text,
        finish_reason="stop" if cut else finish_reason(completion.finish_reason),
        prompt_tokens=len(output.prompt_token_ids or []),
        completion_tokens=len(token_ids),
        logprobs=vllm_logprobs(token_ids, completion.logprobs, top_n or 0, decode) if top_n is not None else None,
        prompt_token_ids=list(output.prompt_token_ids) if output.prompt_token_ids is not None else None,
        token_ids=token_ids,
    )


def sglang_logprobs(meta: Mapping[str, Any], top_n: int, decode: Any = None) -> list[TokenLogprob] | None:
    """SGLang's ``meta_info`` logprobs (``output_token_logprobs``: ``(logprob, token_id,
    text|None)`` per position; ``output_top_logprobs``: a list of those per position) as
    TokenLogprobs."""
    chosen = meta.get("output_token_logprobs")
    if chosen is None:
        return None
    tops = meta.get("output_top_logprobs") or [None] * len(chosen)

    def text(entry: Sequence[Any]) -> str:
        if len(entry) > 2 and entry[2] is not None:
            return str(entry[2])
        return "" if decode is None else str(decode(int(entry[1])))

    out = []
    for entry, top in zip(chosen, tops, strict=False):
        alternatives = [(text(t), _finite(t[0])) for t in (top or [])[:top_n]] if top_n else []
        out.append(TokenLogprob(token=text(entry), logprob=_finite(entry[0]), top=alternatives))
    return out


def sglang_response(output: Mapping[str, Any], top_n: int | None, stops: Sequence[str] = (),
                    decode: Any = None) -> ChatResponse:
    """One finished ``sglang.Engine.generate`` result (``{"text", "meta_info"}``) as a ChatResponse."""
    meta = output.get("meta_info") or {}
    text, cut = cut_at_stop(output.get("text") or "", stops)
    return ChatResponse(
        text=text,
        finish_reason="stop" if cut else finish_reason(meta.get("finish_reason")),
        prompt_tokens=int(meta.get("prompt_tokens") or 0),
        completion_tokens=int(meta.get("completion_tokens") or 0),
        logprobs=sglang_logprobs(meta, top_n or 0, decode) if top_n is not None else None,
    )


def lmdeploy_logprobs(token_ids: Sequence[int], positions: Sequence[Mapping[int, float]] | None, top_n: int,
                      decode: Any) -> list[TokenLogprob] | None:
    """LMDeploy's logprobs (per position ``{token_id: logprob}``, the top ones by value and
    the chosen token) as TokenLogprobs; ``decode(token_id)`` names the tokens."""
    if positions is None:
        return None
    out = []
    for token_id, position in zip(token_ids, positions, strict=False):
        position = position or {}
        ranked = sorted(position.items(), key=lambda item: -_finite(item[1]))
        top = [(str(decode(tid)), _finite(lp)) for tid, lp in ranked[:top_n]] if top_n else []
        logprob = _finite(position[token_id]) if token_id in position else -9999.0
        out.append(TokenLogprob(token=str(decode(token_id)), logprob=logprob, top=top))
    return out


def lmdeploy_response(output: Any, top_n: int | None, stops: Sequence[str] = (), decode: Any = None) -> ChatResponse:
    """A finished LMDeploy ``Response`` (``text``, ``input_token_len``, ``generate_token_len``,
    ``finish_reason``, ``token_ids``, ``logprobs``) as a ChatResponse.

    LMDeploy leaves the stop token out of ``token_ids`` and ``generate_token_len``; it is
    counted back in when LMDeploy stopped on it, as the other engines count it."""
    if output.finish_reason == "error":
        raise RuntimeError(f"LMDeploy failed to answer: {output.text}")
    text, cut = cut_at_stop(output.text or "", stops)
    token_ids = list(getattr(output, "token_ids", None) or [])
    logprobs = None
    if top_n is not None:
        logprobs = lmdeploy_logprobs(token_ids, getattr(output, "logprobs", None), top_n, decode or str)
    completion = int(output.generate_token_len or 0) + (1 if output.finish_reason == "stop" else 0)
    return ChatResponse(
        text=text,
        finish_reason="stop" if cut else finish_reason(output.finish_reason),
        prompt_tokens=int(output.input_token_len or 0),
        completion_tokens=completion,
        logprobs=logprobs,
    )


# ------------------------------------------------------------------------------- streaming

class StreamAssembler:
    """Turns a library's successive outputs into :class:`StreamChunk`\\ s whose deltas join to
    the final answer.

    Feed it the answer so far, either as the whole text (``cumulative=True``: vLLM's default
    output kind, SGLang's default stream) or as the new piece (LMDeploy), plus any new
    logprobs. It holds back what may still change: trailing replacement characters (an
    incomplete UTF-8 sequence) and the beginning of a stop string that the next tokens may
    complete; text from a stop string on is never emitted.
    """

    def __init__(self, stops: Sequence[str] = (), cumulative: bool = True):
        self.stops = [s for s in stops if s]
        self.cumulative = cumulative
        self.text = ""
        self.emitted = 0
        self.logprobs_sent = 0
        self.stopped = False

    def _held_back(self, text: str) -> int:
        hold = 0
        for stop in self.stops:
            for k in range(min(len(stop) - 1, len(text)), 0, -1):
                if text.endswith(stop[:k]):
                    hold = max(hold, k)
                    break
        return max(hold, len(text) - len(text.rstrip("\ufffd")))

    def _new_logprobs(self, logprobs: Sequence[TokenLogprob] | None, cumulative: bool) -> list[TokenLogprob] | None:
        if logprobs is None:
            return None
        if cumulative:
            new = list(logprobs[self.logprobs_sent:])
            self.logprobs_sent = len(logprobs)
            return new
        self.logprobs_sent += len(logprobs)
        return list(logprobs)

    def feed(self, text: str, logprobs: Sequence[TokenLogprob] | None = None,
             logprobs_cumulative: bool | None = None) -> StreamChunk | None:
        """The chunk to send for this output, or ``None`` when nothing is safe to send yet."""
        if self.stopped:
            return None
        if self.cumulative:
            # a library that re-tokenizes may revise the unsent tail; what was sent stays
            self.text = text if text.startswith(self.text[: self.emitted]) else self.text[: self.emitted] + text
        else:
            self.text += text
        cut, self.stopped = cut_at_stop(self.text, self.stops)
        safe = len(cut) if self.stopped else len(cut) - self._held_back(cut)
        new_lp = self._new_logprobs(logprobs, self.cumulative if logprobs_cumulative is None else logprobs_cumulative)
        if safe <= self.emitted and not new_lp:
            return None
        delta = cut[self.emitted: max(safe, self.emitted)]
        self.emitted = max(safe, self.emitted)
        return StreamChunk(delta=delta, logprobs=new_lp)

    def finish(self, response: ChatResponse) -> StreamChunk:
        """The last chunk: the rest of ``response.text``, its finish reason and token counts.
        (Logprobs were sent with the pieces.)"""
        rest = response.text[self.emitted:] if response.text.startswith(self.text[: self.emitted]) else ""
        self.emitted = len(response.text)
        self.stopped = True
        return StreamChunk(delta=rest, finish_reason=response.finish_reason, prompt_tokens=response.prompt_tokens,
                           completion_tokens=response.completion_tokens)


def join_chunks(chunks: Iterable[StreamChunk]) -> ChatResponse:
    """The response a stream amounts to (what ``infer`` answers for the same request)."""
    text, reason, prompt, completion, logprobs = [], None, 0, 0, None
    for chunk in chunks:
        text.append(chunk.delta)
        if chunk.logprobs is not None:
            logprobs = (logprobs or []) + list(chunk.logprobs)
        if chunk.finish_reason is not None:
            reason, prompt, completion = chunk.finish_reason, chunk.prompt_tokens or 0, chunk.completion_tokens or 0
    return ChatResponse(text="".join(text), finish_reason=reason or "stop", prompt_tokens=prompt,
                        completion_tokens=completion, logprobs=logprobs)


def missing_library(engine: str, package: str, gpu: bool) -> str:
    """The message of the error raised when an engine's library is not installed."""
    where = " It needs an NVIDIA GPU (CUDA) machine." if gpu else ""
    return (f"engine {engine!r} needs the {package!r} package, which is not installed: "
            f"pip install {package}.{where} Use --infer_backend pt to run without it.")
