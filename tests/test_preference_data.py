"""Preference data (``swiftkit.data.preference``): the pair / KTO / prompt-only formats,
``prepare_datasets(layout=PreferenceLayout() | KTOLayout() | PromptLayout())`` and their collators.

Offline: the testing kit's BPE tokenizer and the registered ``qwen2_5`` template; the formats
are added through the plugin harness (their entry point may not be installed yet).
"""

from __future__ import annotations

import json

import pytest

from swiftkit.core.errors import RowError
from swiftkit.core.specs import FormatSpec
from swiftkit.data import DatasetError, DatasetRowError, prepare_datasets
from swiftkit.data.pair_collator import make_kto_collator, make_pair_collator, make_prompt_collator
from swiftkit.data.preference import KTOLayout, PreferenceLayout, PromptLayout
from swiftkit.plugins.datasets import converters as C

IGNORE = -100


@pytest.fixture(scope="module")
def registry():
    from swiftkit.testing.harness import PluginHarness

    harness = PluginHarness(include_installed=True)
    harness.add("swiftkit.plugins.datasets.preference_formats", group="swiftkit.datasets")
    return harness.registry()


@pytest.fixture(scope="module")
def tokenizer():
    from swiftkit.testing.tokenizer import build_tokenizer

    return build_tokenizer("qwen2_5")


@pytest.fixture(scope="module")
def template(registry):
    return registry.template("qwen2_5")


@pytest.fixture
def prep(registry, template, tokenizer, tmp_path):
    def run(dataset, **kw):
        kw.setdefault("cache_dir", str(tmp_path / "ds-cache"))
        kw.setdefault("registry", registry)
        return prepare_datasets(dataset=dataset, template=template, tokenizer=tokenizer, **kw)

    return run


def U(c):
    return {"role": "user", "content": c}


def A(c):
    return {"role": "assistant", "content": c}


def S(c):
    return {"role": "system", "content": c}


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row) + "\n")
    return str(path)


def conv(cls):
    return cls(FormatSpec(id="x", columns=["x"], converter="x:y"))


def err(cls, row):
    with pytest.raises(RowError) as exc:
        conv(cls).convert(row)
    return exc.value.field, exc.value.reason


def labelled(tokenizer, ids, labels):
    return tokenizer.decode([t for t, lab in zip(ids, labels, strict=True) if lab != IGNORE])


# ---------------------------------------------------------------------------- converters


def test_messages_rejected_converts_and_rejects():
    row = {"messages": [S("Be brief."), U("Hi"), A("Hello!")], "rejected_response": "Go away."}
    assert conv(C.MessagesRejectedConverter).convert(row) == {
        "messages": [S("Be brief."), U("Hi")], "chosen": "Hello!", "rejected": "Go away."
    }
    assert err(C.MessagesRejectedConverter, {"messages": [U("Hi"), A("Yo")], "rejected_response": None}) == (
        "rejected_response", "is null")
    assert err(C.MessagesRejectedConverter, {"messages": [U("Hi"), A("Yo")], "rejected_response": "  "}) == (
        "rejected_response", "empty response")
    assert err(C.MessagesRejectedConverter, {"messages": [U("Hi")], "rejected_response": "x"}) == (
        "messages[0].role", "the conversation must end with an assistant reply, not 'user'")
    assert err(C.MessagesRejectedConverter, {"messages": [U("Hi"), A("")], "rejected_response": "x"}) == (
        "messages[1].content", "empty assistant reply")
    assert err(C.MessagesRejectedConverter, {"messages": [U("Hi"), {"role": "bot", "content": "x"}],
                                             "rejected_response": "x"})[0] == "messages[1].role"


def test_prompt_chosen_rejected_strings_and_message_lists():
    c = conv(C.PromptChosenRejectedConverter)
    assert c.convert({"prompt": "Hi", "chosen": "Yes", "rejected": "No"}) == {
        "messages": [U("Hi")], "chosen": "Yes", "rejected": "No"}
    row = {"prompt": [U("a"), A("b"), U("c")], "chosen": [A("Yes")], "rejected": [A("No")], "system": "Sys"}
    assert c.convert(row) == {"messages": [S("Sys"), U("a"), A("b"), U("c")], "chosen": "Yes", "rejected": "No"}
    P = C.PromptChosenRejectedConverter
    assert err(P, {"prompt": "Hi", "chosen": "Yes"}) == ("rejected", "missing")
    assert err(P, {"prompt": 3, "chosen": "a", "rejected": "b"}) == ("prompt", "must be a string or a list of messages, got int")
    assert err(P, {"prompt": [U("a"), A("b")], "chosen": "a", "rejected": "b"}) == (
        "prompt[1].role", "the prompt must end with a user message, not 'assistant'")
    assert err(P, {"prompt": "Hi", "chosen": [U("x")], "rejected": "b"}) == (
        "chosen", "must be a string or a list holding one assistant message")
    assert err(P, {"prompt": "Hi", "chosen": [A("")], "rejected": "b"}) == ("chosen[0].content", "empty response")
    assert err(P, {"prompt": "Hi", "chosen": "a", "rejected": 1}) == (
        "rejected", "must be a string or a list holding one assistant message, got int")
    assert err(P, {"prompt": " ", "chosen": "a", "rejected": "b"}) == ("prompt", "empty user message")


def test_chosen_rejected_conversations_share_the_prompt():
    c = conv(C.ChosenRejectedConversationsConverter)
    assert c.matches(["chosen", "rejected"]) and not c.matches(["prompt", "chosen", "rejected"])
    row = {"chosen": [U("a"), A("b"), U("c"), A("good")], "rejected": [U("a"), A("b"), U("c"), A("bad")]}
    assert c.convert(row) == {"messages": [U("a"), A("b"), U("c")], "chosen": "good", "rejected": "bad"}
    R = C.ChosenRejectedConversationsConverter
    assert err(R, {"chosen": [U("a"), A("b"), U("c"), A("x")], "rejected": [U("a"), A("B"), U("c"), A("y")]}) == (
        "rejected[1]", "differs from chosen[1] (content); both conversations must share the prompt")
    assert err(R, {"chosen": [U("a"), A("b"), U("c"), A("x")], "rejected": [U("c"), A("y")]}) == (
        "rejected[0]", "differs from chosen[0] (content); both conversations must share the prompt")
    assert err(R, {"chosen": [S("s"), U("a"), A("x")], "rejected": [U("a"), A("y")]}) == (
        "rejected[0]", "differs from chosen[0] (role); both conversations must share the prompt")
    assert err(R, {"chosen": "text", "rejected": [U("a"), A("y")]}) == (
        "chosen", "must be a list of messages (a full conversation), got str")
    assert err(R, {"chosen": [U("a"), A("x")], "rejected": [U("a")]}) == (
        "rejected[0].role", "the conversation must end with an assistant reply, not 'user'")


def test_kto_rows():
    k = conv(C.KTOConverter)
    assert k.matches(["prompt", "completion", "label"]) and k.matches(["messages", "label"])
    assert not k.matches(["messages"]) and not k.matches(["prompt", "label"])
    assert k.convert({"prompt": "Hi", "completion": "Yo", "label": True}) == {
        "messages": [U("Hi")], "completion": "Yo", "label": True}
    assert k.convert({"messages": [U("Hi"), A("Yo")], "label": False}) == {
        "messages": [U("Hi")], "completion": "Yo", "label": False}
    assert err(C.KTOConverter, {"prompt": "Hi", "completion": "Yo", "label": 1}) == (
        "label", "must be a boolean (true: desirable, false: undesirable), got int")
    assert err(C.KTOConverter, {"prompt": "Hi", "completion": "Yo", "label": None}) == ("label", "is null")
    assert err(C.KTOConverter, {"prompt": "Hi", "completion": "", "label": True}) == ("completion", "empty response")


def test_prompt_only_rows():
    p = conv(C.PromptOnlyConverter)
    assert p.convert({"prompt": "2+2?", "solution": "4"}) == {"messages": [U("2+2?")], "solution": "4"}
    assert p.convert({"prompt": "2+2?", "answer": 4}) == {"messages": [U("2+2?")], "solution": "4"}
    assert p.convert({"prompt": "2+2?"}) == {"messages": [U("2+2?")], "solution": None}
    assert p.convert({"messages": [S("s"), U("q"), A("ref")]}) == {"messages": [S("s"), U("q")], "solution": "ref"}
    assert p.convert({"messages": [U("q")], "solution": None}) == {"messages": [U("q")], "solution": None}
    assert err(C.PromptOnlyConverter, {"prompt": "q", "solution": ["x"]}) == (
        "solution", "must be a string (or a number), got list")
    assert err(C.PromptOnlyConverter, {"messages": [A("x")]}) == (
        "messages[0].role", "the conversation must start with a user message, not 'assistant'")
    assert err(C.PromptOnlyConverter, {"messages": []}) == ("messages", "empty conversation")


# ---------------------------------------------------------------------------- pipeline


def pair_rows():
    return [
        {"messages": [U("What is the capital of France?"), A("Paris.")], "rejected_response": "I do not know, sorry."},
        {"messages": [U("Hi"), A("Hello! How can I help?"), U("Say yes"), A("Yes")], "rejected_response": "No"},
    ]


@pytest.mark.parametrize("fmt", ["messages_rejected", "prompt_chosen_rejected", "chosen_rejected_conversations"])
def test_preference_mode_encodes_pairs(prep, tmp_path, tokenizer, fmt):
    rows = pair_rows()
    if fmt == "prompt_chosen_rejected":
        rows = [{"prompt": r["messages"][:-1], "chosen": r["messages"][-1]["content"], "rejected": r["rejected_response"]}
                for r in rows]
    elif fmt == "chosen_rejected_conversations":
        rows = [{"chosen": r["messages"], "rejected": [*r["messages"][:-1], A(r["rejected_response"])]} for r in rows]
    data = prep([write_jsonl(tmp_path / "pairs.jsonl", rows)], layout=PreferenceLayout(), shuffle=False)
    assert data.report.sources[0].format == fmt
    ds = data.train
    assert set(ds.column_names) == {"chosen_input_ids", "chosen_labels", "rejected_input_ids", "rejected_labels",
                                    "chosen_length", "rejected_length", "length"}
    expected = [("Paris.", "I do not know, sorry."), ("Yes", "No")]
    for row, (chosen, rejected) in zip(ds, expected, strict=True):
        assert labelled(tokenizer, row["chosen_input_ids"], row["chosen_labels"]) == chosen + "<|im_end|>\n"
        assert labelled(tokenizer, row["rejected_input_ids"], row["rejected_labels"]) == rejected + "<|im_end|>\n"
        n = row["chosen_labels"].index(next(x for x in row["chosen_labels"] if x != IGNORE))
        m = row["rejected_labels"].index(next(x for x in row["rejected_labels"] if x != IGNORE))
        assert n == m and row["chosen_input_ids"][:n] == row["rejected_input_ids"][:n]  # the shared prompt
        assert tokenizer.decode(row["chosen_input_ids"][:n]).endswith("<|im_end|>\n<|im_start|>assistant\n")
        assert row["chosen_length"] == len(row["chosen_input_ids"])
        assert row["length"] == row["chosen_length"] + row["rejected_length"]
    # earlier assistant turns of the prompt are not labelled
    assert "Hello! How can I help?" not in labelled(tokenizer, ds[1]["chosen_input_ids"], ds[1]["chosen_labels"])
    assert data.report.train.rows == 2


def test_preference_truncation_delete_counts_pairs(prep, tmp_path):
    rows = pair_rows()
    rows[0]["rejected_response"] = "word " * 200
    path = write_jsonl(tmp_path / "pairs.jsonl", rows)
    full = prep([path], layout=PreferenceLayout(), shuffle=False).train
    limit = max(full[1]["chosen_length"], full[1]["rejected_length"], full[0]["chosen_length"]) + 1
    data = prep([path], layout=PreferenceLayout(), max_length=limit, shuffle=False)
    assert len(data.train) == 1 and data.report.too_long == 1
    right = prep([path], layout=PreferenceLayout(), max_length=limit, truncation_strategy="right", shuffle=False)
    assert len(right.train) == 2 and right.report.truncated == 1
    assert right.train[0]["rejected_length"] == limit == len(right.train[0]["rejected_input_ids"])


def test_bad_rows_name_file_row_field(prep, tmp_path):
    rows = pair_rows() + [{"messages": [U("Hi"), A("Yo")], "rejected_response": ""}]
    path = write_jsonl(tmp_path / "bad.jsonl", rows)
    with pytest.raises(DatasetRowError) as exc:
        prep([path], layout=PreferenceLayout())
    assert str(exc.value) == f"{path} row 3: field 'rejected_response': empty response"
    lenient = prep([path], layout=PreferenceLayout(), strict=False)
    assert len(lenient.train) == 2 and lenient.report.skipped == 1

    rows = [{"chosen": [U("a"), A("x")], "rejected": [U("b"), A("y")]}]
    path = write_jsonl(tmp_path / "conv.jsonl", rows)
    with pytest.raises(DatasetRowError) as exc:
        prep([path], layout=PreferenceLayout())
    assert str(exc.value) == (f"{path} row 1: field 'rejected[0]': differs from chosen[0] (content); "
                              "both conversations must share the prompt")


def test_modes_pick_only_their_formats(prep, tmp_path, monkeypatch):
    sft = write_jsonl(tmp_path / "sft.jsonl", [{"messages": [U("Hi"), A("Yo")]}])
    with pytest.raises(DatasetError, match="cannot tell the format"):
        prep([sft], layout=PreferenceLayout())
    pairs = write_jsonl(tmp_path / "pairs.jsonl", pair_rows())
    # sft never picks a preference format; the plain 'messages' format reads the file
    assert prep([pairs], mode="sft").report.sources[0].format == "messages"
    # a dataset whose spec names a format of another mode is refused
    from swiftkit.core.specs import DatasetSpec
    from swiftkit.testing.harness import PluginHarness, make_plugin

    harness = PluginHarness(include_installed=True)
    harness.add("swiftkit.plugins.datasets.preference_formats", group="swiftkit.datasets")
    kto_file = write_jsonl(tmp_path / "kto.jsonl", [{"prompt": "Hi", "completion": "Yo", "label": True}])
    harness.add(make_plugin("kto_data_test_plugin", swift_register_datasets=lambda: [
        DatasetSpec(id="test-kto", format="kto", path="swiftkit_pref_test_pkg:kto.jsonl")]))
    from swiftkit.data import sources

    monkeypatch.setattr(sources, "_bundled_path", lambda spec: kto_file)
    with pytest.raises(DatasetError, match="format 'kto' is for kto data, not 'preference'"):
        prep(["test-kto"], layout=PreferenceLayout(), registry=harness.registry())
    with pytest.raises(DatasetError, match="format 'kto' is for kto data, not 'sft'"):
        prep(["test-kto"], mode="sft", registry=harness.registry())
    with pytest.raises(DatasetError, match="packing is not supported"):
        prep([pairs], layout=PreferenceLayout(), packing=True, max_length=64)


def test_kto_mode(prep, tmp_path, tokenizer):
    rows = [{"prompt": "Is the sky blue?", "completion": "Yes.", "label": True},
            {"messages": [U("Is grass red?"), A("Yes, always.")], "label": False}]
    path = write_jsonl(tmp_path / "kto.jsonl", rows[:1])
    path2 = write_jsonl(tmp_path / "kto2.jsonl", rows[1:])
    data = prep([path, path2], layout=KTOLayout(), shuffle=False)
    assert [s.format for s in data.report.sources] == ["kto", "kto"]
    ds = data.train
    assert set(ds.column_names) == {"input_ids", "labels", "label", "length"}
    assert [r["label"] for r in ds] == [True, False]
    assert labelled(tokenizer, ds[0]["input_ids"], ds[0]["labels"]) == "Yes.<|im_end|>\n"
    assert labelled(tokenizer, ds[1]["input_ids"], ds[1]["labels"]) == "Yes, always.<|im_end|>\n"
    batch = make_kto_collator(tokenizer)([ds[0], ds[1]])
    width = max(ds[0]["length"], ds[1]["length"])
    assert batch["input_ids"].shape == batch["labels"].shape == batch["attention_mask"].shape == (2, width)
    assert batch["label"].tolist() == [True, False]
    short = 0 if ds[0]["length"] < width else 1
    assert batch["labels"][short, -1].item() == IGNORE and batch["attention_mask"][short, -1].item() == 0


def test_kto_collator_kl_rows_pair_each_prompt_with_the_next_completion(prep, tmp_path, tokenizer):
    rows = [{"prompt": f"Question number {i}?", "completion": "Yes. " * (i + 1), "label": i % 2 == 0} for i in range(3)]
    ds = prep([write_jsonl(tmp_path / "kto.jsonl", rows)], layout=KTOLayout(), shuffle=False).train
    feats = [ds[i] for i in range(3)]

    def parts(f):
        k = next(i for i, x in enumerate(f["labels"]) if x != IGNORE)
        return f["input_ids"][:k], f["input_ids"][k:]

    batch = make_kto_collator(tokenizer)(feats)
    for i in range(3):
        prompt, _ = parts(feats[i])
        _, completion = parts(feats[(i + 1) % 3])  # prompt i with completion i+1 (mod the batch)
        n = len(prompt) + len(completion)
        assert batch["KL_input_ids"][i, :n].tolist() == prompt + completion
        assert batch["KL_labels"][i].tolist() == [IGNORE] * len(prompt) + completion + [IGNORE] * (batch["KL_labels"].shape[1] - n)
        assert batch["KL_attention_mask"][i].sum().item() == n
        assert tokenizer.decode(prompt).endswith(f"Question number {i}?<|im_end|>\n<|im_start|>assistant\n")
        assert tokenizer.decode(prompt).endswith("<|im_start|>assistant\n") and tokenizer.decode(completion).endswith("<|im_end|>\n")
    # a batch of one row borrows the previous batch's last completion (none before the first batch)
    one = make_kto_collator(tokenizer)
    assert "KL_input_ids" not in one([feats[0]])
    single = one([feats[1]])
    assert single["KL_input_ids"][0].tolist() == parts(feats[1])[0] + parts(feats[0])[1]
    # kl=False (apo_zero_unpaired) leaves them out; max_length cuts them on the right
    assert "KL_input_ids" not in make_kto_collator(tokenizer, kl=False)(feats)
    limit = len(parts(feats[0])[0]) + 1
    cut = make_kto_collator(tokenizer, max_length=limit)(feats)
    assert cut["KL_attention_mask"].sum(1).max().item() == limit and cut["KL_attention_mask"][0].sum().item() == limit


def test_prompt_mode_keeps_messages_and_solution(prep, tmp_path, tokenizer, template):
    rows = [{"prompt": "What is 2+2?", "solution": "4", "level": 1},
            {"prompt": [S("Think."), U("What is 3+3 exactly, please?")], "solution": None, "level": 2}]
    data = prep([write_jsonl(tmp_path / "p.jsonl", rows)], layout=PromptLayout(), shuffle=False)
    ds = data.train
    assert set(ds.column_names) == {"messages", "solution", "level", "prompt_input_ids", "length"}
    assert ds[0]["messages"] == [U("What is 2+2?")] and ds[0]["solution"] == "4" and ds[0]["level"] == 1
    assert ds[1]["solution"] is None
    assert ds[0]["prompt_input_ids"] == template.encode_prompt(tokenizer, [U("What is 2+2?")])
    assert tokenizer.decode(ds[0]["prompt_input_ids"]).endswith("<|im_start|>assistant\n")
    batch = make_prompt_collator(tokenizer)([ds[0], ds[1]])
    width = max(ds[0]["length"], ds[1]["length"])
    assert batch["prompt_input_ids"].shape == batch["prompt_attention_mask"].shape == (2, width)
    short = 0 if ds[0]["length"] < width else 1
    assert batch["prompt_attention_mask"][short, 0].item() == 0 and batch["prompt_attention_mask"][short, -1].item() == 1
    assert batch["prompt_input_ids"][short, 0].item() == tokenizer.pad_token_id
    assert batch["solution"] == ["4", None] and batch["level"] == [1, 2]
    # an SFT conversation file also works: its final reply becomes the reference solution
    sft = write_jsonl(tmp_path / "sft.jsonl", [{"messages": [U("Hi"), A("Hello")]}])
    d2 = prep([sft], layout=PromptLayout())
    assert d2.train[0]["messages"] == [U("Hi")] and d2.train[0]["solution"] == "Hello"
    # too long prompts are dropped and counted
    d3 = prep([write_jsonl(tmp_path / "p.jsonl", rows)], layout=PromptLayout(), max_length=ds[0]["length"])
    assert len(d3.train) == 1 and d3.report.too_long == 1


def test_pair_collator_shapes_and_padding(prep, tmp_path, tokenizer):
    ds = prep([write_jsonl(tmp_path / "pairs.jsonl", pair_rows())], layout=PreferenceLayout(), shuffle=False).train
    batch = make_pair_collator(tokenizer)([ds[0], ds[1]])
    for side in ("chosen", "rejected"):
        width = max(ds[0][f"{side}_length"], ds[1][f"{side}_length"])
        for key in ("input_ids", "attention_mask", "labels"):
            assert batch[f"{side}_{key}"].shape == (2, width)
        for i in range(2):
            n = ds[i][f"{side}_length"]
            assert batch[f"{side}_input_ids"][i, :n].tolist() == ds[i][f"{side}_input_ids"]
            assert batch[f"{side}_attention_mask"][i].tolist() == [1] * n + [0] * (width - n)
            assert batch[f"{side}_labels"][i, n:].tolist() == [IGNORE] * (width - n)
            assert batch[f"{side}_input_ids"][i, n:].tolist() == [tokenizer.pad_token_id] * (width - n)
    wide = make_pair_collator(tokenizer, pad_to_multiple_of=64)([ds[0]])
    assert wide["chosen_input_ids"].shape[1] % 64 == 0
