"""A local multiple-choice task a tiny random model learns in a few dozen full fine-tuning steps,
for the Native (EvalScope) backend's tests and ``benchmarks/eval_native_before_after.py``.

EvalScope's ``general_mcq`` asks the model to *generate* the answer's letter from its own prompt
(unlike lm-eval, which compares the choices' likelihoods), so the training rows are the very
prompts EvalScope sends (its ``prompt`` function with :data:`PROMPT_TEMPLATE`, which the
evaluation gets through ``--eval_dataset_args``), answered with the letter. The open-QA file asks
the same questions with the colour as the reference answer.
"""

from __future__ import annotations

import json
import os

COLOURS = {"apple": "red", "banana": "yellow", "grass": "green", "sky": "blue", "snow": "white", "coal": "black",
           "carrot": "orange", "flamingo": "pink"}
#: the short prompt both the training rows and the evaluation use (EvalScope's default is a long Chinese one)
PROMPT_TEMPLATE = "{question}\n{choices}\nAnswer:"
LETTERS = "ABCD"


def mcq_rows() -> list[dict]:
    """``{"question", "choices", "answer": index}`` rows; the answer's letter cycles A, B, C, D."""
    palette = list(COLOURS.values())
    rows = []
    for i, (thing, colour) in enumerate(COLOURS.items()):
        others = [c for c in palette if c != colour][i % 5: i % 5 + 3]
        choices = others[: i % 4] + [colour] + others[i % 4:]
        rows.append({"question": f"What colour is the {thing}?", "choices": choices, "answer": choices.index(colour)})
    return rows


def write_mcq_task(folder: str) -> dict[str, str]:
    """Write ``colours.jsonl`` (multiple choice), ``colours_qa.jsonl`` (open QA) and ``train.jsonl``
    (chat rows: EvalScope's prompt -> the letter; the question -> the colour) and ``train_mcq.jsonl``
    (the letter rows only) into ``folder``; returns their paths as ``mcq``, ``qa``, ``train``,
    ``train_mcq``. Needs EvalScope (its prompt function)."""
    from evalscope.utils.multi_choices import prompt

    mcq = mcq_rows()
    qa = [{"question": r["question"], "answer": r["choices"][r["answer"]]} for r in mcq]
    train_mcq = [{"messages": [{"role": "user", "content": prompt(r["question"], r["choices"], PROMPT_TEMPLATE)},
                               {"role": "assistant", "content": LETTERS[r["answer"]]}]} for r in mcq]
    train = train_mcq + [{"messages": [{"role": "user", "content": r["question"]},
                                       {"role": "assistant", "content": r["answer"]}]} for r in qa]
    os.makedirs(folder, exist_ok=True)
    paths = {}
    for kind, name, rows in (("mcq", "colours.jsonl", mcq), ("qa", "colours_qa.jsonl", qa), ("train", "train.jsonl", train),
                             ("train_mcq", "train_mcq.jsonl", train_mcq)):
        paths[kind] = os.path.join(folder, name)
        with open(paths[kind], "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
    return paths


def dataset_args() -> dict:
    """``--eval_dataset_args`` that make EvalScope ask the questions as the training rows do."""
    return {"colours": {"prompt_template": PROMPT_TEMPLATE}}
