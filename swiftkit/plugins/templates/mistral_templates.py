"""Mistral AI chat templates (data only): Mistral-Nemo/Large 2407, Mistral-Small 2501, Devstral.

``mistral`` (Mistral-7B-Instruct v0.1/v0.2, ``<s>[INST] q [/INST]answer</s>``) lives in
:mod:`.chat`. The newer "tekken" templates drop the spaces inside ``[INST]...[/INST]`` and
Mistral-Small 3 adds a ``[SYSTEM_PROMPT]`` turn with a default system prompt that states the
current date; the date is pinned (``MISTRAL_SMALL_3_DATE``) so that training data is stable.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

MISTRAL_TOKENS = ["<s>", "</s>", "<unk>", "[INST]", "[/INST]"]

#: the date the Mistral-Small-3 default system prompt states (the official template uses today's)
MISTRAL_SMALL_3_DATE = "2025-01-30"

MISTRAL_SMALL_3_SYSTEM = (
    "You are Mistral Small 3, a Large Language Model (LLM) created by Mistral AI, a French startup "
    "headquartered in Paris.\n"
    f"Your knowledge base was last updated on 2023-10-01. The current date is {MISTRAL_SMALL_3_DATE}.\n\n"
    "When you're not sure about some information, you say that you don't have the information and don't "
    "make up anything.\n"
    "If the user's question is not clear, ambiguous, or does not provide enough context for you to accurately "
    "answer the question, you do not try to answer it right away and you rather ask the user to clarify their "
    'request (e.g. "What are some good restaurants around me?" => "Where are you?" or "When is the next flight '
    'to Tokyo" => "Where do you travel from?")'
)


def _system_prompt_turns(id: str, description: str, default_system: str | None) -> TemplateSpec:
    # <s>[SYSTEM_PROMPT]sys[/SYSTEM_PROMPT][INST]q[/INST]answer</s>
    return TemplateSpec(
        id=id,
        description=description,
        prefix="<s>",
        system="[SYSTEM_PROMPT]{content}[/SYSTEM_PROMPT]",
        user="[INST]{content}[/INST]",
        assistant_suffix="</s>",
        default_system=default_system,
        stop_words=["</s>"],
        special_tokens=[*MISTRAL_TOKENS, "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]"],
    )


def swift_register_templates() -> list[TemplateSpec]:
    return [
        # Mistral-Nemo-Instruct-2407, Mistral-Large-Instruct-2407, Mistral-Small-Instruct-2409:
        # <s>[INST]q[/INST]answer</s>; no system role: the system text goes before a user message.
        TemplateSpec(
            id="mistral_nemo",
            description="Mistral-Nemo / Large 2407 (<s>[INST]q[/INST]answer</s>, no spaces)",
            prefix="<s>",
            user="[INST]{content}[/INST]",
            assistant_suffix="</s>",
            system_style="merge_first_user",
            system_in_user="{system}\n\n{content}",
            tool="{content}",  # the mistral agent template writes [TOOL_RESULTS] itself
            agent_template="mistral",
            stop_words=["</s>"],
            special_tokens=MISTRAL_TOKENS,
        ),
        # Mistral-Small-24B 2501: [SYSTEM_PROMPT] turn, Mistral Small 3's default system prompt.
        _system_prompt_turns("mistral_2501", "Mistral-Small 3 (2501): [SYSTEM_PROMPT] turn with its default prompt",
                             MISTRAL_SMALL_3_SYSTEM),
        # Devstral-Small: the same turns; its default system prompt ships as the checkpoint's
        # SYSTEM_PROMPT.txt (read by mistral-common), so none is set here.
        _system_prompt_turns("devstral", "Devstral (Mistral-Small 3 turns; system prompt from the checkpoint)", None),
    ]
