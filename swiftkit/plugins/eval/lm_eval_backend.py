"""The ``lm_eval`` evaluation backend (EleutherAI's lm-evaluation-harness): registration module.

Light: imports nothing heavy. The backend is :mod:`swiftkit.plugins.eval.lm_eval_impl`.
"""

from __future__ import annotations

from swiftkit.core import EvalBackendSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"

LM_EVAL_OPTIONS = {
    "type": "object",
    "properties": {
        "lm_eval_chat_template": {
            "type": "boolean",
            "default": True,
            "description": "lm_eval: render each question with the model's chat template (the template it was "
            "trained with) and score the answer after it; false: plain 'Question: ...\\nAnswer:' prompts "
            "(base models).",
        },
        "lm_eval_tokenizer": {
            "type": "string",
            "description": "lm_eval with --eval_url: the tokenizer (folder or hub id) that multiple-choice scoring "
            "encodes with (the server scores token ids); default: --model when it is a folder.",
        },
    },
}


@hookimpl
def swift_register_eval_backends():
    return [
        EvalBackendSpec(
            id="lm_eval",
            aliases=["lm-eval", "lm_evaluation_harness"],
            description="lm-evaluation-harness: its hub benchmarks by name (gsm8k, mmlu, arc_easy ...), local "
            "multiple-choice (acc by log-likelihood) and open-QA files (exact match); a local model with adapters "
            "or an OpenAI-compatible server (--eval_url).",
            options=LM_EVAL_OPTIONS,
            targets=["model", "url"],
            local_formats=["mcq", "qa"],
            requires=["lm-eval>=0.4.9"],
            impl="swiftkit.plugins.eval.lm_eval_impl:LmEvalBackend",
        )
    ]
