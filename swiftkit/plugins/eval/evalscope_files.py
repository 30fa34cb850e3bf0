"""Local evaluation files in EvalScope's own layout.

The files are read and checked by :func:`swiftkit.evaluate.local_files.read_local` (the formats
every backend of ``swift eval`` shares: ``{"question", "choices", "answer"}`` multiple choice,
``{"question", "answer"}`` open QA, or EvalScope's own ``general_mcq`` / ``general_qa`` columns)
and written again as the file EvalScope's benchmark reads (``<subset>_val.jsonl`` with columns
``question, A, B, ..., answer: <letter>`` for ``general_mcq``; ``<subset>_test.jsonl`` with
``query, response[, system]`` for ``general_qa``), so what EvalScope reads is always in the form
it expects, whatever the user's columns.

Light: standard library only.
"""

from __future__ import annotations

import json
import os
import string
from typing import Any

#: EvalScope's general_mcq reads the choices A..J
MAX_CHOICES = 10
#: the EvalScope benchmark that reads each local kind, and the split its file is named after
BENCHMARKS = {"mcq": ("general_mcq", "val"), "qa": ("general_qa", "test")}


def evalscope_rows(kind: str, rows: list[dict[str, Any]], where: str) -> list[dict[str, Any]]:
    """Normalized rows (``read_local``'s) in the columns of EvalScope's benchmark for ``kind``."""
    out = []
    for index, row in enumerate(rows):
        if kind == "mcq":
            choices = row["choices"]
            if len(choices) > MAX_CHOICES:
                raise ValueError(f"{where}, row {index + 1}: {len(choices)} choices; EvalScope's general_mcq reads "
                                 f"at most {MAX_CHOICES} (A-J)")
            item: dict[str, Any] = {"id": index, "question": row["question"]}
            item.update(zip(string.ascii_uppercase, choices, strict=False))
            item["answer"] = string.ascii_uppercase[row["answer"]]
        else:
            item = {"query": row["question"], "response": row["answer"]}
            if row.get("system"):
                item["system"] = row["system"]
        out.append(item)
    return out


def stage(kind: str, rows: list[dict[str, Any]], folder: str, subset: str) -> str:
    """Write ``rows`` (EvalScope's columns) as ``<folder>/<subset>_<split>.jsonl``; returns ``folder``."""
    os.makedirs(folder, exist_ok=True)
    split = BENCHMARKS[kind][1]
    with open(os.path.join(folder, f"{subset}_{split}.jsonl"), "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return folder
