"""The data layouts of preference and online-RL objectives (public machinery helpers).

:class:`PreferenceLayout`, :class:`KTOLayout` and :class:`PromptLayout` are
:class:`~swiftkit.core.data.layout.DataLayout` objects the built-in objectives return from
``data_layout()``; the pipeline runs them like any plugin's layout (sources, format
detection, per-row checks naming file, row and field, cached ``datasets.map`` steps,
truncation, counted drops). Formats feed a layout through their converter's ``modes``
(:mod:`swiftkit.plugins.datasets.preference_formats`).

Layouts and the columns of the prepared rows:

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

from typing import Any

from swiftkit.core.data.layout import DataLayout, EncodedRow, EncodeSettings, RowHasNoLabels, RowTooLong
from swiftkit.core.errors import ChatTemplateError, RowError
from swiftkit.data.layouts import (
    count_trainable,
    ids_feature,
    labelled_row,
    messages_feature,
    plain_messages,
    truncate,
)

__all__ = ["KTOLayout", "PreferenceLayout", "PromptLayout"]

#: columns a prompt-only converter consumes (the rest are kept in ``prompt`` rows)
_PROMPT_CONSUMED = {"prompt", "messages", "solution", "answer", "system"}
#: names the pipeline or the encoded columns use: never kept as extra columns
_RESERVED = {"_src", "_row", "_field", "_reason", "_status", "_trainable", "_truncated", "length", "prompt_input_ids"}


class _ReplyLayout(DataLayout):
    """Shared by the layouts below: the converter's result checked for ``fields``, and the
    encoding of a prompt plus one assistant reply (labels on that reply only)."""

    fields: tuple[str, ...] = ()

    def convert(self, converter: Any, row: dict[str, Any]) -> dict[str, Any]:
        result = converter.convert(row)
        if not isinstance(result, dict):
            raise RowError("(row)", f"the converter returned {type(result).__name__}, not a dict")
        missing = [k for k in ("messages", *self.fields) if k not in result]
        if missing:
            raise RowError("(row)", f"the converter returned no {', '.join(missing)} (not {self.id} data)")
        return {"messages": plain_messages(result["messages"]), **{k: result[k] for k in self.fields}}

    @staticmethod
    def reply(settings: EncodeSettings, prompt: list[dict[str, str]], response: str) -> tuple[list[int], list[int]]:
        enc = settings.template.encode(
            settings.tokenizer, [*prompt, {"role": "assistant", "content": response}], loss_scale="last_round"
        )
        ids, labels = list(enc["input_ids"]), list(enc["labels"])
        if len(ids) != len(labels):
            raise ValueError(f"the template returned {len(ids)} input_ids but {len(labels)} labels")
        return ids, labels


class PreferenceLayout(_ReplyLayout):
    """Pairs (DPO/ORPO/SimPO/CPO, reward models): both sides encoded, batched as ``chosen_*`` / ``rejected_*``."""

    id = "preference"
    fields = ("chosen", "rejected")

    def converted_features(self, raw_features: Any) -> dict[str, Any]:
        import datasets

        return {"messages": messages_feature(), "chosen": datasets.Value("string"), "rejected": datasets.Value("string")}

    def encoded_features(self, converted_features: dict[str, Any]) -> dict[str, Any]:
        import datasets

        cols: dict[str, Any] = {}
        for s in ("chosen", "rejected"):
            cols.update({f"{s}_input_ids": ids_feature(), f"{s}_labels": ids_feature(), f"{s}_length": datasets.Value("int32")})
        return cols

    def encode(self, row: dict[str, Any], settings: EncodeSettings) -> EncodedRow:
        sides: dict[str, tuple[list[int], list[int]]] = {}
        for side in ("chosen", "rejected"):
            try:
                sides[side] = self.reply(settings, row["messages"], row[side])
            except (RowError, ChatTemplateError):  # a broken template is not the row's fault
                raise
            except Exception as exc:  # template errors name the message index
                raise RowError(side, str(exc)) from exc
        max_length, truncated = settings.max_length, False
        if max_length is not None:
            too_long = [s for s in ("chosen", "rejected") if len(sides[s][0]) > max_length]
            if too_long and settings.truncation_strategy == "delete":
                raise RowTooLong("; ".join(f"{s}: {len(sides[s][0])} tokens > max_length {max_length}" for s in too_long))
            for s in too_long:
                sides[s] = truncate(*sides[s], max_length, settings.truncation_strategy)[:2]
            truncated = bool(too_long)
        counts = {s: count_trainable(sides[s][1]) for s in sides}
        empty = [s for s in ("chosen", "rejected") if counts[s] == 0]
        if empty:
            raise RowHasNoLabels(f"no trainable token in {' and '.join(empty)}" + (" left after truncation" if truncated else ""))
        cols: dict[str, Any] = {}
        for s, (ids, labels) in sides.items():
            cols.update({f"{s}_input_ids": ids, f"{s}_labels": labels, f"{s}_length": len(ids)})
        return EncodedRow(cols, length=cols["chosen_length"] + cols["rejected_length"], trainable=sum(counts.values()),
                          truncated=truncated)

    def make_collator(self, tokenizer: Any, config: dict[str, Any]) -> Any:
        from swiftkit.data.pair_collator import make_pair_collator

        return make_pair_collator(tokenizer)


class KTOLayout(_ReplyLayout):
    """KTO: prompt + completion (labels on the completion), the bool ``label`` kept."""

    id = "kto"
    fields = ("completion", "label")

    def converted_features(self, raw_features: Any) -> dict[str, Any]:
        import datasets

        return {"messages": messages_feature(), "completion": datasets.Value("string"), "label": datasets.Value("bool")}

    def consumes(self, converted_columns: list[str]) -> list[str]:
        return ["messages", "completion"]

    def encoded_features(self, converted_features: dict[str, Any]) -> dict[str, Any]:
        return {"input_ids": ids_feature(), "labels": ids_feature()}

    def encode(self, row: dict[str, Any], settings: EncodeSettings) -> EncodedRow:
        try:
            ids, labels = self.reply(settings, row["messages"], row["completion"])
        except (RowError, ChatTemplateError):  # a broken template is not the row's fault
            raise
        except Exception as exc:
            raise RowError("messages", str(exc)) from exc
        return labelled_row(ids, labels, settings)

    def make_collator(self, tokenizer: Any, config: dict[str, Any]) -> Any:
        from swiftkit.data.pair_collator import make_kto_collator

        return make_kto_collator(tokenizer, max_length=config.get("max_length"))


class PromptLayout(_ReplyLayout):
    """Online RL (GRPO/PPO): the inference prompt's ``prompt_input_ids``; ``messages``,
    ``solution`` and the dataset's other columns stay in the rows for reward functions."""

    id = "prompt"
    fields = ("solution",)

    @staticmethod
    def extras(raw_features: Any) -> list[str]:
        return [c for c in raw_features if c not in _PROMPT_CONSUMED and c not in _RESERVED]

    def converted_features(self, raw_features: Any) -> dict[str, Any]:
        import datasets

        cols = {"messages": messages_feature(), "solution": datasets.Value("string")}
        cols.update({c: raw_features[c] for c in self.extras(raw_features)})
        return cols

    def convert(self, converter: Any, row: dict[str, Any]) -> dict[str, Any]:
        out = super().convert(converter, row)
        out.update({c: row.get(c) for c in self.extras(row)})
        return out

    def consumes(self, converted_columns: list[str]) -> list[str]:
        return []

    def encoded_features(self, converted_features: dict[str, Any]) -> dict[str, Any]:
        return {"prompt_input_ids": ids_feature()}

    def encode(self, row: dict[str, Any], settings: EncodeSettings) -> EncodedRow:
        try:
            ids = list(settings.template.encode_prompt(settings.tokenizer, row["messages"]))
        except (RowError, ChatTemplateError):  # a broken template is not the row's fault
            raise
        except Exception as exc:
            raise RowError("messages", str(exc)) from exc
        ids, _, truncated = truncate(ids, ids, settings.max_length, settings.truncation_strategy)
        return EncodedRow({"prompt_input_ids": ids}, length=len(ids), trainable=0, truncated=truncated)

    def make_collator(self, tokenizer: Any, config: dict[str, Any]) -> Any:
        from swiftkit.data.pair_collator import make_prompt_collator

        return make_prompt_collator(tokenizer)
