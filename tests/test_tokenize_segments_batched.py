"""``tokenize_segments`` tokenizes a conversation in one tokenizer call and caches the anchor
token: the ids must equal segment-by-segment tokenization, and a tokenizer changed since
must not be served a stale anchor."""

from __future__ import annotations

import pytest

from swiftkit.core.templates import interface
from swiftkit.core.templates.interface import IGNORE_INDEX, tokenize_segments
from swiftkit.testing.tokenizer import build_tokenizer


@pytest.fixture(scope="module")
def tok():
    return build_tokenizer("qwen2_5")


SEGMENTS = [("<|im_start|>user\nhello there<|im_end|>\n<|im_start|>assistant\n", False),
            ("the answer is 42", True), ("", True), ("<|im_end|>\n", True), (" trailing words", False)]


def _one_by_one(tok, segments):
    """The reference: one tokenizer call per segment, continuations behind the anchor."""
    anchor = interface._anchor(tok)
    ids, labels = [], []
    for k, (text, trainable) in enumerate(segments):
        if not text:
            continue
        part = None
        if k and anchor is not None:
            anchored = list(tok(anchor[0] + text, add_special_tokens=False)["input_ids"])
            if anchored and anchored[0] == anchor[1]:
                part = anchored[1:]
        if part is None:
            part = list(tok(text, add_special_tokens=False)["input_ids"])
        ids += part
        labels += part if trainable else [IGNORE_INDEX] * len(part)
    return ids, labels


def test_one_call_per_conversation_gives_the_same_ids(tok, monkeypatch):
    calls = []
    real = type(tok).__call__

    def counting(self, text, *a, **kw):
        calls.append(text)
        return real(self, text, *a, **kw)

    expected = _one_by_one(tok, SEGMENTS)
    tokenize_segments(tok, SEGMENTS)  # warm the anchor cache
    monkeypatch.setattr(type(tok), "__call__", counting)
    assert tokenize_segments(tok, SEGMENTS) == expected
    assert len(calls) == 1 and isinstance(calls[0], list) and len(calls[0]) == 4


def test_anchor_is_looked_at_again_when_the_tokenizer_changes(tok):
    tokenize_segments(tok, SEGMENTS)
    before = interface._cached_anchor(tok)
    changed = build_tokenizer("qwen2_5")
    changed.add_special_tokens({"eos_token": "<|anchor_test|>"})
    anchor = interface._cached_anchor(changed)
    assert anchor is not None and anchor[0] == "<|anchor_test|>" and anchor != before
    assert tokenize_segments(changed, SEGMENTS) == _one_by_one(changed, SEGMENTS)


def test_a_tokenizer_that_takes_one_text_is_called_per_segment():
    class Chars:  # not a Hugging Face tokenizer, not sized: no batching, no cache
        def __call__(self, text, add_special_tokens=False):
            assert isinstance(text, str)
            return {"input_ids": [ord(c) for c in text]}

    ids, labels = tokenize_segments(Chars(), [("ab", False), ("c", True)])
    assert ids == [97, 98, 99] and labels == [IGNORE_INDEX, IGNORE_INDEX, 99]
