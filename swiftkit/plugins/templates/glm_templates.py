"""Zhipu / THUDM GLM-family chat templates (ms-swift's ids): data only.

GLM writes no end-of-turn text: a reply ends where the next ``<|user|>`` (or ``<|observation|>``)
begins, so those are the stop words and, in training, each reply is labelled together with the
``<|user|>`` that follows it (``train_reply_end``). The generation prompt is ``<|assistant|>``; the
reply starts with a newline (``reply_prefix``) up to GLM-4.5 and directly after it from GLM-4.7.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

_SPECIALS = ["[gMASK]", "<sop>", "<|system|>", "<|user|>", "<|assistant|>", "<|observation|>", "<|endoftext|>"]
_STOPS = ["<|user|>", "<|observation|>", "<|endoftext|>"]


def _glm(id: str, description: str, *, newline: bool = True, **fields) -> TemplateSpec:
    sep = "\n" if newline else ""
    base = dict(
        prefix="[gMASK]<sop>",
        system="<|system|>" + sep + "{content}",
        user="<|user|>" + sep + "{content}",
        assistant_prefix="<|assistant|>",
        reply_prefix=sep,
        assistant_suffix="",
        train_reply_end="<|user|>",
        tool="<|observation|>" + sep + "{content}",
        stop_words=list(_STOPS),
        special_tokens=_SPECIALS + (["<think>", "</think>"] if fields.get("is_thinking") else []),
    )
    base.update(fields)
    return TemplateSpec(id=id, description=description, **base)


def swift_register_templates() -> list[TemplateSpec]:
    return [
        # ChatGLM2-6B (remote code): numbered rounds, 问/答.
        TemplateSpec(
            id="chatglm2",
            description="ChatGLM2 ([Round N]\\n\\n问：...\\n\\n答：...)",
            prefix="[gMASK]sop",
            system="{content}",
            user="[Round {round}]\n\n问：{content}\n\n答：",
            assistant_suffix="\n\n",
            train_reply_end="</s>",
            stop_words=["</s>"],
            special_tokens=["[gMASK]", "sop", "</s>"],
        ),
        # GLM-4-0414, GLM-4-9B-chat, ChatGLM3, GLM-Edge, CodeGeeX4: [gMASK]<sop><|role|>\n...
        _glm("glm4", "GLM-4 ([gMASK]<sop><|system|>/<|user|>/<|assistant|>, newline after each tag)",
             aliases=["chatglm4", "codegeex4"]),
        # GLM-Z1-Rumination: GLM-4 with reasoning; earlier replies are shown without it.
        _glm("glm4_z1_rumination", "GLM-Z1-Rumination: GLM-4 format with <think> reasoning", is_thinking=True,
             thinking_prefix="<think>"),
        # GLM-4.5 / 4.6 (hybrid): every reply opens with its thinking block (empty when not thinking).
        _glm("glm4_5", "GLM-4.5 hybrid thinking: <think>...</think> before each reply, empty when not thinking",
             is_thinking=True, non_thinking_prefix="<think></think>\n", history_thinking_prefix="<think></think>\n"),
        # GLM-4.7 and GLM-5.x: no newline after the tags; </think> before a reply without reasoning.
        _glm("glm4_7", "GLM-4.7 / GLM-5: tags without newlines; <think> to reason, </think> before the answer",
             newline=False, is_thinking=True, thinking_prefix="<think>", non_thinking_prefix="</think>",
             history_thinking_prefix="</think>", aliases=["glm5_1", "glm5_2"]),
    ]
