"""Shanghai AI Lab InternLM chat templates (ms-swift's ids): data only."""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

INTERNLM_SYSTEM = (
    "You are an AI assistant whose name is InternLM (书生·浦语).\n"
    "- InternLM (书生·浦语) is a conversational language model that is developed by Shanghai AI Laboratory "
    "(上海人工智能实验室). It is designed to be helpful, honest, and harmless.\n"
    "- InternLM (书生·浦语) can understand and communicate fluently in the language chosen by the user such as "
    "English and 中文."
)

_CHATML = dict(
    prefix="<s>",
    system="<|im_start|>system\n{content}<|im_end|>\n",
    user="<|im_start|>user\n{content}<|im_end|>\n",
    assistant_prefix="<|im_start|>assistant\n",
    assistant_suffix="<|im_end|>\n",
    tool="<|im_start|>environment\n{content}<|im_end|>\n",
    stop_words=["<|im_end|>", "</s>"],
    special_tokens=["<s>", "</s>", "<|im_start|>", "<|im_end|>"],
)


def swift_register_templates() -> list[TemplateSpec]:
    return [
        # InternLM-chat (v1, remote code): <|User|>:q\n<|Bot|>:a<eoa>\n
        TemplateSpec(
            id="internlm",
            description="InternLM v1 (<|User|>: ... <|Bot|>: ... <eoa>)",
            prefix="<s>",
            system="<|System|>:{content}\n",
            user="<|User|>:{content}\n<|Bot|>:",
            assistant_suffix="<eoa>\n",
            default_system=INTERNLM_SYSTEM,
            stop_words=["<eoa>", "</s>"],
            special_tokens=["<s>", "</s>", "<eoa>"],
        ),
        # InternLM2 / 2.5 / InternLM3: ChatML after <s>; tool results come from the `environment` role.
        TemplateSpec(id="internlm2", description="InternLM2/2.5/3: ChatML after <s>", **_CHATML),
        # InternLM2 reward models: the score is read at <|reward|> after the reply.
        TemplateSpec(id="internlm2_reward", description="InternLM2 reward models: ChatML, <|reward|> after the reply",
                     train_reply_end="<|reward|>", **{**_CHATML, "special_tokens": _CHATML["special_tokens"] + ["<|reward|>"]}),
    ]
