"""Tencent chat templates (data only): Hunyuan, Hunyuan-A13B, Hy3, Youtu-LLM.

Hunyuan and Hy3 write roles as full-width special tokens (``<｜hy_User｜>``). Hy3 states the
reasoning effort after the system prompt; the plain format is ``no_think`` with an empty think
block before each reply (``--enable_thinking`` switches it, ms-swift's option).
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

HY_BOS = "<｜hy_begin▁of▁sentence｜>"
HY_USER = "<｜hy_User｜>"
HY_ASSISTANT = "<｜hy_Assistant｜>"


def _hy_v3(id: str, description: str, tok: str) -> TemplateSpec:
    # tok: "" (Hy3-preview) or ":opensource" (Hy3), the suffix inside every special token
    bos, user, assistant, eos = (f"<｜hy_begin_of_sentence{tok}｜>" if tok else HY_BOS,
                                 f"<｜hy_User{tok}｜>", f"<｜hy_Assistant{tok}｜>", f"<｜hy_eos{tok}｜>")
    mode = f"<｜reasoning_mode{tok}｜>"
    think, end_think = f"<think{tok}>", f"</think{tok}>"
    return TemplateSpec(
        id=id,
        description=description,
        tags=["reasoning"],
        prefix=bos,
        system="{content}" + mode + "reasoning_effort:no_think",
        user=user + "{content}",
        assistant_prefix=assistant + think + end_think,
        assistant_suffix=eos,
        default_system="",
        stop_words=[eos],
        special_tokens=[bos, user, assistant, eos, mode, think, end_think],
    )


def swift_register_templates() -> list[TemplateSpec]:
    return [
        # Hunyuan 0.5B-7B (hunyuan_v1_dense)
        TemplateSpec(
            id="hunyuan",
            description="Hunyuan (<｜hy_User｜>...<｜hy_Assistant｜>...<｜hy_place▁holder▁no▁2｜>)",
            tags=["reasoning"],
            prefix=HY_BOS,
            system="{content}<｜hy_place▁holder▁no▁3｜>",
            user=HY_USER + "{content}",
            assistant_prefix=HY_ASSISTANT,
            assistant_suffix="<｜hy_place▁holder▁no▁2｜>",
            stop_words=["<｜hy_place▁holder▁no▁2｜>"],
            special_tokens=[HY_BOS, HY_USER, HY_ASSISTANT, "<｜hy_place▁holder▁no▁2｜>", "<｜hy_place▁holder▁no▁3｜>"],
        ),
        # Hunyuan-A13B: every round opens with <|startoftext|> (a system prompt is its own
        # <|startoftext|>...<|extra_4|> block; ms-swift writes the first question right after it).
        TemplateSpec(
            id="hunyuan_moe",
            description="Hunyuan-A13B (<|startoftext|>question<|extra_0|>answer<|eos|>)",
            system="<|startoftext|>{content}<|extra_4|>",
            user="<|startoftext|>{content}<|extra_0|>",
            assistant_suffix="<|eos|>",
            stop_words=["<|eos|>"],
            special_tokens=["<|startoftext|>", "<|extra_0|>", "<|extra_4|>", "<|eos|>"],
        ),
        _hy_v3("hy_v3_preview", "Hy3-preview (<｜hy_User｜>..., reasoning effort no_think)", ""),
        _hy_v3("hy_v3", "Hy3 (<｜hy_User:opensource｜>..., reasoning effort no_think)", ":opensource"),
        # Youtu-LLM: DeepSeek-style <|User|>/<|Assistant|> turns ended by <|end_of_text|>.
        TemplateSpec(
            id="youtu_llm",
            description="Youtu-LLM (<|User|>...<|Assistant|>...<|end_of_text|>)",
            tags=["reasoning"],
            prefix="<|begin_of_text|>",
            user="<|User|>{content}",
            assistant_prefix="<|Assistant|>",
            assistant_suffix="<|end_of_text|>",
            stop_words=["<|end_of_text|>"],
            special_tokens=["<|begin_of_text|>", "<|end_of_text|>", "<|User|>", "<|Assistant|>", "<think>", "</think>"],
        ),
    ]
