"""Preference dataset formats (DPO-style pairs, KTO, prompt-only for GRPO): data only (the
converters live in :mod:`swiftkit.plugins.datasets.converters`, imported on first use).

Each converter's ``modes`` names the data layout it feeds (``preference``, ``kto``,
``prompt``: :mod:`swiftkit.data.preference`); the plain layouts never pick these formats.
"""

from __future__ import annotations

from swiftkit.core import hookimpl
from swiftkit.core.specs import FormatSpec

SWIFTKIT_PLUGIN_API = "1.5"

_CONVERTERS = "swiftkit.plugins.datasets.converters"


@hookimpl
def swift_register_formats() -> list[FormatSpec]:
    return [
        FormatSpec(
            id="messages_rejected",
            description="ms-swift preference {'messages': [..., assistant (chosen)], 'rejected_response'}; "
            "optional 'system'",
            columns=["messages", "rejected_response"],
            converter=f"{_CONVERTERS}:MessagesRejectedConverter",
        ),
        FormatSpec(
            id="prompt_chosen_rejected",
            description="{'prompt': str | messages, 'chosen', 'rejected'} (str or [assistant message]); optional 'system'",
            columns=["prompt", "chosen", "rejected"],
            converter=f"{_CONVERTERS}:PromptChosenRejectedConverter",
        ),
        FormatSpec(
            id="chosen_rejected_conversations",
            description="{'chosen': messages, 'rejected': messages}: full conversations sharing the prompt",
            columns=["chosen", "rejected"],
            converter=f"{_CONVERTERS}:ChosenRejectedConversationsConverter",
        ),
        FormatSpec(
            id="kto",
            description="KTO {'prompt', 'completion', 'label': bool} or {'messages': [..., assistant], 'label': bool}",
            columns=["label"],
            converter=f"{_CONVERTERS}:KTOConverter",
        ),
        FormatSpec(
            id="prompt_only",
            description="prompts for GRPO {'prompt': str | messages} or {'messages'}; optional 'solution'/'answer'",
            columns=["prompt"],
            converter=f"{_CONVERTERS}:PromptOnlyConverter",
        ),
    ]
