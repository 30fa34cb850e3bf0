"""What a template's ``behaviour`` reference must implement.

A :class:`Template` renders conversations as ``(text, trainable)`` segments; everything else
(training encoding, inference prompts, stop tokens) is shared logic on this base class, so a
new template behaviour only has to implement :meth:`Template.render_segments` and
:meth:`Template.chat_template`.

Getting a template::

    template = registry.template("qwen2_5")                        # spec-driven, needs no tokenizer
    template = registry.template("tokenizer", tokenizer=tokenizer)  # the tokenizer's own chat_template
    template = registry.template(name).bind(tokenizer)              # the same, for any template

A template that needs a tokenizer to render (``requires_tokenizer``, e.g. the generic
``tokenizer`` template that renders with ``tokenizer.apply_chat_template``) raises a
:class:`ValueError` from ``render``/``render_segments``/``chat_template`` until it is bound;
``encode``/``encode_prompt``/``stop_token_ids`` take the tokenizer as an argument and bind to it
themselves. Binding a template that does not need a tokenizer is harmless, so a trainer can
always bind.

What the loss covers (``encode``): the trainable segments are each assistant reply *with the
template's end-of-turn text* (``assistant_suffix`` for spec templates: ``<|im_end|>\\n`` for
ChatML, ``<|eot_id|>`` for Llama 3, `` </s>`` for Llama 2, ``<end_of_turn>\\n`` for Gemma,
``<|end|>\\n`` for Phi-3), so the model learns to emit the end token and stop. The assistant
header (``<|im_start|>assistant\\n``, the generation prompt) is never labelled except with
``loss_scale="all"``.

Reasoning models (ms-swift's ``loss_scale`` values, :data:`LOSS_SCALES`): with ``"default"``
every reply is trained with its thinking block, earlier replies keeping theirs;
``"last_round"`` trains only the final reply, and a thinking template then drops the reasoning
of earlier replies as its prompt does; ``"ignore_empty_think"`` is ``"default"`` with empty
thinking blocks (``<think>\\n\\n</think>\\n\\n``, what a hybrid model writes when thinking is
off) left out of the loss, so training on answers without reasoning does not teach the model
to skip thinking; ``"last_round_with_ignore_empty_think"`` combines both.
"""

from __future__ import annotations

import copy
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from swiftkit.core.specs import TemplateSpec

Message = dict  # {"role": "system"|"user"|"assistant"|"tool", "content": str}

#: label value the loss ignores (the PyTorch / transformers convention)
IGNORE_INDEX = -100

#: ``loss_scale`` values :meth:`Template.encode` understands (ms-swift's names)
LOSS_SCALES = ("default", "last_round", "all", "ignore_empty_think", "last_round_with_ignore_empty_think")

#: "leave this option as it is" in :meth:`Template.configure`
_KEEP: Any = object()

#: an empty thinking block, as ms-swift's ``ignore_empty_think`` matches it
EMPTY_THINK = re.compile(r"<think>\s*</think>\s*")


def _without_empty_think(segments: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    """Trainable segments split so that empty thinking blocks in them are not trainable."""
    out: list[tuple[str, bool]] = []
    for text, train in segments:
        if not train:
            out.append((text, False))
            continue
        pos = 0
        for m in EMPTY_THINK.finditer(text):
            if m.start() > pos:
                out.append((text[pos : m.start()], True))
            out.append((m.group(0), False))
            pos = m.end()
        if pos < len(text):
            out.append((text[pos:], True))
    return out


def apply_loss_scale(segments: Sequence[tuple[str, bool]], loss_scale: str) -> list[tuple[str, bool]]:
    """Re-mark a template's ``(text, trainable)`` segments for ``loss_scale``.

    ``"default"`` keeps the template's marks (every assistant reply with its end-of-turn text),
    ``"last_round"`` keeps only the last trainable segment (the final assistant reply),
    ``"all"`` marks every segment trainable; ``"ignore_empty_think"`` and
    ``"last_round_with_ignore_empty_think"`` are ``"default"`` and ``"last_round"`` with every
    empty thinking block (:data:`EMPTY_THINK`) inside a trainable segment split off as not
    trainable. Segments keep their text: concatenated they are the same rendering.
    """
    segments = [(text, bool(train)) for text, train in segments]
    if loss_scale not in LOSS_SCALES:
        raise ValueError(f"unknown loss_scale {loss_scale!r}; expected one of: {', '.join(LOSS_SCALES)}")
    if loss_scale == "all":
        return [(text, True) for text, _ in segments]
    if loss_scale.startswith("last_round"):
        last = max((i for i, (_, train) in enumerate(segments) if train), default=None)
        segments = [(text, i == last) for i, (text, _) in enumerate(segments)]
    if loss_scale.endswith("ignore_empty_think"):
        segments = _without_empty_think(segments)
    return segments


def _ids(tokenizer: Any, text: str) -> list[int]:
    return list(tokenizer(text, add_special_tokens=False)["input_ids"])


def _batched(tokenizer: Any) -> bool:
    """Whether ``tokenizer`` is a Hugging Face tokenizer, whose call takes a list of texts and
    returns the ids of each exactly as one call per text would (no padding asked)."""
    import sys

    tf = sys.modules.get("transformers")  # not imported: the tokenizer cannot be one of its classes
    base = getattr(tf, "PreTrainedTokenizerBase", None) if tf is not None else None
    return base is not None and isinstance(tokenizer, base)


#: tokenizer class -> whether its ``__call__`` is transformers' own (its Rust backend may then be called directly)
_PLAIN_CALL: dict[type, bool] = {}

#: the transformers modules whose ``__call__`` path only hands the texts to the Rust backend
_HF_BASES = ("transformers.tokenization_utils_base", "transformers.tokenization_utils_tokenizers",
             "transformers.tokenization_utils_fast")


def _backend(tokenizer: Any) -> Any:
    """The Rust ``tokenizers.Tokenizer`` behind a Hugging Face fast tokenizer when calling it
    directly gives the ids ``tokenizer(texts, add_special_tokens=False)`` gives, else ``None``.

    That holds when the tokenizer's class keeps transformers' call path (no override that
    changes the texts or the backend's state, no source/target language modes) and the backend
    has no truncation, padding or special-token splitting set (the call would reset them)."""
    cls = type(tokenizer)
    plain = _PLAIN_CALL.get(cls)
    if plain is None:
        names = ("__call__", "_call_one", "_encode_plus", "_batch_encode_plus", "encode_plus", "batch_encode_plus")
        plain = not hasattr(cls, "_switch_to_input_mode") and all(
            getattr(getattr(cls, n, None), "__module__", _HF_BASES[0]) in _HF_BASES for n in names)
        _PLAIN_CALL[cls] = plain
    backend = getattr(tokenizer, "_tokenizer", None)
    if not plain or backend is None or not hasattr(backend, "encode_batch"):
        return None
    try:
        if (backend.truncation is not None or backend.padding is not None or getattr(backend, "encode_special_tokens", False)
                or getattr(tokenizer, "split_special_tokens", False)):
            return None
    except AttributeError:
        return None
    return backend


def _many_ids(tokenizer: Any, texts: list[str]) -> list[list[int]]:
    """``[_ids(tokenizer, t) for t in texts]`` in one tokenizer call where the tokenizer takes a
    batch: the per-call overhead of a Hugging Face tokenizer (tens of microseconds) is paid
    once per call instead of once per text (the hot path of tokenizing a dataset), and its Rust
    backend is called directly where that gives the same ids (:func:`_backend`: no per-text
    Python objects, no offsets computed). The backend tokenizes a batch on several threads
    unless ``TOKENIZERS_PARALLELISM`` says otherwise (the data pipeline turns it off in its
    worker processes)."""
    if len(texts) > 1 and _batched(tokenizer):
        backend = _backend(tokenizer)
        if backend is not None:
            encode = getattr(backend, "encode_batch_fast", None) or backend.encode_batch
            return [e.ids for e in encode(texts, add_special_tokens=False)]
        return [list(ids) for ids in tokenizer(texts, add_special_tokens=False)["input_ids"]]
    return [_ids(tokenizer, t) for t in texts]


#: tokenizer -> (its size and special tokens when looked at, its anchor): ``_anchor`` tokenizes
#: a few special tokens, once per conversation without this; a tokenizer changed since is looked at again
_ANCHORS: Any = None


def _cached_anchor(tokenizer: Any) -> tuple[str, int] | None:
    global _ANCHORS
    import weakref

    if _ANCHORS is None:
        _ANCHORS = weakref.WeakKeyDictionary()
    try:
        key = (len(tokenizer), *(getattr(tokenizer, n, None) for n in ("eos_token", "bos_token", "pad_token", "unk_token")))
        hit = _ANCHORS.get(tokenizer)
        if hit is not None and hit[0] == key:
            return hit[1]
        anchor = _anchor(tokenizer)
        _ANCHORS[tokenizer] = (key, anchor)
    except TypeError:  # not sized, hashable or weak-referenceable: no cache
        return _anchor(tokenizer)
    return anchor


def _anchor(tokenizer: Any) -> tuple[str, int] | None:
    """A special token that is one id and swallows no neighbouring whitespace, or ``None``."""
    decoder = getattr(tokenizer, "added_tokens_decoder", None) or {}
    names = [getattr(tokenizer, n, None) for n in ("eos_token", "bos_token", "pad_token", "unk_token")]
    for name in [*names, *getattr(tokenizer, "all_special_tokens", [])]:
        if not isinstance(name, str) or not name:
            continue
        ids = _ids(tokenizer, name)
        if len(ids) != 1:
            continue
        added = decoder.get(ids[0])
        if added is not None and (getattr(added, "lstrip", False) or getattr(added, "rstrip", False)):
            continue
        return name, ids[0]
    return None


def tokenize_segments(tokenizer: Any, segments: Sequence[tuple[str, bool]]) -> tuple[list[int], list[int]]:
    """Tokenize ``(text, trainable)`` segments one by one and concatenate them.

    Returns ``(input_ids, labels)``; ``labels`` are the ids on trainable segments and
    :data:`IGNORE_INDEX` elsewhere. No special tokens are added (the template text carries its
    own BOS); special tokens written in the text become their single ids.

    Each segment after the first is tokenized as a *continuation* — behind a special token
    that is then dropped — so a tokenizer that adds a word-start marker at the start of its
    input (SentencePiece-style ``Metaspace`` with ``prepend_scheme="first"``) tokenizes it as
    it would inside the whole text. The result equals ``tokenizer(text)`` of the concatenated
    text whenever every segment boundary is a pre-tokenization boundary (always when a special
    token sits at it); otherwise the pieces either side of a boundary are tokenized apart, which
    is what makes the ids of the prompt part end exactly like the inference prompt.
    """
    return tokenize_many(tokenizer, [segments])[0]


def tokenize_many(tokenizer: Any, conversations: Sequence[Sequence[tuple[str, bool]]]) -> list[tuple[list[int], list[int]]]:
    """:func:`tokenize_segments` of each conversation's segments, with the same ids, in one
    tokenizer call for all of them when the tokenizer takes a batch (a Hugging Face tokenizer):
    what :meth:`Template.encode_many` uses to tokenize a batch of dataset rows at once."""
    anchor = _cached_anchor(tokenizer)
    plans: list[list[tuple[int, str, bool]]] = []
    texts: list[str] = []
    for segments in conversations:
        kept = [(k, text, bool(trainable)) for k, (text, trainable) in enumerate(segments) if text]
        plans.append(kept)
        texts.extend(anchor[0] + text if k and anchor is not None else text for k, text, _ in kept)
    pieces = iter(_many_ids(tokenizer, texts))
    out: list[tuple[list[int], list[int]]] = []
    for kept in plans:
        input_ids: list[int] = []
        labels: list[int] = []
        for k, text, trainable in kept:
            ids = next(pieces)
            if k and anchor is not None:
                ids = ids[1:] if ids and ids[0] == anchor[1] else _ids(tokenizer, text)
            input_ids.extend(ids)
            labels.extend(ids if trainable else [IGNORE_INDEX] * len(ids))
        out.append((input_ids, labels))
    return out


def _attempt(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)``, or the exception it raised (one conversation of a batch)."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - handed back to the caller, per conversation
        return exc


def _encoded(input_ids: list[int], labels: list[int], inputs: dict[str, Any], processor: Any) -> dict[str, Any]:
    """What :meth:`Template.encode` returns: media tokens are never labelled."""
    if processor is None:
        return {"input_ids": input_ids, "labels": labels}
    masked = processor.media_token_ids()
    labels = [IGNORE_INDEX if t in masked else label for t, label in zip(input_ids, labels, strict=True)]
    return {"input_ids": input_ids, "labels": labels, "media_inputs": inputs}


class Template(ABC):
    """Renders conversations in one chat format.

    The same object renders the text a model is trained on, the prompt it is asked at
    inference, and the Jinja ``chat_template`` exported with its tokenizer, so the three
    cannot drift apart.

    Created as ``behaviour(spec)`` or ``behaviour(spec, tokenizer=tokenizer)``; see the module
    docstring for templates that need a tokenizer (:attr:`requires_tokenizer`) and :meth:`bind`.
    """

    #: whether rendering needs a tokenizer (bind one with :meth:`bind` or the ``tokenizer`` argument)
    requires_tokenizer: ClassVar[bool] = False

    #: ``--enable_thinking`` (ms-swift's flag) for reasoning templates: ``None`` leaves the
    #: template's default; set it with :meth:`configure`
    enable_thinking: bool | None = None

    #: ``--add_non_thinking_prefix`` (ms-swift's flag): in training, a reasoning template puts its
    #: non-thinking prefix before replies without a thinking block; set it with :meth:`configure`
    add_non_thinking_prefix: bool = True

    #: the :class:`~swiftkit.core.templates.agent.AgentTemplate` that writes tools, tool calls and
    #: tool results into this template's turns (``--agent_template``, else the spec's
    #: ``agent_template``); ``None`` until set with :meth:`configure` (API 1.3)
    agent_template: Any = None

    #: how media are sampled (:class:`~swiftkit.core.templates.media.MediaOptions`); set it with
    #: :meth:`configure`; ``None``: the family processor's defaults (API 1.4)
    media_options: Any = None

    def __init__(self, spec: TemplateSpec, tokenizer: Any = None):
        self.spec = spec
        self.tokenizer = tokenizer

    def configure(self, *, enable_thinking: Any = _KEEP, add_non_thinking_prefix: Any = _KEEP,
                  agent_template: Any = _KEEP, media_options: Any = _KEEP) -> Template:
        """A copy of this template with run options set (this one is left unchanged); options
        not given keep their value.

        ``enable_thinking``: whether the generation prompt of a reasoning template opens a
        thinking block (``False`` gives Qwen3's empty ``<think>\\n\\n</think>\\n\\n``, as its
        chat template does with ``enable_thinking=False``); ``None`` is the template's default.
        ``add_non_thinking_prefix``: ``False`` trains replies without a thinking block as they are
        (``None`` is ``True``, the default). Templates without thinking ignore both.
        ``agent_template``: the :class:`~swiftkit.core.templates.agent.AgentTemplate` used by
        :meth:`with_tools`. ``media_options``: the
        :class:`~swiftkit.core.templates.media.MediaOptions` of a multimodal template.
        """
        configured = copy.copy(self)
        if media_options is not _KEEP:
            configured.media_options = media_options
            configured._media = None
        if agent_template is not _KEEP:
            configured.agent_template = agent_template
        if enable_thinking is not _KEEP:
            configured.enable_thinking = enable_thinking
        if add_non_thinking_prefix is not _KEEP:
            configured.add_non_thinking_prefix = add_non_thinking_prefix is not False
        return configured

    def bind(self, tokenizer: Any) -> Template:
        """A copy of this template bound to ``tokenizer`` (this template is left unchanged)."""
        bound = copy.copy(self)
        bound.tokenizer = tokenizer
        bound._media = None
        bound._bound(tokenizer)
        return bound

    def _bound(self, tokenizer: Any) -> None:  # noqa: B027 - an optional hook
        """Called on the copy :meth:`bind` returns; check the tokenizer or reset caches here."""

    def _for(self, tokenizer: Any) -> Template:
        """This template, bound to ``tokenizer`` when it needs one and is bound to another."""
        if tokenizer is None:
            if self.tokenizer is None:
                raise ValueError(f"template {self.spec.id!r}: a tokenizer is needed")
            return self
        if not self.requires_tokenizer or self.tokenizer is tokenizer:
            return self
        return self.bind(tokenizer)

    # ------------------------------------------------------------------ rendering

    def with_tools(self, messages: list[Message], tools: list[dict] | None = None) -> list[Message]:
        """A conversation in the canonical tool form (assistant ``tool_calls``, ``tool`` results;
        see :mod:`swiftkit.core.templates.agent`) with its ``tools``, as the plain messages this
        template renders, written by :attr:`agent_template`. A conversation with neither tools nor
        calls comes back unchanged (its tool results keep the template's ``tool`` format)."""
        if not tools and not any(m.get("tool_calls") for m in messages):
            return [m if set(m) <= {"role", "content"} else {"role": m["role"], "content": m.get("content") or ""}
                    for m in messages]
        agent = self.agent_template
        if agent is None:  # not configured: the spec's default (react_en when it names none)
            from swiftkit.core.registry import get_registry

            agent = get_registry().agent_template(template=self.spec)
        return agent.render_messages(messages, tools, template=self.spec)

    @abstractmethod
    def render_segments(self, messages: list[Message], *, add_generation_prompt: bool = False) -> list[tuple[str, bool]]:
        """Return the conversation as ``(text, trainable)`` segments in order; concatenated they
        are the rendered text.

        Each assistant message gives one trainable segment (none when its reply and
        end-of-turn text are both empty): its reply with the end-of-turn text that follows it
        (what the loss covers); everything else, including the assistant header, is not
        trainable. No segment is empty. Malformed conversations raise :class:`ValueError`
        naming the message index.
        """

    def training_segments(self, messages: list[Message], *, loss_scale: str = "default") -> list[tuple[str, bool]]:
        """The segments :meth:`encode` labels for ``loss_scale``, before :func:`apply_loss_scale`.

        By default :meth:`render_segments` of the conversation; a template whose training text
        differs from its prompt text overrides it (a reasoning template keeps the thinking of
        earlier replies unless ``loss_scale`` is a ``last_round`` variant, as ms-swift does).
        """
        return self.render_segments(messages, add_generation_prompt=False)

    def render(self, messages: list[Message], *, add_generation_prompt: bool = False) -> str:
        """Return the conversation as text (with the assistant prefix appended on request)."""
        return "".join(t for t, _ in self.render_segments(messages, add_generation_prompt=add_generation_prompt))

    @abstractmethod
    def chat_template(self) -> str:
        """Return the Jinja chat template that renders exactly like :meth:`render`."""

    @property
    def stop_words(self) -> list[str]:
        """Strings that end a generated reply (the end-of-turn text first)."""
        return list(self.spec.stop_words)

    def stop_token_ids(self, tokenizer: Any = None) -> list[int]:
        """Token ids that end generation: each stop word that is a single token of
        ``tokenizer``, then its ``eos_token_id``; no duplicates. Multi-token stop words are
        left to string matching (:attr:`stop_words`)."""
        template = self._for(tokenizer)
        tokenizer = template.tokenizer if tokenizer is None else tokenizer
        ids: list[int] = []
        for word in template.stop_words:
            word_ids = _ids(tokenizer, word)
            if len(word_ids) == 1 and word_ids[0] not in ids:
                ids.append(word_ids[0])
        eos = getattr(tokenizer, "eos_token_id", None)
        if isinstance(eos, int) and eos not in ids:
            ids.append(eos)
        return ids

    # ------------------------------------------------------------------ encoding

    def encode(self, tokenizer: Any, messages: list[Message], *, loss_scale: str = "default",
               media: Any = None) -> dict[str, Any]:
        """Tokenize a conversation for training: ``{"input_ids": [...], "labels": [...]}`` with
        ``labels`` equal to ``input_ids`` on trainable tokens and :data:`IGNORE_INDEX` elsewhere.

        The conversation must end with an assistant reply. ``loss_scale``: ``"default"`` every
        assistant reply with its end-of-turn text, ``"last_round"`` only the final one,
        ``"all"`` every token, ``"ignore_empty_think"`` / ``"last_round_with_ignore_empty_think"``
        as the first two without empty thinking blocks (:func:`apply_loss_scale`); the text is
        :meth:`training_segments`. Segments are tokenized one by one (:func:`tokenize_segments`),
        so a label boundary never falls inside a token. Not truncated: the data pipeline
        applies ``max_length`` with the run's truncation strategy. ``tokenizer`` may be
        ``None`` for a template bound to one.

        ``media`` (:class:`~swiftkit.core.templates.media.Media`, API 1.4): the conversation's
        media, one per tag; the result then also holds the model inputs of
        :meth:`MediaProcessor.process <swiftkit.core.templates.media.MediaProcessor.process>`
        under ``"media_inputs"``, and no media token is labelled (:meth:`with_media`).
        """
        template, tokenizer = self._encoding_for(tokenizer, loss_scale)
        segments, inputs, processor = template._training_plan(tokenizer, messages, loss_scale, media)
        return _encoded(*tokenize_segments(tokenizer, segments), inputs, processor)

    def encode_many(self, tokenizer: Any, conversations: Sequence[list[Message]], *,
                    loss_scale: str = "default") -> list[dict[str, Any] | Exception]:
        """:meth:`encode` of each conversation (text only, no media), tokenized together: one
        tokenizer call for the whole batch with a Hugging Face tokenizer (:func:`tokenize_many`),
        the same ids as :meth:`encode` one by one. The data pipeline calls it (through the sft
        and pt layouts) once per ``datasets`` batch of about 1,000 rows.

        Returns one item per conversation, in order: what :meth:`encode` returns for it, or the
        exception :meth:`encode` would raise for it (a malformed conversation does not cost the
        rest of the batch). Raises at once only for what is wrong with every conversation (an
        unknown ``loss_scale``, no tokenizer). A template class that overrides :meth:`encode`
        (plugin API 1.0 allowed it) has each conversation encoded by its own :meth:`encode`;
        do not override this method to change the encoding — override
        :meth:`training_segments` or :meth:`render_segments`, which both paths use.
        """
        if type(self).encode is not Template.encode:
            return [_attempt(self.encode, tokenizer, messages, loss_scale=loss_scale) for messages in conversations]
        template, tokenizer = self._encoding_for(tokenizer, loss_scale)
        plans = [_attempt(template._training_plan, tokenizer, messages, loss_scale, None) for messages in conversations]
        ok = [p for p in plans if not isinstance(p, Exception)]
        tokenized = iter(tokenize_many(tokenizer, [segments for segments, _, _ in ok]))
        return [p if isinstance(p, Exception) else _encoded(*next(tokenized), p[1], p[2]) for p in plans]

    def _encoding_for(self, tokenizer: Any, loss_scale: str) -> tuple[Template, Any]:
        """The template bound for encoding and the tokenizer to use; refuses an unknown ``loss_scale``."""
        if loss_scale not in LOSS_SCALES:
            raise ValueError(f"unknown loss_scale {loss_scale!r}; expected one of: {', '.join(LOSS_SCALES)}")
        template = self._for(tokenizer)
        return template, template.tokenizer if tokenizer is None else tokenizer

    def _training_plan(self, tokenizer: Any, messages: list[Message], loss_scale: str,
                       media: Any) -> tuple[list[tuple[str, bool]], dict[str, Any], Any]:
        """``(labelled segments, media inputs, media processor)`` of one conversation for :meth:`encode`."""
        messages, inputs, processor = self.with_media(messages, media, tokenizer)
        segments = self.training_segments(messages, loss_scale=loss_scale)
        last = messages[-1]
        if last.get("role") != "assistant":
            raise ValueError(
                f"message {len(messages) - 1}: a conversation for training must end with an assistant reply "
                f"(the last message has role {last.get('role')!r})"
            )
        return apply_loss_scale(segments, loss_scale), inputs, processor

    def encode_prompt(self, tokenizer: Any, messages: list[Message], *, media: Any = None) -> list[int]:
        """Token ids of the inference prompt: the conversation rendered with the assistant
        prefix and tokenized as one text without added special tokens, i.e. what
        ``tokenizer.apply_chat_template(messages, tokenize=True, add_generation_prompt=True)``
        gives with this template's ``chat_template``. With ``media`` the ids are expanded
        (:meth:`encode_prompt_inputs` also gives the model inputs)."""
        return self.encode_prompt_inputs(tokenizer, messages, media=media)["input_ids"]

    def encode_prompt_inputs(self, tokenizer: Any, messages: list[Message], *, media: Any = None) -> dict[str, Any]:
        """``{"input_ids": [...], "media_inputs": {...}}``: the inference prompt of a conversation
        with media (``media_inputs`` is ``{}`` without them), what an engine generates from."""
        template = self._for(tokenizer)
        tokenizer = template.tokenizer if tokenizer is None else tokenizer
        messages, inputs, _ = template.with_media(messages, media, tokenizer)
        return {"input_ids": _ids(tokenizer, template.render(messages, add_generation_prompt=True)),
                "media_inputs": inputs}

    # ------------------------------------------------------------------ media (API 1.4)

    def media_processor(self, tokenizer: Any = None) -> Any:
        """The spec's :class:`~swiftkit.core.templates.media.MediaProcessor` for ``tokenizer``
        and :attr:`media_options` (created once per bound copy), or ``None`` for a text
        template."""
        ref = getattr(self.spec, "media", None)
        if not ref:
            return None
        tokenizer = self.tokenizer if tokenizer is None else tokenizer
        cached = self.__dict__.get("_media")
        if cached is not None and cached.tokenizer is tokenizer:
            return cached
        from swiftkit.core.lazy import resolve

        processor = resolve(ref, "swiftkit.core.templates.media:MediaProcessor")(self.spec, tokenizer, self.media_options)
        self._media = processor
        return processor

    def with_media(self, messages: list[Message], media: Any, tokenizer: Any = None) -> tuple[list[Message], dict[str, Any], Any]:
        """``(messages, model inputs, processor)``: the conversation with every media tag replaced
        by its expanded text (:meth:`MediaProcessor.expand
        <swiftkit.core.templates.media.MediaProcessor.expand>`). A conversation without media
        and without tags comes back as it is, with ``({}, None)``.

        Raises :class:`ValueError` naming the kind when the tags and the media disagree in
        number, when the template reads no media, or when its family does not read that kind.
        """
        from swiftkit.core.templates.media import count_tags, replace_tags

        tags = count_tags(messages)
        given = media.counts() if media else dict.fromkeys(tags, 0)
        if not any(given.values()) and (not any(tags.values()) or not getattr(self.spec, "media", None)):
            return messages, {}, None  # a text template keeps a literal "<image>" in text as text
        for kind in tags:
            if tags[kind] != given[kind]:
                raise ValueError(f"the conversation has {tags[kind]} <{kind}> tag(s) but {given[kind]} {kind}(s)")
        processor = self.media_processor(tokenizer)
        if processor is None:
            kinds = ", ".join(k for k in tags if tags[k])
            raise ValueError(f"template {self.spec.id!r} reads text only, but the conversation has media ({kinds}); "
                             "choose a multimodal model's template")
        for kind in tags:
            if tags[kind] and kind not in processor.kinds:
                raise ValueError(f"template {self.spec.id!r} reads {', '.join(processor.kinds)}, not {kind}")
        inputs = processor.process(media)
        return replace_tags(messages, lambda kind, k: processor.expand(kind, k, inputs)), inputs, processor
