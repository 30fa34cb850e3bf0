"""Reward plugin: ``keywords`` scores a completion by the share of a row's keywords it contains.

Registration module: imports nothing but ``swiftkit.core``. Chosen with
``swift rlhf --rlhf_type grpo --reward_funcs keywords``; naming it brings its options into the
run's schema (``--keywords_case_sensitive true``).
"""

from __future__ import annotations

from swiftkit.core import RewardSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.1"


@hookimpl
def swift_register_rewards() -> list[RewardSpec]:
    return [
        RewardSpec(
            id="keywords",
            description="Share of the row's 'keywords' column found in the completion (0.0 to 1.0).",
            options={
                "type": "object",
                "properties": {
                    "keywords_case_sensitive": {
                        "type": "boolean",
                        "default": False,
                        "description": "Match keywords with their case.",
                    },
                },
            },
            impl="reward_plugin.reward:KeywordsReward",
        )
    ]
