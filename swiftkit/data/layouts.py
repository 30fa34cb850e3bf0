"""The two plain data layouts and the helpers layouts share (public: plugin layouts use them).

- :class:`SFTLayout` (``sft``): conversations; ``template.encode`` puts labels on the
  assistant replies as ``loss_scale`` says.
- :class:`PTLayout` (``pt``): plain text, every token a label (tokenized with the tokenizer's
  own special tokens, ending with eos); a conversation is encoded by the template with
  ``loss_scale="all"``.

Both produce ``input_ids`` / ``labels``, may be packed, and batch through
:func:`swiftkit.data.collator.make_collator`.

Multimodal rows (``images`` / ``videos`` / ``audios`` columns, grounding ``objects``) keep their
references in the ``media`` column (:mod:`swiftkit.data.media_column`), which the encode step
leaves in place: encoding decodes the media once to expand the tags into the family's tokens,
and the collator (:mod:`swiftkit.data.media_collator`) decodes them again, lazily, for the
pixel inputs of each batch. :func:`layout_for_mode` maps an objective's
``data_mode`` to one of them (the default of ``Objective.data_layout``).

Over-long rows: ``delete`` drops them (:class:`~swiftkit.core.data.layout.RowTooLong`);
``left`` / ``right`` keep the last / first ``max_length`` tokens. A row whose labels are all
-100 afterwards (the first label never counts: no token predicts it) is dropped
(:class:`~swiftkit.core.data.layout.RowHasNoLabels`).
"""

from __future__ import annotations

import json
from typing import Any

from swiftkit.core.data.errors import DatasetError, DatasetRowError
from swiftkit.core.data.layout import DataLayout, EncodedRow, EncodeSettings, RowHasNoLabels, RowTooLong
from swiftkit.core.errors import ChatTemplateError, RowError

IGNORE_INDEX = -100

__all__ = [
    "IGNORE_INDEX", "PTLayout", "SFTLayout", "count_trainable", "ids_feature", "labelled_row", "layout_for_mode",
    "messages_feature", "plain_messages", "truncate", "agent_column", "agent_messages", "converted_media", "media_tokens",
    "check_media_kept",
]


# ------------------------------------------------------------------------------ shared helpers


def messages_feature() -> Any:
    """The ``datasets`` feature of a canonical message list."""
    import datasets

    from swiftkit.data.steps import _list

    return _list({"role": datasets.Value("string"), "content": datasets.Value("string")})


def ids_feature() -> Any:
    """The ``datasets`` feature of a token-id list."""
    import datasets

    from swiftkit.data.steps import _list

    return _list(datasets.Value("int32"))


def plain_messages(messages: Any) -> list[dict[str, str]]:
    """Canonical messages reduced to ``role`` / ``content`` (what the converted column holds)."""
    return [{"role": m["role"], "content": m["content"]} for m in messages]


def agent_column(result: dict[str, Any]) -> str:
    """The ``agent`` column of a converted row: its tools and tool-calling conversation as JSON
    (``""`` for a conversation without tool data). The ``messages`` column cannot hold calls (one
    arrow type for every row), so the encode step reads them from here."""
    messages = result["messages"]
    if not result.get("tools") and not any(m.get("tool_calls") for m in messages):
        return ""
    return json.dumps({"tools": result.get("tools") or [], "messages": messages}, ensure_ascii=False)


def agent_messages(row: dict[str, Any], template: Any) -> list[dict[str, Any]]:
    """The messages a converted row trains on: its agent conversation written by the template's
    agent template, else its ``messages``."""
    if not row.get("agent"):
        return row["messages"]
    data = json.loads(row["agent"])
    return template.with_tools(data["messages"], data["tools"])


def truncate(ids: list[int], labels: list[int], max_length: int | None, strategy: str) -> tuple[list[int], list[int], bool]:
    """Apply ``max_length``: ``(ids, labels, truncated)``; raises
    :class:`~swiftkit.core.data.layout.RowTooLong` under the ``delete`` strategy."""
    if max_length is None or len(ids) <= max_length:
        return ids, labels, False
    if strategy == "delete":
        raise RowTooLong(f"{len(ids)} tokens > max_length {max_length}")
    if strategy == "left":
        return ids[-max_length:], labels[-max_length:], True
    return ids[:max_length], labels[:max_length], True


def count_trainable(labels: list[int]) -> int:
    """Label tokens that carry a loss (the first never does: no token predicts it)."""
    rest = list(labels[1:])
    return len(rest) - rest.count(IGNORE_INDEX)  # list.count: no Python loop per token


def labelled_row(ids: list[int], labels: list[int], settings: EncodeSettings) -> EncodedRow:
    """``input_ids`` + ``labels`` after ``max_length``; raises
    :class:`~swiftkit.core.data.layout.RowHasNoLabels` when no token is left to train on."""
    ids, labels, truncated = truncate(ids, labels, settings.max_length, settings.truncation_strategy)
    trainable = count_trainable(labels)
    if trainable == 0:
        raise RowHasNoLabels("no trainable token" + (" left after truncation" if truncated else ""))
    return EncodedRow({"input_ids": ids, "labels": labels}, length=len(ids), trainable=trainable, truncated=truncated)


def converted_media(converter: Any, row: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """The converter's result for ``row`` without its media columns (converters read text), and
    the media with the result's messages tagged: ``(result, media value)`` (see
    :func:`swiftkit.data.media_column.attach_media`; ``""`` for a text row)."""
    from swiftkit.data.media_column import attach_media, split_media

    rest, media = split_media(row)
    result = _converted(converter, rest)
    if not media:
        return result, ""
    if "messages" not in result:
        raise RowError(next(iter(media)), "media need a conversation (messages with <image>/<video>/<audio> tags), "
                                          "not plain text")
    result = dict(result)
    result["messages"], value = attach_media(media, result["messages"])
    return result, value


def media_tokens(row: dict[str, Any], settings: EncodeSettings, messages: list[dict[str, Any]], loss_scale: str,
                 ) -> tuple[list[int], list[int]]:
    """``template.encode`` of a conversation with the row's media (decoded here, then dropped:
    the rows keep references, the collator decodes again)."""
    from swiftkit.data.media import load_media
    from swiftkit.data.media_column import ground_messages, read_column

    template, tokenizer = settings.template, settings.tokenizer
    stored = read_column(row["media"])
    processor = template.media_processor(tokenizer)
    messages = ground_messages(messages, stored.get("objects"), processor)
    options = getattr(template, "media_options", None)
    rate = getattr(options, "sampling_rate", None) or getattr(processor, "sampling_rate", None)
    try:
        media = load_media(stored, options=options, sampling_rate=rate)
    except DatasetRowError as exc:
        raise RowError(exc.field, exc.reason) from None
    enc = template.encode(tokenizer, messages, loss_scale=loss_scale, media=media)
    return list(enc["input_ids"]), list(enc["labels"])


def check_media_kept(row: dict[str, Any], full: list[int], kept: list[int], settings: EncodeSettings) -> None:
    """Refuse a truncation that cut media tokens (the model would get pixels without their place)."""
    processor = settings.template.media_processor(settings.tokenizer)
    ids = processor.media_token_ids() if processor is not None else set()
    before = sum(1 for t in full if t in ids)
    after = sum(1 for t in kept if t in ids)
    if before != after:
        raise RowError("media", f"max_length {settings.max_length} would cut {before - after} of the row's {before} "
                                "media tokens; raise --max_length or use --truncation_strategy delete")


def _collator(tokenizer: Any, config: dict[str, Any]) -> Any:
    from swiftkit.data.collator import make_collator

    return make_collator(tokenizer, padding_free=bool(config.get("padding_free")),
                         padding_side=config.get("padding_side") or "right")


# ------------------------------------------------------------------------------ sft


class SFTLayout(DataLayout):
    """Conversations, loss on the assistant replies (``template.encode`` with ``loss_scale``)."""

    id = "sft"
    packable = True
    accepts_plain_formats = True

    def detects(self, format_id: str, converter: Any) -> bool:
        return self.accepts(format_id, converter) or "pt" in (self.format_modes(converter) or ())

    def refusal(self, format_id: str, converter: Any) -> str:
        if "pt" in (self.format_modes(converter) or ()):
            return (f"format {format_id!r} is plain text for pre-training; `swift sft` needs conversations "
                    "(messages, sharegpt, alpaca, query/response); use `swift pt` for plain text")
        return super().refusal(format_id, converter)

    def converted_features(self, raw_features: Any) -> dict[str, Any]:
        import datasets

        return {"messages": messages_feature(), "agent": datasets.Value("string"), "media": datasets.Value("string")}

    def convert(self, converter: Any, row: dict[str, Any]) -> dict[str, Any]:
        result, media = converted_media(converter, row)
        if "messages" in result:
            return {"messages": plain_messages(result["messages"]), "agent": agent_column(result), "media": media}
        if "text" in result:
            raise RowError("text", "plain text has no conversation to train on with sft; use `swift pt`")
        raise RowError("(row)", "the converter returned neither 'messages' nor 'text'")

    def consumes(self, converted_columns: list[str]) -> list[str]:
        return [c for c in converted_columns if c != "media"]  # the collator reads the media again

    def encoded_features(self, converted_features: dict[str, Any]) -> dict[str, Any]:
        return {"input_ids": ids_feature(), "labels": ids_feature()}

    def tokens(self, row: dict[str, Any], settings: EncodeSettings) -> tuple[list[int], list[int]]:
        messages = agent_messages(row, settings.template)
        if row.get("media"):
            return media_tokens(row, settings, messages, settings.loss_scale)
        enc = settings.template.encode(settings.tokenizer, messages, loss_scale=settings.loss_scale)
        return list(enc["input_ids"]), list(enc["labels"])

    def encode(self, row: dict[str, Any], settings: EncodeSettings) -> EncodedRow:
        try:
            ids, labels = _same_length(*self.tokens(row, settings))
        except Exception as exc:  # template errors name the message index
            raise _row_failure(row, exc)  # noqa: B904 - _row_failure sets the cause
        enc = labelled_row(ids, labels, settings)
        if row.get("media") and enc.truncated:
            check_media_kept(row, ids, enc.columns["input_ids"], settings)
        return enc

    def encode_batch(self, rows: list[dict[str, Any]], settings: EncodeSettings) -> list[EncodedRow | Exception]:
        """The rows' conversations without media tokenized together (``Template.encode_many``:
        one tokenizer call per batch), the others row by row; what :meth:`encode` gives per row.
        A subclass that overrides :meth:`encode` or :meth:`tokens` is encoded row by row."""
        cls = type(self)
        if cls.encode is not SFTLayout.encode or _owner(cls, "tokens") is not _owner(cls, "_conversation"):
            return super().encode_batch(rows, settings)
        out: list[EncodedRow | Exception | None] = [None] * len(rows)
        together: dict[str, list[tuple[int, Any]]] = {}  # loss_scale -> (row index, messages)
        for i, row in enumerate(rows):
            try:
                conversation = self._conversation(row, settings)
            except Exception as exc:  # noqa: BLE001 - as encode reports it
                out[i] = _row_failure(row, exc)
                continue
            if conversation is None:
                out[i] = _attempt_row(self.encode, row, settings)
            else:
                together.setdefault(conversation[1], []).append((i, conversation[0]))
        for loss_scale, items in together.items():
            encoded = settings.template.encode_many(settings.tokenizer, [m for _, m in items], loss_scale=loss_scale)
            for (i, _), enc in zip(items, encoded, strict=True):
                out[i] = _labelled_or_failure(rows[i], enc, settings)
        return out  # type: ignore[return-value] - every slot is filled

    def _conversation(self, row: dict[str, Any], settings: EncodeSettings) -> tuple[list[dict[str, Any]], str] | None:
        """``(messages, loss_scale)`` :meth:`tokens` hands to ``template.encode`` for ``row``, or
        ``None`` when it does something else (media): what :meth:`encode_batch` may batch."""
        if row.get("media"):
            return None
        return agent_messages(row, settings.template), settings.loss_scale

    def make_collator(self, tokenizer: Any, config: dict[str, Any]) -> Any:
        return _collator(tokenizer, config)


def _owner(cls: type, name: str) -> type | None:
    """The class of ``cls``'s MRO that defines ``name``."""
    return next((c for c in cls.__mro__ if name in vars(c)), None)


def _row_failure(row: dict[str, Any], exc: Exception) -> Exception:
    """The exception :meth:`SFTLayout.encode` raises for a row whose tokens failed with ``exc``."""
    if isinstance(exc, (RowError, ChatTemplateError)):  # a broken template is not the row's fault
        return exc
    wrapped = RowError("messages" if row.get("messages") else "text", str(exc))
    wrapped.__cause__ = exc
    return wrapped


def _same_length(ids: list[int], labels: list[int]) -> tuple[list[int], list[int]]:
    if len(ids) != len(labels):
        raise ValueError(f"the template returned {len(ids)} input_ids but {len(labels)} labels")
    return ids, labels


def _labelled_or_failure(row: dict[str, Any], enc: dict[str, Any] | Exception,
                         settings: EncodeSettings) -> EncodedRow | Exception:
    """What :meth:`SFTLayout.encode` gives ``row`` (text only) from the template's ``enc``: the
    encoded row, or the exception it raises."""
    try:
        if isinstance(enc, Exception):
            raise enc
        ids, labels = _same_length(list(enc["input_ids"]), list(enc["labels"]))
    except Exception as exc:  # noqa: BLE001 - handed back per row (DataLayout.encode_batch)
        return _row_failure(row, exc)
    return _attempt_row(labelled_row, ids, labels, settings)


def _attempt_row(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as exc:  # noqa: BLE001 - handed back per row (DataLayout.encode_batch)
        return exc


# ------------------------------------------------------------------------------ pt


class PTLayout(SFTLayout):
    """Plain text (or conversations), every token a label."""

    id = "pt"
    needs_template = False

    def detects(self, format_id: str, converter: Any) -> bool:
        return self.accepts(format_id, converter)

    def refusal(self, format_id: str, converter: Any) -> str:
        return DataLayout.refusal(self, format_id, converter)

    def converted_features(self, raw_features: Any) -> dict[str, Any]:
        import datasets

        return {"messages": messages_feature(), "text": datasets.Value("string"), "media": datasets.Value("string")}

    def convert(self, converter: Any, row: dict[str, Any]) -> dict[str, Any]:
        result, media = converted_media(converter, row)
        if "messages" in result:
            if agent_column(result):
                raise RowError("tools", "tool calls are trained with `swift sft` (pre-training reads no agent template)")
            return {"messages": plain_messages(result["messages"]), "text": "", "media": media}
        if "text" in result:
            return {"messages": [], "text": result["text"], "media": ""}
        raise RowError("(row)", "the converter returned neither 'messages' nor 'text'")

    def _conversation(self, row: dict[str, Any], settings: EncodeSettings) -> tuple[list[dict[str, Any]], str] | None:
        if row.get("messages") and not row.get("media"):
            return row["messages"], "all"
        return None  # plain text or media: row by row

    def tokens(self, row: dict[str, Any], settings: EncodeSettings) -> tuple[list[int], list[int]]:
        if row.get("messages") and row.get("media"):
            return media_tokens(row, settings, row["messages"], "all")
        if row.get("messages"):
            enc = settings.template.encode(settings.tokenizer, row["messages"], loss_scale="all")
            return list(enc["input_ids"]), list(enc["labels"])
        tokenizer = settings.tokenizer
        ids = list(tokenizer(row["text"], add_special_tokens=True)["input_ids"])
        eos = getattr(tokenizer, "eos_token_id", None)
        if isinstance(eos, int) and (not ids or ids[-1] != eos):
            ids.append(eos)
        return ids, list(ids)


def _converted(converter: Any, row: dict[str, Any]) -> dict[str, Any]:
    result = converter.convert(row)
    if not isinstance(result, dict):
        raise RowError("(row)", f"the converter returned {type(result).__name__}, not a dict")
    return result


_PLAIN: dict[str, type[DataLayout]] = {"sft": SFTLayout, "pt": PTLayout}


def layout_for_mode(mode: str) -> DataLayout:
    """The layout of an objective that declares only ``data_mode`` ("sft" or "pt")."""
    try:
        return _PLAIN[mode]()
    except KeyError:
        raise DatasetError(
            f"unknown data mode {mode!r}; `data_mode` is {' or '.join(map(repr, _PLAIN))} -- an objective with "
            "other rows returns its own layout from data_layout() (swiftkit.core.data.layout.DataLayout)"
        ) from None
