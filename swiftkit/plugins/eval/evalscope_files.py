"""Local evaluation files as EvalScope reads them (``general_mcq`` / ``general_qa``).

Accepted rows (JSON lines, a JSON list, or CSV with the same columns):

- multiple choice: EvalScope's own ``{"question", "A", "B", ... "J", "answer": "<letter>"}``, or
  ``{"question", "choices": [...], "answer": <index | letter | the choice's text>}``;
- open question: ``{"query" | "question", "response" | "answer", "system"?}`` or
  ``{"messages": [...], "response" | "answer"}``.

Each file is checked row by row before anything loads (the error names the file, the row and the
key) and written again in EvalScope's own layout under the run folder
(``<subset>_val.jsonl`` / ``<subset>_test.jsonl``), so the files it reads are always in the form it
expects whatever the user's columns.

Light: standard library only.
"""

from __future__ import annotations

import csv
import json
import os
import string
from typing import Any

LETTERS = string.ascii_uppercase[:10]  # EvalScope's general_mcq reads choices A..J
MCQ, QA = "mcq", "qa"
#: the EvalScope benchmark that reads each format, and the split file name it looks for
BENCHMARKS = {MCQ: ("general_mcq", "val"), QA: ("general_qa", "test")}


class FileProblem(ValueError):
    """A local evaluation file EvalScope cannot read; the message names the file, row and key."""


def read_rows(path: str) -> list[dict[str, Any]]:
    """The rows of a ``.jsonl`` / ``.json`` / ``.csv`` file."""
    where = os.path.basename(path)
    if path.endswith(".csv"):
        with open(path, encoding="utf-8", newline="") as fh:
            return [dict(row) for row in csv.DictReader(fh)]
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if path.endswith(".json"):
        try:
            rows = json.loads(text)
        except ValueError as exc:
            raise FileProblem(f"{where}: not valid JSON ({exc})") from exc
        if not isinstance(rows, list):
            raise FileProblem(f"{where}: a .json evaluation file must hold a list of rows")
        return rows
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except ValueError as exc:
            raise FileProblem(f"{where} line {number}: not valid JSON ({exc})") from exc
    return rows


def data_files(path: str) -> list[str]:
    """The evaluation files of a local dataset: the file itself, or a folder's ``.jsonl``/``.json``/``.csv``
    files (sorted)."""
    if os.path.isfile(path):
        return [path]
    found = sorted(os.path.join(path, name) for name in os.listdir(path)
                   if name.endswith((".jsonl", ".json", ".csv")))
    if not found:
        raise FileProblem(f"{path}: a folder without .jsonl/.json/.csv evaluation files")
    return found


def detect_format(row: dict[str, Any], declared: str | None = None) -> str:
    """``"mcq"`` or ``"qa"``: what ``--eval_dataset_args`` declares (``{"format": "mcq"}``), else
    what the first row's columns say."""
    if declared:
        return declared
    return MCQ if ("choices" in row or ("A" in row and "B" in row)) else QA


def _mcq_row(row: dict[str, Any], where: str, index: int) -> dict[str, Any]:
    if not str(row.get("question") or "").strip():
        raise FileProblem(f"{where} row {index}: key 'question' is missing or empty")
    if "choices" in row:
        choices = row["choices"]
        if not isinstance(choices, list) or not 2 <= len(choices) <= len(LETTERS):
            raise FileProblem(f"{where} row {index}: key 'choices' must be a list of 2 to {len(LETTERS)} options")
    else:
        choices = []
        for letter in LETTERS:
            if row.get(letter) in (None, ""):
                break
            choices.append(row[letter])
        if len(choices) < 2:
            raise FileProblem(f"{where} row {index}: a multiple-choice row needs options 'A' and 'B' (or 'choices')")
    answer = row.get("answer")
    letters = LETTERS[: len(choices)]
    if isinstance(answer, int) and not isinstance(answer, bool) and 0 <= answer < len(choices):
        letter = letters[answer]
    elif isinstance(answer, str) and answer.strip().upper() in letters and len(answer.strip()) == 1:
        letter = answer.strip().upper()
    elif isinstance(answer, str) and answer.strip().isdigit() and int(answer) < len(choices) and "choices" in row:
        letter = letters[int(answer)]
    elif answer in choices:
        letter = letters[choices.index(answer)]
    else:
        raise FileProblem(f"{where} row {index}: key 'answer' must be one of {', '.join(letters)} (or a choice's index "
                          f"or text), got {answer!r}")
    out: dict[str, Any] = {"id": row.get("id", index), "question": str(row["question"])}
    out.update({letters[i]: str(c) for i, c in enumerate(choices)})
    out["answer"] = letter
    return out


def _qa_row(row: dict[str, Any], where: str, index: int) -> dict[str, Any]:
    answer = row.get("response", row.get("answer"))
    if answer is None or not str(answer).strip():
        raise FileProblem(f"{where} row {index}: key 'response' (or 'answer') is missing or empty")
    messages = row.get("messages")
    if messages is not None:
        if not isinstance(messages, list) or not messages or not all(
                isinstance(m, dict) and "role" in m and "content" in m for m in messages):
            raise FileProblem(f"{where} row {index}: key 'messages' must be a list of {{'role', 'content'}} objects")
        return {"messages": messages, "response": str(answer)}
    query = row.get("query", row.get("question"))
    if query is None or not str(query).strip():
        raise FileProblem(f"{where} row {index}: key 'query' (or 'question' or 'messages') is missing or empty")
    out = {"query": str(query), "response": str(answer)}
    if row.get("system"):
        out["system"] = str(row["system"])
    return out


def normalize(path: str, declared: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """``(format, rows in EvalScope's layout)`` of a local dataset (a file or a folder of files)."""
    fmt: str | None = declared
    if fmt not in (None, MCQ, QA):
        raise FileProblem(f"{path}: format {fmt!r} is not one of {MCQ!r}, {QA!r}")
    out: list[dict[str, Any]] = []
    for file in data_files(path):
        rows = read_rows(file)
        where = os.path.basename(file)
        if not rows:
            raise FileProblem(f"{where}: no rows")
        for index, row in enumerate(rows):
            if not isinstance(row, dict):
                raise FileProblem(f"{where} row {index}: not an object")
            fmt = fmt or detect_format(row)
            out.append(_mcq_row(row, where, index) if fmt == MCQ else _qa_row(row, where, index))
    assert fmt is not None
    return fmt, out


def stage(rows: list[dict[str, Any]], fmt: str, folder: str, subset: str) -> str:
    """Write ``rows`` as EvalScope's ``<folder>/<subset>_<split>.jsonl``; returns ``folder``."""
    os.makedirs(folder, exist_ok=True)
    split = BENCHMARKS[fmt][1]
    with open(os.path.join(folder, f"{subset}_{split}.jsonl"), "w", encoding="utf-8") as fh:
        fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return folder
