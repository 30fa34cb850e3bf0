"""lm-evaluation-harness over a swiftkit engine (the live model during training): scoring through
:meth:`~swiftkit.core.engines.interface.InferEngine.prompt_logprobs`, generation through
``engine.infer``, chat prompts rendered by the engine's template."""

from __future__ import annotations

from typing import Any

from lm_eval.api.model import LM

from swiftkit.core.engines.interface import CompletionRequest, SamplingOptions
from swiftkit.core.errors import SwiftkitError


class EngineLM(LM):
    """An lm-eval model answering through ``engine`` (which needs an in-process ``tokenizer``
    and ``prompt_logprobs`` for log-likelihood tasks; the ``pt`` engine has both)."""

    def __init__(self, engine: Any, *, adapter: str | None = None, max_gen_toks: int = 256):
        super().__init__()
        if engine.tokenizer is None:
            raise SwiftkitError(f"eval backend 'lm_eval': engine {engine.spec.id!r} has no tokenizer in this process, "
                                "which scoring needs")
        self.engine, self.adapter, self.max_gen_toks = engine, adapter, max_gen_toks
        self.tokenizer = engine.tokenizer

    def _ids(self, text: str) -> list[int]:
        return list(self.tokenizer(text, add_special_tokens=False)["input_ids"]) if text else []

    def _pair(self, context: str, continuation: str) -> tuple[list[int], list[int]]:
        """Token ids of the context and of the continuation as they are encoded together (a
        space ending the context goes with the continuation, where tokenizers attach it)."""
        stripped = context.rstrip()
        continuation = context[len(stripped):] + continuation
        whole = self._ids(stripped + continuation)
        head = self._ids(stripped)
        if whole[: len(head)] != head:  # the join merged tokens: split at the context's length anyway
            head = whole[: len(head)]
        return head, whole[len(head):]

    def _score(self, ids: list[int], start: int) -> tuple[float, bool]:
        items = self.engine.prompt_logprobs(ids, adapter=self.adapter, top_logprobs=1)
        total, greedy = 0.0, True
        for item in items[max(start, 1):]:
            total += item.logprob
            greedy = greedy and bool(item.top) and item.logprob >= item.top[0][1] - 1e-6
        return total, greedy

    def loglikelihood(self, requests: list[Any]) -> list[tuple[float, bool]]:
        out = []
        for request in requests:
            context, continuation = request.args
            head, tail = self._pair(context, continuation)
            if not head:  # nothing to condition the first token on: start from the end-of-text token
                head = [self.tokenizer.eos_token_id]
            out.append(self._score(head + tail, len(head)))
        return out

    def loglikelihood_rolling(self, requests: list[Any]) -> list[float]:
        return [self._score([self.tokenizer.eos_token_id, *self._ids(r.args[0])], 1)[0] for r in requests]

    def generate_until(self, requests: list[Any]) -> list[str]:
        engine_requests = []
        for request in requests:
            context, kwargs = request.args
            until = kwargs.get("until") or []
            sampling = SamplingOptions(max_tokens=int(kwargs.get("max_gen_toks", self.max_gen_toks)),
                                       temperature=float(kwargs.get("temperature", 0.0) or 0.0),
                                       stop=[until] if isinstance(until, str) else list(until))
            engine_requests.append(CompletionRequest(prompt=context, sampling=sampling, adapter=self.adapter))
        return [r.text for r in self.engine.infer(engine_requests)]

    def apply_chat_template(self, chat_history: list[dict[str, str]], add_generation_prompt: bool = True) -> str:
        return self.engine.template.render(chat_history, add_generation_prompt=add_generation_prompt)

    @property
    def tokenizer_name(self) -> str:
        return str(getattr(self.tokenizer, "name_or_path", "engine")).replace("/", "__")

    def chat_template(self, chat_template: bool | str = False) -> str | None:
        return self.engine.template.chat_template() if chat_template else None
