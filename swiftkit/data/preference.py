"""Preference data for ``prepare_datasets(mode="preference" | "kto" | "prompt")``.

The same pipeline as SFT (:mod:`swiftkit.data.pipeline`: sources, format detection,
per-row checks with :class:`~swiftkit.core.data.errors.DatasetRowError` naming file, row and
field, cached ``datasets.map`` steps, truncation, counted drops); only the formats, the
converted columns and the encode step differ. Formats serve a mode through their converter's
``modes`` (:mod:`swiftkit.plugins.datasets.preference_formats`).

Modes and the columns of the prepared rows:

- ``preference`` (DPO/ORPO/SimPO/CPO pairs): ``chosen_input_ids``, ``chosen_labels``,
  ``rejected_input_ids``, ``rejected_labels``, ``chosen_length``, ``rejected_length`` and
  ``length`` (their sum). Each side is ``template.encode(prompt + [assistant reply],
  loss_scale="last_round")``: labels only on the final reply and its end-of-turn text, and
  both sides start with the same prompt tokens.
- ``kto``: ``input_ids``, ``labels`` (as above), ``label`` (bool), ``length``.
- ``prompt`` (GRPO): ``prompt_input_ids`` (``template.encode_prompt``: the prompt with the
  generation prefix), ``length``, and the raw ``messages``, ``solution`` (str or None) and the
  dataset's other columns, kept for reward functions.

Truncation (``max_length``): ``delete`` drops a pair when either side is too long (counted in
``too_long``); ``left`` / ``right`` cut each side on that side. A side left without a label
drops the row (``no_labels``). ``loss_scale`` does not apply (always the final reply);
packing is refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from swiftkit.core.errors import RowError
from swiftkit.data import steps
from swiftkit.data.pipeline import _Run

if TYPE_CHECKING:
    from datasets import Dataset

IGNORE_INDEX = steps.IGNORE_INDEX
PREFERENCE_MODES = ("preference", "kto", "prompt")

#: columns a prompt-only converter consumes (the rest are kept in ``prompt`` mode)
_PROMPT_CONSUMED = {"prompt", "messages", "solution", "answer", "system"}
_HELPERS = {"_src", "_row", "_field", "_reason", "_status", "_trainable", "_truncated", "length", "prompt_input_ids"}


def _code_version() -> str:
    return steps.fingerprint(steps.steps_code(), steps._file_hash(__file__))


def _messages_feature() -> Any:
    import datasets

    return steps._list({"role": datasets.Value("string"), "content": datasets.Value("string")})


def _ids_feature() -> Any:
    import datasets

    return steps._list(datasets.Value("int32"))


def _helper_features() -> dict[str, Any]:
    import datasets

    return {
        "_src": datasets.Value("int32"),
        "_row": datasets.Value("int64"),
        "_field": datasets.Value("string"),
        "_reason": datasets.Value("string"),
    }


# ------------------------------------------------------------------------------ convert


class ConvertPreferenceRows:
    """Rows of one preference format -> the canonical row of ``mode``; a converter's
    :class:`RowError` is recorded in ``_field``/``_reason`` (the pipeline reports it)."""

    FIELDS = {"preference": ("chosen", "rejected"), "kto": ("completion", "label"), "prompt": ("solution",)}

    def __init__(self, converter: Any, mode: str, source_index: int, extras: list[str]):
        self.converter = converter
        self.mode = mode
        self.source_index = source_index
        self.extras = extras

    def __call__(self, batch: dict[str, list], indices: list[int]) -> dict[str, list]:
        columns = list(batch)
        fields = self.FIELDS[self.mode]
        out: dict[str, list] = {k: [] for k in ("messages", *fields, *self.extras, "_src", "_row", "_field", "_reason")}
        empty = {"chosen": "", "rejected": "", "completion": "", "label": False, "solution": None}
        for i, index in enumerate(indices):
            row = {c: batch[c][i] for c in columns}
            field = reason = ""
            try:
                result = self.converter.convert(row)
                if not isinstance(result, dict):
                    raise RowError("(row)", f"the converter returned {type(result).__name__}, not a dict")
                missing = [k for k in ("messages", *fields) if k not in result]
                if missing:
                    raise RowError("(row)", f"the converter returned no {', '.join(missing)} (not {self.mode} data)")
                messages = [{"role": m["role"], "content": m["content"]} for m in result["messages"]]
                values = [result[k] for k in fields]
            except RowError as exc:
                field, reason = exc.field, exc.reason
                messages, values = [], [empty[k] for k in fields]
            except Exception as exc:  # noqa: BLE001 - a converter bug still names the row
                field, reason = "(row)", f"{type(exc).__name__}: {exc}"
                messages, values = [], [empty[k] for k in fields]
            out["messages"].append(messages)
            for k, v in zip(fields, values, strict=True):
                out[k].append(v)
            for k in self.extras:
                out[k].append(row.get(k))
            out["_src"].append(self.source_index)
            out["_row"].append(index + 1)
            out["_field"].append(field)
            out["_reason"].append(reason)
        return out


# ------------------------------------------------------------------------------ encode


def _truncate(ids: list[int], labels: list[int], max_length: int | None, strategy: str) -> tuple[list[int], list[int], bool]:
    if max_length is None or len(ids) <= max_length:
        return ids, labels, False
    if strategy == "left":
        return ids[-max_length:], labels[-max_length:], True
    return ids[:max_length], labels[:max_length], True


def _trainable(labels: list[int]) -> int:
    return sum(1 for x in labels[1:] if x != IGNORE_INDEX)


class _EncodeBase:
    def __init__(self, template: Any, tokenizer: Any, *, max_length: int | None, truncation_strategy: str):
        self.template = template
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.truncation_strategy = truncation_strategy

    def reply(self, prompt: list[dict[str, str]], response: str) -> tuple[list[int], list[int]]:
        enc = self.template.encode(self.tokenizer, [*prompt, {"role": "assistant", "content": response}], loss_scale="last_round")
        ids, labels = list(enc["input_ids"]), list(enc["labels"])
        if len(ids) != len(labels):
            raise ValueError(f"the template returned {len(ids)} input_ids but {len(labels)} labels")
        return ids, labels


class EncodePairs(_EncodeBase):
    """``preference`` mode: both sides of a pair (see the module docstring)."""

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        keys = ("chosen_input_ids", "chosen_labels", "rejected_input_ids", "rejected_labels", "chosen_length",
                "rejected_length", "length", "_status", "_field", "_reason", "_trainable", "_truncated")
        out: dict[str, list] = {k: [] for k in keys}
        for i in range(len(batch["_row"])):
            status, field, reason, truncated = steps.OK, "", "", False
            sides: dict[str, tuple[list[int], list[int]]] = {}
            lengths = {"chosen": 0, "rejected": 0}
            try:
                for side in ("chosen", "rejected"):
                    sides[side] = self.reply(batch["messages"][i], batch[side][i])
                    lengths[side] = len(sides[side][0])
            except Exception as exc:  # noqa: BLE001 - template errors name the message index
                status, field, reason = steps.ERROR, side, str(exc)
                sides = {}
            if status == steps.OK and self.max_length is not None:
                too_long = [s for s in ("chosen", "rejected") if lengths[s] > self.max_length]
                if too_long and self.truncation_strategy == "delete":
                    status = steps.TOO_LONG
                    reason = "; ".join(f"{s}: {lengths[s]} tokens > max_length {self.max_length}" for s in too_long)
                elif too_long:
                    for s in too_long:
                        sides[s] = _truncate(*sides[s], self.max_length, self.truncation_strategy)[:2]
                    truncated = True
            trainable = 0
            if status == steps.OK:
                counts = {s: _trainable(sides[s][1]) for s in sides}
                empty = [s for s in ("chosen", "rejected") if counts[s] == 0]
                if empty:
                    status = steps.NO_LABELS
                    reason = f"no trainable token in {' and '.join(empty)}" + (" left after truncation" if truncated else "")
                trainable = sum(counts.values())
            ok = status == steps.OK
            for s in ("chosen", "rejected"):
                ids, labels = sides[s] if ok else ([], [])
                out[f"{s}_input_ids"].append(ids)
                out[f"{s}_labels"].append(labels)
                out[f"{s}_length"].append(len(ids) if ok else lengths[s])
            out["length"].append(out["chosen_length"][-1] + out["rejected_length"][-1])
            out["_status"].append(status)
            out["_field"].append(field)
            out["_reason"].append(reason)
            out["_trainable"].append(trainable if ok else 0)
            out["_truncated"].append(truncated and ok)
        return out


class EncodeKTO(_EncodeBase):
    """``kto`` mode: prompt + completion (labels on the completion), the ``label`` kept."""

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        keys = ("input_ids", "labels", "length", "_status", "_field", "_reason", "_trainable", "_truncated")
        out: dict[str, list] = {k: [] for k in keys}
        for i in range(len(batch["_row"])):
            status, field, reason, truncated = steps.OK, "", "", False
            try:
                ids, labels = self.reply(batch["messages"][i], batch["completion"][i])
            except Exception as exc:  # noqa: BLE001
                status, field, reason = steps.ERROR, "messages", str(exc)
                ids, labels = [], []
            length = len(ids)
            if status == steps.OK and self.max_length is not None and length > self.max_length:
                if self.truncation_strategy == "delete":
                    status, reason = steps.TOO_LONG, f"{length} tokens > max_length {self.max_length}"
                    ids, labels = [], []
                else:
                    ids, labels, truncated = _truncate(ids, labels, self.max_length, self.truncation_strategy)
            trainable = _trainable(labels)
            if status == steps.OK and trainable == 0:
                status, reason = steps.NO_LABELS, "no trainable token" + (" left after truncation" if truncated else "")
                ids, labels = [], []
            ok = status == steps.OK
            out["input_ids"].append(ids)
            out["labels"].append(labels)
            out["length"].append(len(ids) if ok else length)
            out["_status"].append(status)
            out["_field"].append(field)
            out["_reason"].append(reason)
            out["_trainable"].append(trainable if ok else 0)
            out["_truncated"].append(truncated and ok)
        return out


class EncodePrompts(_EncodeBase):
    """``prompt`` mode: ``prompt_input_ids`` of the inference prompt; the rest is kept."""

    def __call__(self, batch: dict[str, list]) -> dict[str, list]:
        keys = ("prompt_input_ids", "length", "_status", "_field", "_reason", "_trainable", "_truncated")
        out: dict[str, list] = {k: [] for k in keys}
        for i in range(len(batch["_row"])):
            status, field, reason, truncated = steps.OK, "", "", False
            try:
                ids = list(self.template.encode_prompt(self.tokenizer, batch["messages"][i]))
            except Exception as exc:  # noqa: BLE001
                status, field, reason = steps.ERROR, "messages", str(exc)
                ids = []
            length = len(ids)
            if status == steps.OK and self.max_length is not None and length > self.max_length:
                if self.truncation_strategy == "delete":
                    status, reason = steps.TOO_LONG, f"{length} tokens > max_length {self.max_length}"
                    ids = []
                else:
                    ids, _, truncated = _truncate(ids, ids, self.max_length, self.truncation_strategy)
            ok = status == steps.OK
            out["prompt_input_ids"].append(ids)
            out["length"].append(len(ids) if ok else length)
            out["_status"].append(status)
            out["_field"].append(field)
            out["_reason"].append(reason)
            out["_trainable"].append(0)
            out["_truncated"].append(truncated and ok)
        return out


# ------------------------------------------------------------------------------ the run


class PreferenceRun(_Run):
    """:class:`~swiftkit.data.pipeline._Run` with the preference steps."""

    def code_version(self) -> str:
        return _code_version()

    def _extras(self, raw: Dataset) -> list[str]:
        if self.mode != "prompt":
            return []
        return [c for c in raw.column_names if c not in _PROMPT_CONSUMED and c not in _HELPERS]

    def convert_step(self, converter: Any, index: int, raw: Dataset) -> Any:
        return ConvertPreferenceRows(converter, self.mode, index, self._extras(raw))

    def converted_features(self, raw: Dataset) -> Any:
        import datasets

        cols: dict[str, Any] = {"messages": _messages_feature()}
        if self.mode == "preference":
            cols.update(chosen=datasets.Value("string"), rejected=datasets.Value("string"))
        elif self.mode == "kto":
            cols.update(completion=datasets.Value("string"), label=datasets.Value("bool"))
        else:
            cols["solution"] = datasets.Value("string")
            for c in self._extras(raw):
                cols[c] = raw.features[c]
        cols.update(_helper_features())
        return datasets.Features(cols)

    def encoder(self) -> Any:
        cls = {"preference": EncodePairs, "kto": EncodeKTO, "prompt": EncodePrompts}[self.mode]
        return cls(self.template, self.tokenizer, max_length=self.max_length, truncation_strategy=self.truncation_strategy)

    def encode_consumes(self, ds: Dataset) -> tuple[str, ...]:
        return {"preference": ("messages", "chosen", "rejected"), "kto": ("messages", "completion"), "prompt": ()}[self.mode]

    def encoded_features(self, ds: Dataset) -> Any:
        import datasets

        consumed = set(self.encode_consumes(ds))
        cols = {k: v for k, v in ds.features.items() if k not in consumed}
        if self.mode == "preference":
            for s in ("chosen", "rejected"):
                cols[f"{s}_input_ids"] = _ids_feature()
                cols[f"{s}_labels"] = _ids_feature()
                cols[f"{s}_length"] = datasets.Value("int32")
        elif self.mode == "kto":
            cols["input_ids"] = _ids_feature()
            cols["labels"] = _ids_feature()
        else:
            cols["prompt_input_ids"] = _ids_feature()
        cols.update(
            length=datasets.Value("int32"),
            _status=datasets.Value("string"),
            _field=datasets.Value("string"),
            _reason=datasets.Value("string"),
            _trainable=datasets.Value("int32"),
            _truncated=datasets.Value("bool"),
        )
        return datasets.Features(cols)
