"""Media of preference, KTO and prompt rows (ms-swift's multimodal DPO / KTO / GRPO data).

Rows keep their media as the converted ``media`` column of the SFT rows
(:mod:`swiftkit.data.media_column`: references, never pixels). A row's media belong to its
prompt, so they are decoded and run through the family's processor ONCE per row, and the same
model inputs serve every sequence built on that prompt: the chosen and the rejected reply of a
pair, a KTO completion and the mismatched completion of its KL row, the ``num_generations``
completions of a GRPO prompt.

- encoding (:func:`expand_prompt`): the prompt's tags are replaced by the processor's expanded
  text once; each reply is then encoded as text after it, and media tokens are never labelled;
- batching (:class:`MediaBatcher`): the rows' media decoded (through a bounded
  :class:`~swiftkit.data.media.MediaCache`) and processed once per row, then laid out by the
  processor's ``collate`` for whichever sequences the objective runs (each row's inputs
  repeated for each of its sequences; pixels are not recomputed).

Errors name the row's field as the SFT pipeline does (:class:`~swiftkit.core.errors.RowError`:
the pipeline adds file and row).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from swiftkit.core.errors import RowError

__all__ = ["MEDIA_COLUMN", "MediaBatcher", "expand_prompt", "load_row_media", "mask_media", "request_media"]

#: the converted column holding a row's media references (the SFT rows' column)
MEDIA_COLUMN = "media"


def _read(text: Any) -> dict[str, Any]:
    from swiftkit.data.media_column import read_column

    if isinstance(text, dict):
        return text
    return read_column(text)


def load_row_media(text: Any, template: Any, *, cache: Any = None, processor: Any = None) -> Any:
    """A ``media`` column value decoded into a :class:`~swiftkit.core.templates.media.Media`
    for ``template`` (its :class:`~swiftkit.core.templates.media.MediaOptions`), or ``None``
    for a row without media. Raises :class:`RowError` naming the medium's field."""
    stored = _read(text)
    if not any(stored.get(c) for c in ("images", "videos", "audios")):
        return None
    from swiftkit.core.data.errors import DatasetRowError
    from swiftkit.data.media import load_media

    options = getattr(template, "media_options", None)
    processor = template.media_processor(getattr(template, "tokenizer", None)) if processor is None else processor
    rate = getattr(options, "sampling_rate", None) or getattr(processor, "sampling_rate", None)
    try:
        return load_media(stored, options=options, cache=cache, sampling_rate=rate)
    except DatasetRowError as exc:
        raise RowError(exc.field, exc.reason) from None


def expand_prompt(settings: Any, messages: list[dict[str, Any]], media_text: Any) -> tuple[list[dict[str, Any]], Any]:
    """``(prompt, processor)``: the prompt messages with every media tag replaced by its
    expanded text (the row's media processed once), and the processor whose media tokens must
    not be labelled (``None`` for a row without media, whose messages come back as they are)."""
    from swiftkit.data.media_column import ground_messages

    template, tokenizer = settings.template, settings.tokenizer
    stored = _read(media_text)
    processor = template.media_processor(tokenizer) if stored else None
    media = load_row_media(stored, template, processor=processor)
    if media is None:  # a tag without its medium is refused by a multimodal template
        try:
            template.with_media(messages, None, tokenizer)
        except ValueError as exc:
            raise RowError("messages", str(exc)) from None
        return messages, None
    messages = ground_messages(messages, stored.get("objects"), processor)  # grounding rows: objects as text
    try:
        prompt, _, processor = template.with_media(messages, media, tokenizer)
    except ValueError as exc:  # tags and media disagree, or a text-only template
        raise RowError("messages", str(exc)) from None
    return prompt, processor


def mask_media(labels: list[int], ids: list[int], processor: Any) -> list[int]:
    """``labels`` with every media token of ``processor`` set to -100 (never trained on)."""
    if processor is None:
        return labels
    masked = processor.media_token_ids()
    return [-100 if t in masked else label for t, label in zip(ids, labels, strict=True)]


def request_media(text: Any) -> dict[str, list[Any]]:
    """A ``media`` column value as :class:`~swiftkit.core.engines.interface.ChatRequest`
    keyword arguments (``images`` / ``videos`` / ``audios``: the stored references, which an
    engine reads like any request's media)."""
    stored = _read(text)
    return {c: list(stored[c]) for c in ("images", "videos", "audios") if stored.get(c)}


class MediaBatcher:
    """Decodes and processes rows' media for a batch, once per row, and lays the results out
    for the sequences built on them (see the module docstring). Picklable: the processor and
    the image cache are created on first use in the process that batches."""

    def __init__(self, template: Any, tokenizer: Any, *, cache_bytes: int = 256 * 2**20):
        self.template = template
        self.tokenizer = tokenizer
        self.cache_bytes = cache_bytes
        self._cache: Any = None
        self._processor: Any = None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cache"] = state["_processor"] = None
        return state

    @property
    def processor(self) -> Any:
        if self._processor is None:
            self._processor = self.template.media_processor(self.tokenizer)
            if self._processor is None:
                raise RowError("media", f"template {self.template.spec.id!r} reads text only, but the rows have media; "
                               "choose a multimodal model's template")
        return self._processor

    def row_inputs(self, texts: Sequence[Any]) -> list[dict[str, Any]]:
        """One ``process`` result per row (``{}`` for a row without media)."""
        if self._cache is None:
            from swiftkit.data.media import MediaCache

            self._cache = MediaCache(self.cache_bytes)
        out = []
        for text in texts:
            media = load_row_media(text, self.template, cache=self._cache, processor=self.processor if text else None)
            out.append({} if media is None else self.processor.process(media))
        return out

    def collate(self, rows: Sequence[dict[str, Any]], input_ids: Any) -> dict[str, Any]:
        """The model inputs of a batch whose sequence ``i`` is built on the prompt whose
        :meth:`row_inputs` result is ``rows[i]`` (the same dict may appear several times: pixels
        are shared, not recomputed); ``{}`` when no row has media."""
        if not any(rows):
            return {}
        if len(rows) != int(input_ids.shape[0]):
            raise ValueError(f"{len(rows)} rows of media inputs for a batch of {int(input_ids.shape[0])} sequences")
        return self.processor.collate(list(rows), input_ids)


def has_media(features: Sequence[dict[str, Any]]) -> bool:
    """Whether any encoded row of a batch holds media."""
    return any(f.get(MEDIA_COLUMN) for f in features)
