"""Offline tokenizers for tests: a tiny byte-level BPE trained in code for any registered template.

No files and no hub: the BPE is trained in about 0.1 s on a small built-in corpus plus
conversations rendered with the template, so the template's markers (``[INST]``, ``<<SYS>>``,
role names) get merges of their own. The template's special tokens are real special tokens,
the end-of-turn stop word is the eos token, and ``chat_template`` is the Jinja the template
behaviour generates, so ``tokenizer.apply_chat_template`` renders exactly like the template.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerFast

    from swiftkit.core.specs import TemplateSpec
    from swiftkit.core.templates.interface import Template

#: Names a template's beginning-of-sequence token is conventionally spelled with.
BOS_NAMES = ("<|begin_of_text|>", "<bos>", "<s>", "<|startoftext|>")
PAD_TOKEN = "<pad>"

_SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Hello! How can I help you today?",
    "What is the capital of France? The capital of France is Paris.",
    "Please write a short poem about the sea.",
    "def add(a, b):\n    return a + b",
    "for i in range(10):\n    print(i * i)",
    '{"name": "get_weather", "arguments": {"city": "Berlin"}}',
    "The weather in Berlin is 21 degrees and sunny.",
    "Translate to German: good morning. Guten Morgen.",
    "1 + 1 = 2, 2 * 3 = 6, 10 / 4 = 2.5",
    "You are a helpful assistant. Answer briefly and accurately.",
    "Sure, here is a summary of the article in three sentences.",
    "I am sorry, but I cannot help with that request.",
    "Large language models are trained on text and fine-tuned on conversations.",
    "你好，世界！今天天气很好。",
    "Ça va? Très bien, merci. Äpfel, Öl, Übung, naïve café.",
]


def _conversations() -> list[list[dict[str, str]]]:
    s = _SENTENCES
    out = []
    for i in range(len(s)):
        q, a, q2, a2 = s[i], s[(i + 1) % len(s)], s[(i + 3) % len(s)], s[(i + 5) % len(s)]
        conv = [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        if i % 2:
            conv = [{"role": "system", "content": s[10]}, *conv]
        if i % 3 == 0:
            conv += [{"role": "user", "content": q2}, {"role": "assistant", "content": a2}]
        out.append(conv)
    return out


def default_corpus(template: Template | None = None) -> list[str]:
    """The built-in training corpus: plain sentences, plus conversations rendered with ``template``."""
    lines = [f"{s} {i}" for i in range(4) for s in _SENTENCES]
    if template is not None:
        for conv in _conversations():
            try:
                lines.append(template.render(conv, add_generation_prompt=False))
            except ValueError:  # e.g. a template without a system prompt
                lines.append(template.render([m for m in conv if m["role"] != "system"]))
    return lines


def _resolve(template: str | TemplateSpec | Template, registry: Any) -> tuple[TemplateSpec, Template]:
    from swiftkit.core.specs import TemplateSpec
    from swiftkit.core.templates.interface import Template

    if isinstance(template, Template):
        return template.spec, template
    if isinstance(template, TemplateSpec):
        from swiftkit.core.lazy import resolve

        cls = resolve(template.behaviour, TemplateSpec.REFS["behaviour"])
        return template, cls(template)
    if registry is None:
        from swiftkit.core.registry import get_registry

        registry = get_registry()
    behaviour = registry.template(template)
    return behaviour.spec, behaviour


def _default_bos(spec: TemplateSpec) -> str | None:
    if spec.prefix and spec.prefix in spec.special_tokens:
        return spec.prefix
    return next((t for t in BOS_NAMES if t in spec.special_tokens), None)


def build_tokenizer(
    template: str | TemplateSpec | Template = "chatml",
    *,
    registry: Any = None,
    vocab_size: int = 512,
    corpus: list[str] | None = None,
    bos_token: str | None = "auto",
    model_max_length: int = 2048,
) -> PreTrainedTokenizerFast:
    """A fresh byte-level BPE tokenizer for ``template`` (a registered name, a spec or a
    :class:`~swiftkit.core.templates.interface.Template`).

    - special tokens: the spec's ``special_tokens`` and ``stop_words``, plus ``<pad>``;
    - ``eos_token``: the first stop word (the end-of-turn token), or ``<|endoftext|>``;
    - ``bos_token``: ``"auto"`` takes the spec's ``prefix`` when it is a special token, else a
      special token spelled like a BOS (``<s>``, ``<bos>``, ...), else none;
    - ``chat_template``: the template behaviour's generated Jinja.

    Nothing is downloaded; ``corpus`` replaces the built-in training text.
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    spec, behaviour = _resolve(template, registry)
    eos = spec.stop_words[0] if spec.stop_words else "<|endoftext|>"
    bos = _default_bos(spec) if bos_token == "auto" else bos_token
    specials: list[str] = []
    for tok in [*spec.special_tokens, *spec.stop_words, eos, PAD_TOKEN, *([bos] if bos else [])]:
        if tok not in specials:
            specials.append(tok)

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus if corpus is not None else default_corpus(behaviour), trainer)

    others = [t for t in specials if t not in (eos, PAD_TOKEN, bos)]
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        eos_token=eos,
        pad_token=PAD_TOKEN,
        bos_token=bos,
        additional_special_tokens=others,
        chat_template=behaviour.chat_template(),
        model_max_length=model_max_length,
    )
