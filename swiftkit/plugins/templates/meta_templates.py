"""Llama 3.1/3.2-family chat templates (data only).

``llama2`` (alias ``llama``, ms-swift's name) and ``llama3`` live in :mod:`.chat`. Llama 3.1 and
later open with a system turn that always carries a knowledge-cutoff header; the official
template stamps today's date into it (``strftime_now``) and falls back to ``26 Jul 2024``. The
date is pinned to that fallback here so that training data does not change from day to day.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

LLAMA3_TOKENS = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
                 "<|eot_id|>", "<|eom_id|>", "<|python_tag|>"]

#: the header of every Llama 3.1+ system turn (the official template's date fallback)
LLAMA3_1_DATE_HEADER = "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"

SKYWORK_O1_SYSTEM = (
    "You are Skywork-o1, a thinking model developed by Skywork AI, specializing in solving complex problems "
    "involving mathematics, coding, and logical reasoning through deep thought. When faced with a user's "
    "request, you first engage in a lengthy and in-depth thinking process to explore possible solutions to "
    "the problem. After completing your thoughts, you then provide a detailed explanation of the solution "
    "process in your response."
)

REFLECTION_SYSTEM = (
    "You are a world-class AI system, capable of complex reasoning and reflection. "
    "Reason through the query inside <thinking> tags, and then provide your final "
    "response inside <output> tags. If you detect that you made a mistake in your reasoning "
    "at any point, correct yourself inside <reflection> tags."
)


def llama3_1(id: str, description: str, default_system: str = "", *, aliases: list[str] | None = None,
             tags: list[str] | None = None) -> TemplateSpec:
    """Llama 3.1/3.2/3.3: a system turn is always rendered (empty when the conversation has none)."""
    return TemplateSpec(
        id=id,
        description=description,
        aliases=aliases or [],
        tags=tags or [],
        prefix="<|begin_of_text|>",
        system="<|start_header_id|>system<|end_header_id|>\n\n" + LLAMA3_1_DATE_HEADER + "{content}<|eot_id|>",
        user="<|start_header_id|>user<|end_header_id|>\n\n{content}<|eot_id|>",
        assistant_prefix="<|start_header_id|>assistant<|end_header_id|>\n\n",
        assistant_suffix="<|eot_id|>",
        tool="<|start_header_id|>ipython<|end_header_id|>\n\n{content}<|eot_id|>",
        agent_template="llama3",
        default_system=default_system,
        stop_words=["<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"],
        special_tokens=LLAMA3_TOKENS,
    )


def swift_register_templates() -> list[TemplateSpec]:
    return [
        # Llama 3.1 / 3.2 / 3.3 Instruct (ms-swift's `llama3_2`).
        llama3_1("llama3_2", "Llama 3.1/3.2/3.3 (system turn with the knowledge-cutoff header, <|eot_id|>)"),
        # Skywork-o1-Open-Llama-3.1: the Llama 3.1 format with Skywork-o1's default system prompt.
        llama3_1("skywork_o1", "Skywork-o1 (Llama 3.1 format, Skywork-o1 default system prompt)", SKYWORK_O1_SYSTEM,
                 tags=["reasoning"]),
        # Reflection-Llama-3.1: ms-swift renders it in the Llama 3 (3.0) format with its own default system.
        TemplateSpec(
            id="reflection",
            description="Reflection-Llama (Llama 3 format, <thinking>/<reflection>/<output> default system prompt)",
            tags=["reasoning"],
            prefix="<|begin_of_text|>",
            system="<|start_header_id|>system<|end_header_id|>\n\n{content}<|eot_id|>",
            user="<|start_header_id|>user<|end_header_id|>\n\n{content}<|eot_id|>",
            assistant_prefix="<|start_header_id|>assistant<|end_header_id|>\n\n",
            assistant_suffix="<|eot_id|>",
            default_system=REFLECTION_SYSTEM,
            stop_words=["<|eot_id|>", "<|end_of_text|>"],
            special_tokens=LLAMA3_TOKENS,
        ),
        # LongWriter-llama3.1: `[INST]question[/INST]answer` with a Llama-2 style <<SYS>> block in the
        # first question; every reply ends with <|end_of_text|> (ms-swift ends only the last one).
        TemplateSpec(
            id="longwriter_llama",
            description="LongWriter-llama3.1 ([INST]...[/INST], <<SYS>> in the first question)",
            user="[INST]{content}[/INST]",
            assistant_suffix="<|end_of_text|>",
            system_style="merge_first_user",
            system_in_user="<<SYS>>\n{system}\n<</SYS>>\n\n{content}",
            stop_words=["<|end_of_text|>", "<|eot_id|>"],
            special_tokens=["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"],
        ),
    ]
