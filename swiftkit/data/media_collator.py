"""Batches of multimodal rows: the text collator's batch plus the family's pixel inputs.

The encoded rows hold token ids (tags already expanded into the family's media tokens) and the
``media`` column's references (:mod:`swiftkit.data.media_column`), never pixels. For each batch
:class:`MediaCollator` decodes the media of its rows through a bounded
:class:`~swiftkit.data.media.MediaCache`, runs the template's processor
(:meth:`MediaProcessor.process <swiftkit.core.templates.media.MediaProcessor.process>` per row,
:meth:`~swiftkit.core.templates.media.MediaProcessor.collate` for the batch) and checks that the
media produce exactly as many media tokens as the stored ids hold (a processor or option that
changed since encoding would otherwise feed the model misaligned pixels). So a run holds at most
the cache's budget of decoded images, whatever the size of the dataset.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.errors import ConfigError

#: decoded-image bytes a collator keeps (per process)
DEFAULT_CACHE_BYTES = 256 * 2**20

__all__ = ["DEFAULT_CACHE_BYTES", "MediaCollator", "check_media_flags", "with_media"]


class MediaCollator:
    """Wraps a text collator (``base``: rows -> ``input_ids`` / ``labels`` / ... tensors) for rows
    with a ``media`` column. Picklable (the cache is rebuilt in each dataloader worker)."""

    def __init__(self, base: Any, template: Any, tokenizer: Any, *, cache_bytes: int = DEFAULT_CACHE_BYTES):
        self.base = base
        self.template = template
        self.tokenizer = tokenizer
        self.cache_bytes = cache_bytes
        self._cache: Any = None
        self._expected: dict[tuple[str, int, int], int] = {}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_cache"] = None  # holds a lock and decoded images: each process makes its own
        return state

    @property
    def cache(self) -> Any:
        if self._cache is None:
            from swiftkit.data.media import MediaCache

            self._cache = MediaCache(self.cache_bytes)
        return self._cache

    @property
    def processor(self) -> Any:
        return self.template.media_processor(self.tokenizer)

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        from swiftkit.data.media_column import read_column

        stored = [read_column(f.get("media")) for f in features]
        batch = self.base([{k: v for k, v in f.items() if k != "media"} for f in features])
        if not any(stored):
            return batch
        processor = self.processor
        if processor is None:
            raise ConfigError(f"template {self.template.spec.id!r} reads text only, but the training rows have media")
        media_ids = processor.media_token_ids()
        rows: list[dict[str, Any]] = []
        for i, (feature, media) in enumerate(zip(features, stored, strict=True)):
            if not media:
                rows.append({})
                continue
            inputs = processor.process(self._load(media))
            self._check(feature, media, inputs, media_ids, i)
            rows.append(inputs)
        batch.update(processor.collate(rows, batch["input_ids"]))
        return batch

    def _load(self, stored: dict[str, Any]) -> Any:
        from swiftkit.data.media import load_media

        options = getattr(self.template, "media_options", None)
        rate = getattr(options, "sampling_rate", None) or getattr(self.processor, "sampling_rate", None)
        return load_media(stored, options=options, cache=self.cache, sampling_rate=rate, source="training rows")

    def _check(self, feature: dict[str, Any], stored: dict[str, Any], inputs: dict[str, Any], media_ids: set[int],
               index: int) -> None:
        """The media tokens the processor's expansion gives equal those in the stored ids."""
        processor = self.processor
        want = 0
        for column, kind in (("images", "image"), ("videos", "video"), ("audios", "audio")):
            for k in range(len(stored.get(column) or [])):
                text = processor.expand(kind, k, inputs)
                key = (kind, len(text), hash(text))  # expansions repeat (one per image size): tokenized once
                if key not in self._expected:
                    if len(self._expected) >= 1024:  # never grows without bound
                        self._expected.clear()
                    ids = self.tokenizer(text, add_special_tokens=False)["input_ids"]
                    self._expected[key] = sum(1 for t in ids if t in media_ids)
                want += self._expected[key]
        ids = feature["input_ids"]
        ids = ids.tolist() if hasattr(ids, "tolist") else ids
        have = sum(1 for t in ids if t in media_ids)
        if have != want:
            raise ValueError(
                f"batch row {index}: its ids hold {have} media tokens but its media expand to {want}; the rows were "
                "encoded with other media options or another processor (re-run with --load_from_cache_file false)")


def with_media(collator: Any, template: Any, tokenizer: Any, config: dict[str, Any], layout: Any = None) -> Any:
    """``collator`` wrapped in a :class:`MediaCollator` when ``template`` reads media and the
    layout is the sft or pt layout (or derives from them); otherwise ``collator``.
    ``--padding_free`` with media is refused with the reason."""
    if template is None or not getattr(template.spec, "media", None):
        return collator
    from swiftkit.data.layouts import SFTLayout

    if layout is not None and not isinstance(layout, SFTLayout):
        return collator  # other layouts (preference pairs ...) batch their media in their own collators
    check_media_flags(config, template)
    return MediaCollator(collator, template, tokenizer)


def check_media_flags(config: dict[str, Any], template: Any) -> None:
    """Refuse what a multimodal template cannot batch (called as soon as the template is known)."""
    if template is not None and getattr(template.spec, "media", None) and config.get("padding_free"):
        raise ConfigError("--padding_free with a multimodal model: its pixel inputs and rotary positions are "
                          "per sample, and a flattened batch would mix them; drop --padding_free")
