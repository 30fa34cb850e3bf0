"""Local evaluation files, read and checked once, as normalized rows every backend can use.

Two kinds (``EvalBackendSpec.local_formats`` names them):

- ``mcq``, multiple choice: ``{"question": str, "choices": [str, ...], "answer": ...}`` where
  ``answer`` is the index of the right choice (0-based), its letter (``"B"``) or its text; or
  EvalScope's ``general_mcq`` columns ``{"question", "A", "B", ..., "answer": "B"}``.
- ``qa``, open question with a reference: ``{"question": str, "answer": str}``; or EvalScope's
  ``general_qa`` columns ``query``/``response`` (``system`` kept when present).

Files are JSON lines (``.jsonl``), a JSON list (``.json``) or CSV (``.csv``, EvalScope's
columns). A folder holds such files (EvalScope's ``{subset}_val.jsonl`` layout included): the
dataset's ``subset`` picks the files whose name starts with it, else all are read. Every row
of one dataset must be of the same kind. Errors name the file, the row (1-based) and the key.

Light: standard library only.
"""

from __future__ import annotations

import csv
import json
import os
import string
from dataclasses import dataclass, field
from typing import Any

from swiftkit.core.errors import ConfigError

EXTENSIONS = (".jsonl", ".json", ".csv")
LETTERS = string.ascii_uppercase


@dataclass
class LocalEvalData:
    """A local dataset: ``kind`` ``"mcq"`` (rows ``{"question", "choices", "answer": index}``) or
    ``"qa"`` (rows ``{"question", "answer": str}``, plus ``"system"`` when given); ``files`` are
    the files read."""

    kind: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def data_files(path: str, subset: str | None = None) -> list[str]:
    """The files a local dataset reads: ``path`` itself, or a folder's data files (those whose
    name starts with ``subset`` when one is given and any does)."""
    if os.path.isfile(path):
        return [path]
    found = sorted(os.path.join(path, f) for f in os.listdir(path) if f.endswith(EXTENSIONS))
    if subset:
        picked = [f for f in found if os.path.basename(f).startswith(subset)]
        found = picked or found
    if not found:
        raise ConfigError(f"eval dataset {path}: the folder holds no {', '.join(EXTENSIONS)} file")
    return found


def _raw_rows(path: str) -> list[tuple[int, Any]]:
    if path.endswith(".csv"):
        with open(path, newline="", encoding="utf-8") as fh:
            return [(i, dict(row)) for i, row in enumerate(csv.DictReader(fh), 1)]
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    if path.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"eval dataset {path}: not valid JSON ({exc})") from None
        if not isinstance(data, list):
            raise ConfigError(f"eval dataset {path}: a .json file must hold a list of rows")
        return list(enumerate(data, 1))
    rows = []
    for i, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                rows.append((i, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise ConfigError(f"eval dataset {path}, line {i}: not valid JSON ({exc.msg})") from None
    return rows


def _text(row: dict[str, Any], keys: tuple[str, ...], where: str) -> str:
    for key in keys:
        value = row.get(key)
        if value is not None and value != "":
            if not isinstance(value, (str, int, float)):
                raise ConfigError(f"{where}: key {key!r} must be text, got {type(value).__name__}")
            return str(value)
    raise ConfigError(f"{where}: missing key {' / '.join(map(repr, keys))}")


def _answer_index(answer: Any, choices: list[str], where: str, *, letters_first: bool = False) -> int:
    """An integer is an index; a string is a choice's text, else its letter, else an index in
    digits (EvalScope's letter columns: the letter first)."""
    if isinstance(answer, int) and not isinstance(answer, bool):
        if 0 <= answer < len(choices):
            return answer
        raise ConfigError(f"{where}: key 'answer' is {answer!r}, but there are {len(choices)} choices (0-based index)")
    if isinstance(answer, str):
        text = answer.strip()
        letter = LETTERS.index(text.upper()) if len(text) == 1 and text.upper() in LETTERS[: len(choices)] else None
        if letters_first and letter is not None:
            return letter
        if text in choices:
            return choices.index(text)
        if letter is not None:
            return letter
        if text.isdigit() and int(text) < len(choices):
            return int(text)
    raise ConfigError(f"{where}: key 'answer' ({answer!r}) is neither a choice's index, its letter "
                      f"({', '.join(LETTERS[: len(choices)])}) nor its text")


def _mcq(row: dict[str, Any], where: str) -> dict[str, Any]:
    question = _text(row, ("question", "query"), where)
    if "choices" in row:
        choices = row["choices"]
        if not isinstance(choices, list) or len(choices) < 2 or not all(isinstance(c, (str, int, float)) for c in choices):
            raise ConfigError(f"{where}: key 'choices' must be a list of at least 2 texts")
        choices = [str(c) for c in choices]
    else:  # EvalScope's general_mcq: one column per letter
        choices = []
        for letter in LETTERS:
            value = row.get(letter)
            if value is None or value == "":
                break
            choices.append(str(value))
        if len(choices) < 2:
            raise ConfigError(f"{where}: a multiple-choice row needs 'choices' (a list) or the columns 'A', 'B', ...")
    if "answer" not in row:
        raise ConfigError(f"{where}: missing key 'answer'")
    return {"question": question, "choices": choices,
            "answer": _answer_index(row["answer"], choices, where, letters_first="choices" not in row)}


def _qa(row: dict[str, Any], where: str) -> dict[str, Any]:
    out = {"question": _text(row, ("question", "query"), where), "answer": _text(row, ("answer", "response"), where)}
    if isinstance(row.get("system"), str) and row["system"]:
        out["system"] = row["system"]
    return out


def row_kind(row: dict[str, Any]) -> str:
    """``"mcq"`` for a row with choices (``choices`` or an ``A`` column), else ``"qa"``."""
    return "mcq" if "choices" in row or "A" in row else "qa"


def read_local(path: str, subset: str | None = None, *, name: str | None = None) -> LocalEvalData:
    """Read and normalize a local evaluation dataset (see the module docstring); ``name`` is the
    dataset as the user gave it (for messages)."""
    files = data_files(path, subset)
    kind: str | None = None
    rows: list[dict[str, Any]] = []
    for file in files:
        for number, row in _raw_rows(file):
            where = f"eval dataset {name or path}: {file}, row {number}"
            if not isinstance(row, dict):
                raise ConfigError(f"{where}: a row must be an object, got {type(row).__name__}")
            this = row_kind(row)
            if kind is None:
                kind = this
            elif this != kind:
                raise ConfigError(f"{where}: a {'multiple-choice' if this == 'mcq' else 'question-answer'} row in a "
                                  f"dataset whose first row is {'multiple choice' if kind == 'mcq' else 'open QA'}")
            rows.append(_mcq(row, where) if this == "mcq" else _qa(row, where))
    if not rows:
        raise ConfigError(f"eval dataset {name or path}: no rows in {', '.join(files)}")
    return LocalEvalData(kind=kind or "qa", rows=rows, files=files)
