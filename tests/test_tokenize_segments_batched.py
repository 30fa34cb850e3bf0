"""Batched tokenization: ``tokenize_segments`` / ``tokenize_many`` make one tokenizer call for a
conversation or a whole batch of them, ``Template.encode_many`` and ``DataLayout.encode_batch``
encode a ``datasets`` batch at once; every id must equal one-by-one tokenization, a bad row
must not cost the others, and a tokenizer changed since must not be served a stale anchor."""

from __future__ import annotations

import os

import pytest

from swiftkit.core.errors import RowError
from swiftkit.core.templates import interface
from swiftkit.core.templates.interface import IGNORE_INDEX, tokenize_many, tokenize_segments
from swiftkit.testing.tokenizer import build_tokenizer


@pytest.fixture(scope="module")
def tok():
    return build_tokenizer("qwen2_5")


SEGMENTS = [("<|im_start|>user\nhello there<|im_end|>\n<|im_start|>assistant\n", False),
            ("the answer is 42", True), ("", True), ("<|im_end|>\n", True), (" trailing words", False)]

#: texts where a shortcut could go wrong: whitespace runs, unicode, special tokens inside words
TRICKY = ["  two  spaces\n\n\tand tabs ", "héllo wörld ✓ 日本語", "a<|im_end|>b<|im_start|>c", "\n", " ", "x" * 300,
          "<|im_end|><|im_end|>", "emoji 🙂 and combining e\u0301"]


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


class CountingBackend:
    """Stands in for the Rust backend, counting its batch calls."""

    def __init__(self, real):
        self.real, self.batches = real, []

    def __getattr__(self, name):
        return getattr(self.real, name)

    def encode_batch_fast(self, texts, **kw):
        self.batches.append(list(texts))
        return self.real.encode_batch(texts, **kw)

    encode_batch = encode_batch_fast


@pytest.fixture
def counting(tok, monkeypatch):
    tokenize_segments(tok, SEGMENTS)  # warm the anchor cache
    backend = CountingBackend(tok._tokenizer)
    monkeypatch.setattr(tok, "_tokenizer", backend)
    return backend


def test_one_call_per_conversation_gives_the_same_ids(tok, counting):
    expected = _one_by_one(tok, SEGMENTS)
    counting.batches.clear()
    assert tokenize_segments(tok, SEGMENTS) == expected
    assert len(counting.batches) == 1 and len(counting.batches[0]) == 4


def test_one_call_for_a_batch_of_conversations_gives_the_same_ids(tok, counting):
    conversations = [SEGMENTS, [(t, k % 2 == 1) for k, t in enumerate(TRICKY)], [("only one", True)], []]
    expected = [_one_by_one(tok, c) for c in conversations]
    counting.batches.clear()
    assert tokenize_many(tok, conversations) == expected
    assert len(counting.batches) == 1 and len(counting.batches[0]) == 4 + len(TRICKY) + 1


def test_the_backend_shortcut_gives_the_tokenizers_ids(tok):
    assert interface._backend(tok) is not None
    assert interface._many_ids(tok, TRICKY) == [list(tok(t, add_special_tokens=False)["input_ids"]) for t in TRICKY]


def test_a_backend_with_truncation_set_goes_through_the_tokenizer(tok):
    tok._tokenizer.enable_truncation(max_length=3)
    try:
        assert interface._backend(tok) is None
        ids = interface._many_ids(tok, ["a longer text than three tokens", "and another one"])
        assert all(len(x) > 3 for x in ids)  # the tokenizer's call resets the backend's truncation
    finally:
        tok._tokenizer.no_truncation()


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
    assert tokenize_many(Chars(), [[("ab", False)], [("c", True)]]) == [([97, 98], [IGNORE_INDEX] * 2), ([99], [99])]


# ---------------------------------------------------------------------------- templates and layouts

CONVERSATIONS = [
    [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello there"}],
    [{"role": "system", "content": "be brief"}, {"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"},
     {"role": "user", "content": "and 3+3?"}, {"role": "assistant", "content": "6, héllo ✓"}],
    [{"role": "user", "content": "no reply"}],  # malformed: does not end with an assistant reply
    [{"role": "user", "content": "x"}, {"role": "assistant", "content": "  spaced  out\n"}],
]


@pytest.fixture(scope="module")
def template():
    from swiftkit.core.registry import get_registry

    return get_registry().template("qwen2_5")


@pytest.mark.parametrize("loss_scale", ["default", "last_round", "all"])
def test_encode_many_equals_encode_and_hands_back_the_bad_conversation(tok, template, loss_scale):
    out = template.encode_many(tok, CONVERSATIONS, loss_scale=loss_scale)
    assert len(out) == len(CONVERSATIONS)
    for messages, got in zip(CONVERSATIONS, out, strict=True):
        if messages[-1]["role"] != "assistant":
            assert isinstance(got, ValueError) and "must end with an assistant reply" in str(got)
            with pytest.raises(ValueError, match="must end with an assistant reply"):
                template.encode(tok, messages, loss_scale=loss_scale)
        else:
            assert got == template.encode(tok, messages, loss_scale=loss_scale)
    with pytest.raises(ValueError, match="unknown loss_scale"):
        template.encode_many(tok, CONVERSATIONS, loss_scale="most")


def test_a_template_with_its_own_encode_keeps_it(tok, template):
    class OwnEncode(type(template)):  # what a plugin API 1.0 template may do
        def encode(self, tokenizer, messages, *, loss_scale="default", media=None):
            enc = super().encode(tokenizer, messages, loss_scale=loss_scale, media=media)
            return {"input_ids": enc["input_ids"] + [7], "labels": enc["labels"] + [7]}

    own = OwnEncode(template.spec)
    out = own.encode_many(tok, CONVERSATIONS[:2])
    assert out == [own.encode(tok, m) for m in CONVERSATIONS[:2]] and out[0]["input_ids"][-1] == 7


def test_layout_encode_batch_equals_encode_row_by_row(tok, template):
    from swiftkit.core.data.layout import EncodeSettings, RowTooLong
    from swiftkit.data.layouts import PTLayout, SFTLayout

    rows = [{"messages": m, "agent": "", "media": ""} for m in CONVERSATIONS]
    rows.append({"messages": CONVERSATIONS[1], "agent": "{not json", "media": ""})
    for layout, extra in ((SFTLayout(), []), (PTLayout(), [{"messages": [], "text": "plain words", "media": ""}])):
        settings = EncodeSettings(template=template, tokenizer=tok, max_length=40, truncation_strategy="delete")
        batch = rows + extra
        got = layout.encode_batch(batch, settings)
        for row, enc in zip(batch, got, strict=True):
            try:
                want = layout.encode(row, settings)
            except Exception as exc:  # noqa: BLE001 - compared below
                want = exc
            assert type(enc) is type(want), (layout.id, row)
            if isinstance(want, Exception):
                assert str(enc) == str(want) and getattr(enc, "field", None) == getattr(want, "field", None)
            else:
                assert (enc.columns, enc.length, enc.trainable, enc.truncated) == (
                    want.columns, want.length, want.trainable, want.truncated)
        assert any(isinstance(e, RowTooLong) for e in got) and any(isinstance(e, RowError) for e in got[:5])


def test_a_forked_worker_turns_the_tokenizers_threads_off(tok, template, monkeypatch):
    from swiftkit.core.data.layout import EncodeSettings
    from swiftkit.data.layouts import SFTLayout
    from swiftkit.data.steps import EncodeRows

    settings = EncodeSettings(template=template, tokenizer=tok, max_length=None)
    encoder = EncodeRows(SFTLayout(), settings, ["messages", "agent", "media"], ["input_ids", "labels"])
    batch = {"messages": CONVERSATIONS[:2], "agent": ["", ""], "media": ["", ""], "_row": [1, 2]}
    monkeypatch.delenv("TOKENIZERS_PARALLELISM", raising=False)
    out = encoder(batch)  # the main process: left to the tokenizer
    assert "TOKENIZERS_PARALLELISM" not in os.environ and out["_status"] == ["", ""]
    encoder.main_pid = -1  # as seen from a worker
    assert encoder(batch) == out
    assert os.environ["TOKENIZERS_PARALLELISM"] == "false"


def test_forked_workers_take_the_encode_step_from_inherited_memory(tok, template):
    import pickle

    from swiftkit.core.data.layout import EncodeSettings
    from swiftkit.data.layouts import SFTLayout
    from swiftkit.data.steps import EncodeRows, shared_with_workers

    encoder = EncodeRows(SFTLayout(), EncodeSettings(template=template, tokenizer=tok), ["messages"], ["input_ids"])
    with shared_with_workers(encoder):
        sent = pickle.dumps(encoder)
        assert len(sent) < 200 and pickle.loads(sent) is encoder  # a reference: no tokenizer in the bytes
    copy = pickle.loads(pickle.dumps(encoder))  # outside a map: a full copy, usable anywhere
    assert copy is not encoder and copy._shared is None and copy.columns == ["messages"]
    with pytest.raises(RuntimeError, match="not forked while the step was shared"):
        pickle.loads(sent)


def test_a_layout_with_its_own_tokens_is_encoded_row_by_row(tok, template):
    from swiftkit.core.data.layout import EncodeSettings
    from swiftkit.data.layouts import SFTLayout

    class Doubled(SFTLayout):  # a plugin layout that changes what a row's tokens are
        def tokens(self, row, settings):
            ids, labels = super().tokens(row, settings)
            return ids * 2, labels * 2

    settings = EncodeSettings(template=template, tokenizer=tok)
    rows = [{"messages": m, "agent": "", "media": ""} for m in CONVERSATIONS[:2]]
    got = Doubled().encode_batch(rows, settings)
    assert [g.columns for g in got] == [Doubled().encode(r, settings).columns for r in rows]
    assert got[0].length == 2 * SFTLayout().encode(rows[0], settings).length
