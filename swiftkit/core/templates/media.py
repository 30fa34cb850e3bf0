"""The multimodal half of a chat template: a family's media processor (plugin API 1.4).

A conversation with media is written as ms-swift writes it: ``<image>`` / ``<video>`` /
``<audio>`` tags in the message contents, the media themselves beside the messages, in order of
appearance (:class:`Media`). A template whose spec names a ``media`` processor
(:attr:`~swiftkit.core.specs.TemplateSpec.media`, a lazy ``"module:Class"`` reference to a
:class:`MediaProcessor` subclass) encodes such conversations; a text template refuses them.

How :meth:`~swiftkit.core.templates.interface.Template.encode` uses the processor (the shared
logic; a processor implements only the family's part):

1. :meth:`MediaProcessor.process` turns the decoded media of one conversation into the model's
   inputs (``pixel_values``, ``image_grid_thw``, ``input_features`` ...);
2. every tag in the contents is replaced, in order, by :meth:`MediaProcessor.expand` of its
   medium: the placeholder text the family's chat template writes for a content part
   (:meth:`MediaProcessor.placeholder`) with its pad token repeated once per feature the model
   will put there;
3. the conversation is rendered and tokenized as text; every token in
   :meth:`MediaProcessor.media_token_ids` gets label ``-100``;
4. rows are batched with :meth:`MediaProcessor.collate`.

Two parity rules make a family's processor correct, and its tests check both:

- the rendered prompt with *placeholders* (``Template.render`` of the messages after
  :func:`replace_tags` with :meth:`MediaProcessor.placeholder`) equals what the family's
  transformers processor's ``apply_chat_template`` gives for the same conversation as content
  parts;
- the *expanded* ``input_ids`` and the model inputs equal what the family's transformers
  processor gives for that rendered text and those media.

Processors are plain objects created per run (``MediaProcessor(template_spec, tokenizer,
options)``); heavy imports (transformers' image processors, torch, numpy) go inside methods.
Media arrive decoded (:class:`Media`): decoding, fetching and caching are the machinery's
(``swiftkit.data.media``), never a processor's.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

__all__ = ["MEDIA_KINDS", "TAGS", "COLUMNS", "Media", "MediaOptions", "MediaProcessor", "replace_tags", "count_tags"]

#: the kinds of media, in the order rows list their columns
MEDIA_KINDS: tuple[str, ...] = ("image", "video", "audio")
#: kind -> the tag that marks its place in a message's content (ms-swift's)
TAGS: dict[str, str] = {"image": "<image>", "video": "<video>", "audio": "<audio>"}
#: kind -> the row column holding its media (ms-swift's)
COLUMNS: dict[str, str] = {"image": "images", "video": "videos", "audio": "audios"}

_TAG_RE = re.compile("|".join(re.escape(t) for t in TAGS.values()))
_KIND_OF_TAG = {tag: kind for kind, tag in TAGS.items()}


@dataclass(frozen=True)
class MediaOptions:
    """How media are sampled, the same for every row of a run (ms-swift's names).

    Each field is a run option of the same name (``--max_pixels``) and falls back to the
    environment variable ms-swift reads (:data:`ENV`); ``None`` leaves the family processor's
    default. ``processor_dir`` is the checkpoint folder whose ``preprocessor_config.json`` /
    ``processor_config.json`` the processor reads (``None``: the family's defaults).
    """

    max_pixels: int | None = None  #: ``MAX_PIXELS``: an image is resized to at most this many pixels
    min_pixels: int | None = None  #: ``MIN_PIXELS``
    video_max_pixels: int | None = None  #: ``VIDEO_MAX_PIXELS``: per video frame
    video_min_pixels: int | None = None  #: ``VIDEO_MIN_PIXELS``
    fps: float | None = None  #: ``FPS``: frames sampled per second of video
    fps_max_frames: int | None = None  #: ``FPS_MAX_FRAMES``
    fps_min_frames: int | None = None  #: ``FPS_MIN_FRAMES``
    sampling_rate: int | None = None  #: ``SAMPLING_RATE``: audio is resampled to this rate (Hz)
    processor_dir: str | None = None

    #: field -> environment variable read when the option is not given
    ENV: ClassVar[dict[str, str]] = {
        "max_pixels": "MAX_PIXELS", "min_pixels": "MIN_PIXELS",
        "video_max_pixels": "VIDEO_MAX_PIXELS", "video_min_pixels": "VIDEO_MIN_PIXELS",
        "fps": "FPS", "fps_max_frames": "FPS_MAX_FRAMES", "fps_min_frames": "FPS_MIN_FRAMES",
        "sampling_rate": "SAMPLING_RATE",
    }

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None = None, *, processor_dir: str | None = None,
                    environ: Mapping[str, str] | None = None) -> MediaOptions:
        """Options from a run configuration's keys, else the environment. A value that is not a
        number raises :class:`ValueError` naming the option and where it came from."""
        config = config or {}
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {"processor_dir": processor_dir}
        for f in fields(cls):
            if f.name == "processor_dir":
                continue
            raw, where = config.get(f.name), f"--{f.name}"
            if raw is None and environ.get(cls.ENV[f.name]):
                raw, where = environ[cls.ENV[f.name]], f"${cls.ENV[f.name]}"
            if raw is None:
                continue
            kind = float if f.name == "fps" else int
            try:
                value = kind(raw)
            except (TypeError, ValueError):
                raise ValueError(f"{where} must be a number, got {raw!r}") from None
            if value <= 0:
                raise ValueError(f"{where} must be positive, got {raw!r}")
            values[f.name] = value
        return cls(**values)


@dataclass
class Media:
    """The decoded media of one conversation, each list in order of its tags.

    ``images``: PIL images (RGB); ``videos``: each a list of PIL frames already sampled with the
    run's :class:`MediaOptions` (``video_fps`` records the rate they were sampled at);
    ``audios``: each a 1-D float32 numpy array at ``sampling_rate`` Hz.
    """

    images: list[Any] = field(default_factory=list)
    videos: list[Any] = field(default_factory=list)
    audios: list[Any] = field(default_factory=list)
    video_fps: list[float] = field(default_factory=list)
    sampling_rate: int | None = None

    def of(self, kind: str) -> list[Any]:
        return getattr(self, COLUMNS[kind])

    def counts(self) -> dict[str, int]:
        return {kind: len(self.of(kind)) for kind in MEDIA_KINDS}

    def __bool__(self) -> bool:
        return any(self.counts().values())


def count_tags(messages: list[Mapping[str, Any]]) -> dict[str, int]:
    """How many tags of each kind the contents hold."""
    counts = dict.fromkeys(MEDIA_KINDS, 0)
    for m in messages:
        content = m.get("content")
        if isinstance(content, str):
            for tag in _TAG_RE.findall(content):
                counts[_KIND_OF_TAG[tag]] += 1
    return counts


def replace_tags(messages: list[Mapping[str, Any]], text_of: Any) -> list[dict[str, Any]]:
    """A copy of ``messages`` with the ``k``-th tag of each kind replaced by ``text_of(kind, k)``
    (tags counted across the whole conversation, in order)."""
    seen = dict.fromkeys(MEDIA_KINDS, 0)

    def sub(match: re.Match[str]) -> str:
        kind = _KIND_OF_TAG[match.group(0)]
        k = seen[kind]
        seen[kind] += 1
        return text_of(kind, k)

    out = []
    for m in messages:
        m = dict(m)
        if isinstance(m.get("content"), str):
            m["content"] = _TAG_RE.sub(sub, m["content"])
        out.append(m)
    return out


class MediaProcessor(ABC):
    """One family's media handling (see the module docstring for where each method is called).

    Subclass it, set :attr:`kinds`, implement :meth:`placeholder`, :meth:`process` and
    :meth:`expand`; override :meth:`collate` when the default (concatenate every tensor along
    dim 0) is not how the model takes a batch, and :meth:`media_token_ids` when the pad tokens
    are not the placeholder's special tokens.

    Created as ``Processor(template_spec, tokenizer, options)``; must be picklable (the data
    pipeline hands it to worker processes) and must not hold decoded media between calls.
    """

    #: the media kinds this family's model reads; a row with another kind is refused, naming it
    kinds: ClassVar[tuple[str, ...]] = ("image",)
    #: the audio rate (Hz) the family's feature extractor expects; audio is decoded at
    #: ``options.sampling_rate`` when given, else at this rate
    sampling_rate: ClassVar[int] = 16000

    def __init__(self, spec: Any, tokenizer: Any, options: MediaOptions | None = None):
        self.spec = spec
        self.tokenizer = tokenizer
        self.options = options or MediaOptions()

    @abstractmethod
    def placeholder(self, kind: str) -> str:
        """The text one content part of ``kind`` becomes in the family's chat template (Qwen2-VL:
        ``<|vision_start|><|image_pad|><|vision_end|>``), what replaces a tag before rendering."""

    @abstractmethod
    def process(self, media: Media) -> dict[str, Any]:
        """The model inputs of one conversation's media as tensors (``pixel_values``,
        ``image_grid_thw`` ...), as the family's transformers processor computes them for the
        run's :attr:`options`. Called once per row; must not keep the media."""

    @abstractmethod
    def expand(self, kind: str, index: int, inputs: dict[str, Any]) -> str:
        """The text the ``index``-th medium of ``kind`` takes in the sequence the model reads:
        :meth:`placeholder` with its pad token repeated once per feature, from ``inputs``
        (:meth:`process`'s result for the same row)."""

    def media_token_ids(self) -> set[int]:
        """Token ids never trained on: by default every special token of the placeholders of
        :attr:`kinds` that is a single token."""
        ids: set[int] = set()
        specials = set(getattr(self.tokenizer, "all_special_tokens", []) or [])
        specials |= {str(t) for t in (getattr(self.tokenizer, "added_tokens_decoder", {}) or {}).values()}
        for kind in self.kinds:
            for piece in re.findall(r"<[^<>\s]+>", self.placeholder(kind)):
                if piece in specials:
                    token_id = self.tokenizer.convert_tokens_to_ids(piece)
                    if isinstance(token_id, int) and token_id >= 0:
                        ids.add(token_id)
        return ids

    def format_ref(self, ref: str) -> str:
        """The text a grounding row's ``<ref-object>`` tag becomes (ms-swift's ``objects.ref``).
        Default: the phrase itself; a family whose chat format marks references overrides it
        (Qwen2-VL: ``<|object_ref_start|>...<|object_ref_end|>``). Optional (API 1.4)."""
        return ref

    def format_bbox(self, box: list[int]) -> str:
        """The text a grounding row's ``<bbox>`` tag becomes; ``box`` is ``[x1, y1, x2, y2]`` (or
        a point ``[x, y]``) in thousandths of its image (ms-swift's ``norm1000``). Default:
        ``[x1, y1, x2, y2]``. Optional (API 1.4)."""
        return "[" + ", ".join(str(int(v)) for v in box) + "]"

    def collate(self, rows: list[dict[str, Any]], input_ids: Any) -> dict[str, Any]:
        """The batch's model inputs from each row's :meth:`process` result (rows without media
        give ``{}``) and the batch's padded ``input_ids`` tensor. Default: each key's tensors
        concatenated along dim 0 (how Qwen-VL, LLaVA ... take a batch)."""
        import torch

        keys: list[str] = []
        for row in rows:
            keys += [k for k in row if k not in keys]
        batch: dict[str, Any] = {}
        for key in keys:
            parts = [row[key] for row in rows if key in row and row[key] is not None]
            if parts and all(hasattr(p, "shape") for p in parts):
                batch[key] = torch.cat([torch.as_tensor(p) for p in parts], dim=0)
        return batch
