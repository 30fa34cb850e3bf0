"""The bundled datasets (light registration module): the demo data behind ``swift demo``, the
self-cognition rows that ``--model_name`` / ``--model_author`` fill in, and the generated
coloured-shapes images for vision-language models (:mod:`swiftkit.plugins.datasets.shapes`)."""

from __future__ import annotations

from swiftkit.core import DatasetSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"


@hookimpl
def swift_register_datasets():
    return [
        DatasetSpec(
            id="swift-demo",
            description="32 short question/answer chats (identity, greetings, simple facts) for the offline CPU demo.",
            format="messages",
            path="swiftkit.plugins.datasets:data/swift_demo.jsonl",
            num_rows=32,
            tags=["demo", "chat", "en"],
        ),
        DatasetSpec(
            id="self-cognition",
            description="100 who-am-I questions and answers, 50 Chinese and 50 English (query/response, 'tag' "
            "says the language), bundled: {{NAME}} and {{AUTHOR}} become --model_name / --model_author. "
            "ms-swift's hub version is 'self-cognition-hub' (swift/self-cognition).",
            format="query_response",
            path="swiftkit.plugins.datasets:data/self_cognition.jsonl",
            num_rows=100,
            tags=["chat", "self-cognition", "zh", "en"],
        ),
        *_shapes(),
    ]


_SHAPES = "swiftkit.plugins.datasets.shapes"
#: id -> (format, generator function, what the rows hold)
_SHAPE_KINDS = {
    "coloured-shapes": ("messages", "sft", "the question and the right answer"),
    "coloured-shapes-pairs": ("messages_rejected", "pairs", "the right answer chosen, a wrong one as rejected_response (DPO)"),
    "coloured-shapes-kto": ("kto", "kto", "one answer per row with a bool label, right or wrong (KTO)"),
    "coloured-shapes-prompts": ("prompt_only", "prompts", "the question and its solution (GRPO)"),
}


def _shapes() -> list[DatasetSpec]:
    return [
        DatasetSpec(
            id=dataset_id,
            description="Generated 56x56 images of one coloured shape (4 colours x 4 shapes, random size, "
            f"near the centre) asking its colour or shape: {what}. Subsets train (1000 rows) and test (200 held-out "
            "rows); written once under the swiftkit cache.",
            format=fmt,
            generator=f"{_SHAPES}:{function}",
            subsets=["train", "test"],
            num_rows=1000,
            tags=["demo", "multimodal", "image", "en"],
        )
        for dataset_id, (fmt, function, what) in _SHAPE_KINDS.items()
    ]
