"""MiniMax chat templates (data only).

MiniMax-Text-01 / M1: ``<beginning_of_sentence>role name=...\\n...<end_of_sentence>\\n`` turns (M1
opens the document with ``<begin_of_document>``). MiniMax-M2.x: ``]~b]role\\n...[e~[\\n`` turns
after a ``]~!b[`` start, always with a system turn (each release has its own default prompt);
the official generation prompt adds ``<think>\\n``, which the reasoning options render.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

M2_SYSTEMS = {
    "minimax_m2": "You are MiniMax-M2, a helpful AI assistant built by MiniMax. Knowledge cutoff: 2025-06.",
    "minimax_m2_1": "You are a helpful assistant. Your name is MiniMax-M2.1 and is built by MiniMax.",
    "minimax_m2_5": "You are a helpful assistant. Your name is MiniMax-M2.5 and is built by MiniMax.",
    "minimax_m2_7": "You are a helpful assistant. Your name is MiniMax-M2.7 and is built by MiniMax.",
}


def _text01(id: str, description: str, prefix: str) -> TemplateSpec:
    return TemplateSpec(
        id=id,
        description=description,
        prefix=prefix,
        system="<beginning_of_sentence>system ai_setting=assistant\n{content}<end_of_sentence>\n",
        user="<beginning_of_sentence>user name=user\n{content}<end_of_sentence>\n",
        assistant_prefix="<beginning_of_sentence>ai name=assistant\n",
        assistant_suffix="<end_of_sentence>\n",
        stop_words=["<end_of_sentence>", "<end_of_document>"],
        special_tokens=["<beginning_of_sentence>", "<end_of_sentence>", "<begin_of_document>", "<end_of_document>"],
    )


def _m2(id: str) -> TemplateSpec:
    return TemplateSpec(
        id=id,
        description=f"MiniMax-M2 format (]~b]role ... [e~[), {id}'s default system prompt",
        tags=["reasoning"],
        prefix="]~!b[",
        system="]~b]system\n{content}[e~[\n",
        user="]~b]user\n{content}[e~[\n",
        assistant_prefix="]~b]ai\n",
        assistant_suffix="[e~[\n",
        default_system=M2_SYSTEMS[id],
        stop_words=["[e~["],
        special_tokens=["]~!b[", "]~b]", "[e~[", "<think>", "</think>", "<minimax:tool_call>", "</minimax:tool_call>"],
    )


def swift_register_templates() -> list[TemplateSpec]:
    return [
        _text01("minimax", "MiniMax-Text-01 (<beginning_of_sentence>role name=... <end_of_sentence>)", ""),
        _text01("minimax_m1", "MiniMax-M1 (<begin_of_document>, then MiniMax-Text-01 turns)", "<begin_of_document>"),
        *(_m2(id) for id in M2_SYSTEMS),
    ]
