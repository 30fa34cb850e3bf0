"""DeepSeek-family chat templates (ms-swift's ids) and Moonshot's Kimi/Moonlight: data only.

``deepseek`` is DeepSeek-LLM-chat's ``User: ...\\n\\nAssistant:``; from DeepSeek-V2.5 on the turns
are full-width special tokens (``<｜User｜>``, ``<｜Assistant｜>``, ``<｜end▁of▁sentence｜>``) after
one ``<｜begin▁of▁sentence｜>`` and the system text.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
MOONLIGHT_SYSTEM = "You are a helpful assistant"
KIMI_SYSTEM = "You are Kimi, an AI assistant created by Moonshot AI."


def _v2_5(id: str, description: str, **fields) -> TemplateSpec:
    # <｜begin▁of▁sentence｜>{system}<｜User｜>{q}<｜Assistant｜>{a}<｜end▁of▁sentence｜>
    thinking = fields.get("is_thinking", False)
    return TemplateSpec(
        id=id,
        description=description,
        prefix=BOS,
        system="{content}",
        user="<｜User｜>{content}",
        assistant_prefix="<｜Assistant｜>",
        assistant_suffix=EOS,
        stop_words=[EOS],
        special_tokens=[BOS, EOS, "<｜User｜>", "<｜Assistant｜>"] + (["<think>", "</think>"] if thinking else []),
        **fields,
    )


def _moonshot(id: str, description: str, default_system: str) -> TemplateSpec:
    return TemplateSpec(
        id=id,
        description=description,
        system="<|im_system|>system<|im_middle|>{content}<|im_end|>",
        user="<|im_user|>user<|im_middle|>{content}<|im_end|>",
        assistant_prefix="<|im_assistant|>assistant<|im_middle|>",
        assistant_suffix="<|im_end|>",
        default_system=default_system,
        stop_words=["<|im_end|>"],
        special_tokens=["<|im_system|>", "<|im_user|>", "<|im_assistant|>", "<|im_middle|>", "<|im_end|>"],
    )


def swift_register_templates() -> list[TemplateSpec]:
    return [
        # DeepSeek-LLM-chat / DeepSeek-MoE-chat: <bos>User: q\n\nAssistant: a<eos>; system text before the first turn.
        TemplateSpec(
            id="deepseek",
            description="DeepSeek-LLM chat (User: ... / Assistant: ...)",
            prefix=BOS,
            system="{content}\n\n",
            user="User: {content}\n\nAssistant:",
            assistant_prefix="",
            reply_prefix=" ",
            assistant_suffix=EOS,
            stop_words=[EOS],
            special_tokens=[BOS, EOS],
        ),
        _v2_5("deepseek_v2_5", "DeepSeek-V2.5 / V3 (<｜User｜> ... <｜Assistant｜> ... <｜end▁of▁sentence｜>)"),
        # DeepSeek-R1 and its distills: thinking only; every reply is shown without its reasoning.
        _v2_5("deepseek_r1", "DeepSeek-R1: the V3 format, the generation prompt opens <think>", is_thinking=True,
              thinking_prefix="<think>\n", strip_thinking="all", history_thinking_lstrip=False),
        # DeepSeek-V3.1 (hybrid): non-thinking by default (Jinja variable `thinking`); a reply is written
        # after </think>, its reasoning dropped.
        _v2_5("deepseek_v3_1", "DeepSeek-V3.1 hybrid: </think> before non-thinking replies, <think> to reason",
              is_thinking=True, thinking_prefix="<think>", non_thinking_prefix="</think>",
              history_thinking_prefix="</think>", history_thinking_lstrip=False, strip_thinking="all",
              thinking_default=False,
              thinking_kwarg="thinking", aliases=["deepseek_v4", "deepseek_v4_flash"]),
        _moonshot("moonlight", "Moonlight (<|im_user|>user<|im_middle|> ... <|im_end|>)", MOONLIGHT_SYSTEM),
        _moonshot("kimi_k2", "Kimi-K2: Moonlight's format with Kimi's default system prompt", KIMI_SYSTEM),
    ]
