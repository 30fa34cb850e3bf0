"""The ``Native`` evaluation backend (EvalScope, ms-swift's ``--eval_backend Native``): registration module.

EvalScope's Python API (``TaskConfig`` / ``run_task``) evaluates local multiple-choice files
(its ``general_mcq`` benchmark) and open questions with a reference answer (``general_qa``,
scored with Rouge), or its hub benchmarks by name (gsm8k, mmlu, ceval ...; online only). A local
model (with ``--adapters``) answers through swiftkit's own ``pt`` engine, so prompts are rendered
with the model's registered template, exactly as in training; a live model during training answers
through the engine the trainer hands over; ``--eval_url`` is evaluated with EvalScope's own
OpenAI client.

Light: imports nothing heavy. The backend is :mod:`swiftkit.plugins.eval.evalscope_impl`;
EvalScope is imported when a run starts.

Install: EvalScope pins ``datasets==3.6``, which swiftkit's own pins exclude, so it goes in without
its dependencies: ``pip install -r requirements/evalscope.txt && pip install --no-deps evalscope``.
"""

from __future__ import annotations

from swiftkit.core import hookimpl
from swiftkit.core.specs import EvalBackendSpec

SWIFTKIT_PLUGIN_API = "1.5"

EVALSCOPE_OPTIONS = {
    "type": "object",
    "properties": {
        "evalscope_html_report": {
            "type": "boolean",
            "default": True,
            "description": "Native backend: write EvalScope's HTML report (plotly charts, a few seconds per dataset) next "
            "to report.json; never inside training (--eval_use_evalscope).",
        },
        "evalscope_qa_metrics": {
            "type": "array",
            "items": {"enum": ["Rouge", "BLEU"]},
            "description": "Native backend: the metrics of open-question files (general_qa). Default: Rouge, plus BLEU "
            "when NLTK's punkt_tab data is installed (BLEU needs it; offline it cannot be fetched).",
        },
    },
}


@hookimpl
def swift_register_eval_backends() -> list[EvalBackendSpec]:
    return [
        EvalBackendSpec(
            id="Native",
            aliases=["evalscope"],
            description="EvalScope (ms-swift's default): local multiple-choice / open-QA files, hub benchmarks online",
            impl="swiftkit.plugins.eval.evalscope_impl:EvalScopeBackend",
            options=EVALSCOPE_OPTIONS,
            targets=["model", "url"],
            local_formats=["mcq", "qa"],
            requires=["evalscope"],
        )
    ]
