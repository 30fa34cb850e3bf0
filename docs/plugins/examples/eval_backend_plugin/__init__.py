"""Eval backend plugin: ``quick-qa`` scores open questions by exact match of a greedy answer.

Registration module: imports nothing but ``swiftkit.core``. Chosen with
``swift eval --eval_backend quick-qa --model M --eval_dataset qa.jsonl``; it answers through
swiftkit's own engine (a local model, or the live model during training) or a running server
(``--eval_url``), so it needs no evaluation library.
"""

from __future__ import annotations

from swiftkit.core import EvalBackendSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"


@hookimpl
def swift_register_eval_backends() -> list[EvalBackendSpec]:
    return [
        EvalBackendSpec(
            id="quick-qa",
            description="Exact match of greedy answers to open questions ({question, answer} files).",
            options={
                "type": "object",
                "properties": {
                    "quick_qa_ignore_case": {
                        "type": "boolean",
                        "default": True,
                        "description": "Compare answers without their case.",
                    },
                },
            },
            targets=["model", "url"],
            local_formats=["qa"],
            impl="eval_backend_plugin.backend:QuickQA",
        )
    ]
