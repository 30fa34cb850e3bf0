"""An EvalScope model that answers through a swiftkit :class:`~swiftkit.core.engines.interface.InferEngine`.

EvalScope's own checkpoint mode renders prompts with the tokenizer's ``chat_template`` and hands
it pydantic message objects, which swiftkit's generated templates refuse; going through the
engine instead renders every prompt with the model's registered template (the one it was trained
with), serves ``--adapters``, and evaluates a live model during training without reloading it.
EvalScope calls :meth:`EngineModelAPI.generate` from several threads at once; the ``pt`` engine
batches concurrent requests.

Heavy: imports EvalScope (imported only when a run starts).
"""

from __future__ import annotations

from typing import Any

from evalscope.api.messages import ChatMessage
from evalscope.api.model import GenerateConfig, ModelAPI, ModelOutput
from evalscope.api.model.model_output import ModelUsage

from swiftkit.core.engines.interface import ChatRequest, SamplingOptions

#: answer budget when ``--eval_generation_config`` names none
DEFAULT_MAX_TOKENS = 256


def sampling_options(config: GenerateConfig) -> SamplingOptions:
    """EvalScope's generation settings as the engine's (greedy unless a temperature is given)."""
    temperature = config.temperature if config.temperature is not None else 0.0
    if config.do_sample is False:
        temperature = 0.0
    return SamplingOptions(
        max_tokens=int(config.max_tokens or DEFAULT_MAX_TOKENS),
        temperature=float(temperature),
        top_p=float(config.top_p if config.top_p is not None else 1.0),
        top_k=int(config.top_k or 0),
        seed=config.seed,
        stop=list(config.stop_seqs or []),
        repetition_penalty=float(config.repetition_penalty or 1.0),
    )


def _message(message: ChatMessage) -> dict[str, Any]:
    return {"role": message.role, "content": message.text}


class EngineModelAPI(ModelAPI):
    """EvalScope's ``ModelAPI`` over a swiftkit engine; ``adapter`` is the served adapter every
    request names (``None``: the engine's default: the base model, or a live ``PeftModel``'s
    active adapter)."""

    def __init__(self, engine: Any, model_name: str, adapter: str | None = None,
                 config: GenerateConfig | None = None):
        super().__init__(model_name=model_name, config=config or GenerateConfig())
        self.engine = engine
        self.adapter = adapter

    def generate(self, input: list[ChatMessage], tools: list[Any], tool_choice: Any,  # noqa: A002 - EvalScope's name
                 config: GenerateConfig) -> ModelOutput:
        request = ChatRequest(messages=[_message(m) for m in input], sampling=sampling_options(config),
                              adapter=self.adapter)
        response = self.engine.infer([request])[0]
        output = ModelOutput.from_content(model=self.model_name, content=response.text,
                                          stop_reason="max_tokens" if response.finish_reason == "length" else "stop")
        output.usage = ModelUsage(input_tokens=response.prompt_tokens, output_tokens=response.completion_tokens,
                                  total_tokens=response.prompt_tokens + response.completion_tokens)
        return output
