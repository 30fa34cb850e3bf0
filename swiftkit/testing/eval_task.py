"""A local evaluation task a tiny random model learns in a few dozen LoRA steps: the colour of
things. ``swift eval`` tests and ``benchmarks/eval_before_after.py`` score a model on it before
and after ``swift sft`` on the same facts, with any eval backend.

The files are written in the two local formats of ``swift eval`` (see docs/eval.md): multiple
choice ``{"question", "choices", "answer": index}`` and open QA ``{"question", "answer"}``;
the training file is chat rows ``{"messages": [user question, assistant answer]}``.
"""

from __future__ import annotations

import json
import os
import random

COLOURS = {"sky": "blue", "grass": "green", "snow": "white", "coal": "black", "banana": "yellow", "blood": "red",
           "chocolate": "brown", "flamingo": "pink"}


#: the wrong choices of the multiple-choice file: words that are not colours, so a model that
#: learned what kind of answer the questions take picks the colour (a random model picks any)
DISTRACTORS = ["cat", "dog", "horse", "seven", "table", "river", "chair", "apple", "music", "winter"]


def question(thing: str) -> str:
    return f"What colour is {thing}?"


def colour_rows(seed: int = 0) -> dict[str, list[dict]]:
    """``{"train": chat rows, "mcq": multiple-choice rows, "qa": open-QA rows}`` over :data:`COLOURS`."""
    rng = random.Random(seed)
    mcq, qa, train = [], [], []
    for thing, colour in COLOURS.items():
        choices = rng.sample(DISTRACTORS, 3) + [colour]
        rng.shuffle(choices)
        mcq.append({"question": question(thing), "choices": choices, "answer": choices.index(colour)})
        qa.append({"question": question(thing), "answer": colour})
        train.append({"messages": [{"role": "user", "content": question(thing)},
                                   {"role": "assistant", "content": colour}]})
    return {"train": train, "mcq": mcq, "qa": qa}


def tokenizer_corpus() -> list[str]:
    """Texts to build the tiny model's tokenizer from, so the task's words are whole tokens (an
    answer follows the template's newline, so each colour is also a word of its own)."""
    return [f"{question(t)}\n{c}" for t, c in COLOURS.items()] * 8 + [f"\n{w}" for w in DISTRACTORS] * 8


def write_colour_task(folder: str, seed: int = 0) -> dict[str, str]:
    """Write ``train.jsonl``, ``colours_mcq.jsonl`` and ``colours_qa.jsonl`` into ``folder``;
    returns their paths by kind (``train``, ``mcq``, ``qa``)."""
    os.makedirs(folder, exist_ok=True)
    names = {"train": "train.jsonl", "mcq": "colours_mcq.jsonl", "qa": "colours_qa.jsonl"}
    paths = {}
    for kind, rows in colour_rows(seed).items():
        paths[kind] = os.path.join(folder, names[kind])
        with open(paths[kind], "w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
    return paths


#: ``swift sft`` flags that teach a tiny random model the task with LoRA in ~30 steps (a large
#: step, a wide adapter, the output head adapted too: without it a few dozen steps do not move
#: the answer's token at all)
LORA_FLAGS = ["--train_type", "lora", "--lora_rank", "32", "--lora_alpha", "64", "--target_modules", "all-linear",
              "lm_head", "--learning_rate", "2e-2", "--weight_decay", "0", "--per_device_train_batch_size", "8",
              "--report_to", "none"]

#: ``swift sft`` flags for full fine-tuning of the same tiny model (its checkpoint is a whole model)
FULL_FLAGS = ["--train_type", "full", "--learning_rate", "5e-3", "--weight_decay", "0", "--per_device_train_batch_size",
              "8", "--report_to", "none"]
