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

Media (ms-swift's multimodal DPO / KTO / GRPO rows): ``images`` / ``videos`` / ``audios`` (and
grounding ``objects``) are taken out of the row before the converter sees it and kept in the
``media`` column as the SFT rows keep them (:mod:`swiftkit.data.media_column`); missing tags
are prepended to the first user message. They belong to the prompt: encoding processes them
once per row and shares the expanded prompt between both sides of a pair
(:mod:`swiftkit.data.pair_media`); the encoded rows keep ``media`` for the collators, which
again process each row once and give the same model inputs to every sequence built on it
(``media_inputs``, ``KL_media_inputs``; ``prompt`` rows pass ``media`` through for the rollout
engine's requests).
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.data.layout import DataLayout, EncodedRow, EncodeSettings, RowHasNoLabels, RowTooLong
from swiftkit.core.errors import ChatTemplateError, RowError
from swiftkit.data.layouts import (
    check_media_kept,
    count_trainable,
    ids_feature,
    labelled_row,
    messages_feature,
    plain_messages,
    truncate,
)
from swiftkit.data.pair_media import MEDIA_COLUMN, expand_prompt, mask_media

__all__ = ["KTOLayout", "PreferenceLayout", "PromptLayout"]

#: columns a prompt-only converter consumes (the rest are kept in ``prompt`` rows); the raw
#: media columns become the ``media`` column
_PROMPT_CONSUMED = {"prompt", "messages", "solution", "answer", "system", "images", "videos", "audios", "objects"}
#: names the pipeline or the encoded columns use: never kept as extra columns
_RESERVED = {"_src", "_row", "_field", "_reason", "_status", "_trainable", "_truncated", "length", "prompt_input_ids",
             MEDIA_COLUMN}


class _ReplyLayout(DataLayout):
    """Shared by the layouts below: the converter's result checked for ``fields``, and the
    encoding of a prompt plus one assistant reply (labels on that reply only)."""

    fields: tuple[str, ...] = ()

    def __init__(self, template: Any = None):
        #: the run's template (its objective's ``setup`` received it): the collator processes
        #: the rows' media with its media processor; ``None``: rows with media are refused
        self.template = template

    def convert(self, converter: Any, row: dict[str, Any]) -> dict[str, Any]:
        from swiftkit.data.media_column import attach_media, split_media

        row, media = split_media(row)  # the converter sees a text row
        result = converter.convert(row)
        if not isinstance(result, dict):
            raise RowError("(row)", f"the converter returned {type(result).__name__}, not a dict")
        missing = [k for k in ("messages", *self.fields) if k not in result]
        if missing:
            raise RowError("(row)", f"the converter returned no {', '.join(missing)} (not {self.id} data)")
        messages, stored = attach_media(media, plain_messages(result["messages"]))
        return {"messages": messages, **{k: result[k] for k in self.fields}, MEDIA_COLUMN: stored}

    @staticmethod
    def media_feature(raw_features: Any) -> dict[str, Any]:
        """The ``media`` column (``""`` in text rows), in every source's rows as in the SFT
        rows, so that text and media sources mix."""
        import datasets

        return {MEDIA_COLUMN: datasets.Value("string")}

    @staticmethod
    def reply(settings: EncodeSettings, prompt: list[dict[str, str]], response: str,
              processor: Any = None) -> tuple[list[int], list[int]]:
        """``prompt`` (media tags already expanded by :func:`expand_prompt`) and one assistant
        ``response``, labels on the response only and never on media tokens."""
        enc = settings.template.encode(
            settings.tokenizer, [*prompt, {"role": "assistant", "content": response}], loss_scale="last_round"
        )
        ids, labels = list(enc["input_ids"]), list(enc["labels"])
        if len(ids) != len(labels):
            raise ValueError(f"the template returned {len(ids)} input_ids but {len(labels)} labels")
        return ids, mask_media(labels, ids, processor)

    @staticmethod
    def media_of(row: dict[str, Any]) -> Any:
        return row.get(MEDIA_COLUMN)


class PreferenceLayout(_ReplyLayout):
    """Pairs (DPO/ORPO/SimPO/CPO, reward models): both sides encoded, batched as ``chosen_*`` / ``rejected_*``."""

    id = "preference"
    fields = ("chosen", "rejected")

    def converted_features(self, raw_features: Any) -> dict[str, Any]:
        import datasets

        return {"messages": messages_feature(), "chosen": datasets.Value("string"), "rejected": datasets.Value("string"),
                **self.media_feature(raw_features)}

    def consumes(self, converted_columns: list[str]) -> list[str]:
        return [c for c in converted_columns if c != MEDIA_COLUMN]  # the collator reads the media

    def encoded_features(self, converted_features: dict[str, Any]) -> dict[str, Any]:
        import datasets

        cols: dict[str, Any] = {}
        for s in ("chosen", "rejected"):
            cols.update({f"{s}_input_ids": ids_feature(), f"{s}_labels": ids_feature(), f"{s}_length": datasets.Value("int32")})
        return cols

    def encode(self, row: dict[str, Any], settings: EncodeSettings) -> EncodedRow:
        sides: dict[str, tuple[list[int], list[int]]] = {}
        prompt, processor = expand_prompt(settings, row["messages"], self.media_of(row))  # media processed once
        for side in ("chosen", "rejected"):
            try:
                sides[side] = self.reply(settings, prompt, row[side], processor)
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
                full = sides[s][0]
                sides[s] = truncate(*sides[s], max_length, settings.truncation_strategy)[:2]
                if processor is not None:
                    check_media_kept(row, full, sides[s][0], settings)
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

        return make_pair_collator(tokenizer, media=_batcher(tokenizer, self.template))


class KTOLayout(_ReplyLayout):
    """KTO: prompt + completion (labels on the completion), the bool ``label`` kept."""

    id = "kto"
    fields = ("completion", "label")

    def converted_features(self, raw_features: Any) -> dict[str, Any]:
        import datasets

        return {"messages": messages_feature(), "completion": datasets.Value("string"), "label": datasets.Value("bool"),
                **self.media_feature(raw_features)}

    def consumes(self, converted_columns: list[str]) -> list[str]:
        return ["messages", "completion"]

    def encoded_features(self, converted_features: dict[str, Any]) -> dict[str, Any]:
        return {"input_ids": ids_feature(), "labels": ids_feature()}

    def encode(self, row: dict[str, Any], settings: EncodeSettings) -> EncodedRow:
        prompt, processor = expand_prompt(settings, row["messages"], self.media_of(row))
        try:
            ids, labels = self.reply(settings, prompt, row["completion"], processor)
        except (RowError, ChatTemplateError):  # a broken template is not the row's fault
            raise
        except Exception as exc:
            raise RowError("messages", str(exc)) from exc
        if processor is not None and settings.max_length is not None:
            check_media_kept(row, ids, truncate(ids, ids, settings.max_length, settings.truncation_strategy)[0], settings)
        return labelled_row(ids, labels, settings)

    def make_collator(self, tokenizer: Any, config: dict[str, Any]) -> Any:
        from swiftkit.data.pair_collator import make_kto_collator

        return make_kto_collator(tokenizer, max_length=config.get("max_length"), media=_batcher(tokenizer, self.template))


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

        cols = {"messages": messages_feature(), "solution": datasets.Value("string"), **self.media_feature(raw_features)}
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
        prompt, processor = expand_prompt(settings, row["messages"], self.media_of(row))
        try:
            ids = list(settings.template.encode_prompt(settings.tokenizer, prompt))
        except (RowError, ChatTemplateError):  # a broken template is not the row's fault
            raise
        except Exception as exc:
            raise RowError("messages", str(exc)) from exc
        full = ids
        ids, _, truncated = truncate(ids, ids, settings.max_length, settings.truncation_strategy)
        if processor is not None:
            check_media_kept(row, full, ids, settings)
        return EncodedRow({"prompt_input_ids": ids}, length=len(ids), trainable=0, truncated=truncated)

    def make_collator(self, tokenizer: Any, config: dict[str, Any]) -> Any:
        from swiftkit.data.pair_collator import make_prompt_collator

        return make_prompt_collator(tokenizer)


def _batcher(tokenizer: Any, template: Any) -> Any:
    """The :class:`~swiftkit.data.pair_media.MediaBatcher` of a run whose template reads media
    (``None`` for a text template or none given: the collators refuse rows with media)."""
    from swiftkit.data.pair_media import MediaBatcher

    if template is None or not getattr(template.spec, "media", None):
        return None
    return MediaBatcher(template, tokenizer)
