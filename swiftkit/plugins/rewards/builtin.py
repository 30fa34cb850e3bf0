"""Built-in reward functions: registration module (light: imports nothing heavy).

Chosen with ``--reward_funcs accuracy format ...``; each reward's options are flat run-config
keys in ms-swift's style, prefixed with the reward's name so they never collide with core keys.
"""

from __future__ import annotations

from swiftkit.core import hookimpl
from swiftkit.core.options import option
from swiftkit.core.specs import RewardSpec

SWIFTKIT_PLUGIN_API = "1.5"

_IMPL = "swiftkit.plugins.rewards.functions:"

#: ms-swift's default ``format`` pattern: a <think> block followed by an <answer> block
DEFAULT_FORMAT_PATTERN = r"^<think>.*?</think>\s*<answer>.*?</answer>(?![\s\S])"

FORMAT_OPTIONS = {
    "type": "object",
    "properties": {
        "format_pattern": {
            "type": "string",
            "minLength": 1,
            "default": DEFAULT_FORMAT_PATTERN,
            "description": "Regular expression the whole completion must match (re.fullmatch, DOTALL) "
            "for a format reward of 1.0; default: <think>...</think> then <answer>...</answer>.",
        },
    },
}

LENGTH_OPTIONS = {
    "type": "object",
    "properties": {
        "length_target": {
            "type": "integer",
            "minimum": 1,
            "default": 256,
            "description": "Target completion length for the length reward, in length_unit.",
        },
        "length_unit": {
            "enum": ["chars", "words"],
            "default": "chars",
            "description": "How the length reward measures a completion: characters or whitespace-separated words.",
        },
    },
}

REPETITION_OPTIONS = {
    "type": "object",
    "properties": {
        "repetition_n_grams": {
            "type": "integer",
            "minimum": 1,
            "default": 3,
            "description": "n of the word n-grams the repetition penalty counts.",
        },
        "repetition_max_penalty": {
            "type": "number",
            "maximum": 0,
            "default": -1.0,
            "description": "Reward of a completion made only of repeated n-grams (must be <= 0).",
        },
    },
}

CONTAINS_OPTIONS = {
    "type": "object",
    "properties": {
        "contains_text": {
            "type": "string",
            "description": "Text the contains reward looks for: 1.0 when the completion contains it, else 0.0.",
        },
    },
}


SOFT_OVERLONG_OPTIONS = {
    "type": "object",
    "properties": {
        "soft_max_length": {
            "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
            "default": None,
            "description": "soft_overlong: L_max (DAPO), the completion length in tokens past which the reward is "
            "-1. Null: max_completion_length.",
        },
        "soft_cache_length": {
            "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
            "default": None,
            "description": "soft_overlong: L_cache (DAPO), the width of the interval [soft_max_length - "
            "soft_cache_length, soft_max_length] over which the penalty grows linearly from 0 to -1. Required.",
        },
        "max_completion_length": option("max_completion_length"),
    },
}


@hookimpl
def swift_register_rewards():
    return [
        RewardSpec(
            id="accuracy",
            description="1.0 when the completion's final answer (last \\boxed{...}, 'answer is X', "
            "<answer>...</answer> or last number) equals the row's 'solution' after normalisation, else 0.0.",
            impl=_IMPL + "AccuracyReward",
            columns=["solution"],
        ),
        RewardSpec(
            id="format",
            description="1.0 when the completion fully matches --format_pattern "
            "(default <think>...</think><answer>...</answer>), else 0.0.",
            options=FORMAT_OPTIONS,
            impl=_IMPL + "FormatReward",
        ),
        RewardSpec(
            id="length",
            description="1 - |length - length_target| / length_target, clipped to [0, 1].",
            options=LENGTH_OPTIONS,
            impl=_IMPL + "LengthReward",
        ),
        RewardSpec(
            id="repetition",
            description="N-gram repetition penalty (ms-swift's 'repetition'): share of repeated "
            "n-grams times repetition_max_penalty (0 for no repetition).",
            options=REPETITION_OPTIONS,
            impl=_IMPL + "RepetitionReward",
        ),
        RewardSpec(
            id="contains",
            description="1.0 when the completion contains --contains_text, else 0.0.",
            options=CONTAINS_OPTIONS,
            impl=_IMPL + "ContainsReward",
        ),
        RewardSpec(
            id="soft_overlong",
            description="DAPO's soft overlong penalty on the completion's length in tokens: 0 up to soft_max_length "
            "- soft_cache_length, then linearly down to -1 at soft_max_length, -1 beyond.",
            options=SOFT_OVERLONG_OPTIONS,
            impl=_IMPL + "SoftOverlongReward",
        ),
    ]
