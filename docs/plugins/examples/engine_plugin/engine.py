"""The ``generate`` engine (behaviour: heavy imports happen in ``__init__``)."""

from __future__ import annotations

from typing import Any

from swiftkit.core.engines.interface import ChatResponse, InferEngine, Request


class GenerateEngine(InferEngine):
    """Loads the model through its family's loader and answers each request with ``generate``.

    The synchronous :meth:`infer` is the one required member; streaming and the asynchronous
    calls the server uses come from :class:`InferEngine`'s defaults (run in a worker thread).
    """

    def __init__(self, spec: Any, model_dir: str, template: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, model_dir, template, options)
        import torch

        from swiftkit.core.registry import get_registry

        loader = get_registry().model_loader(model_dir)  # the family's ModelLoader
        self.model, self.tokenizer = loader.load(model_dir, torch_dtype=self.options.get("torch_dtype"))
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model.to(self.device).eval()
        if template.requires_tokenizer:
            self.template = template.bind(self.tokenizer)
        self.stop_ids = self.template.stop_token_ids(self.tokenizer)

    def infer(self, requests: list[Request]) -> list[ChatResponse]:
        return [self._answer(request) for request in requests]

    def _answer(self, request: Request) -> ChatResponse:
        import torch

        if request.adapter is not None:
            raise ValueError(f"engine {self.spec.id!r} serves no adapters (asked for {request.adapter!r})")
        sampling = request.sampling
        prompt_ids = self.tokenizer(self.render(request), add_special_tokens=False)["input_ids"]
        kwargs: dict[str, Any] = {"max_new_tokens": sampling.max_tokens, "eos_token_id": self.stop_ids,
                                  "pad_token_id": self.tokenizer.pad_token_id}
        if sampling.temperature > 0:
            kwargs.update(do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k)
            if sampling.seed is not None:
                torch.manual_seed(sampling.seed)
        else:
            kwargs["do_sample"] = False
        with torch.no_grad():
            out = self.model.generate(torch.tensor([prompt_ids], device=self.device), **kwargs)
        new_ids = out[0, len(prompt_ids):].tolist()
        stopped = bool(new_ids) and new_ids[-1] in self.stop_ids
        text = self.tokenizer.decode(new_ids[:-1] if stopped else new_ids, skip_special_tokens=True)
        for stop in sampling.stop:  # stop strings: cut the text at the first one
            if stop and stop in text:
                text, stopped = text[: text.index(stop)], True
        return ChatResponse(text=text, finish_reason="stop" if stopped else "length", prompt_tokens=len(prompt_ids),
                            completion_tokens=len(new_ids), prompt_token_ids=prompt_ids, token_ids=new_ids)

    def close(self) -> None:
        self.model = None  # drop the weights; a real engine also stops its workers here
