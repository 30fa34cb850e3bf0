"""Encoding conversations for training and inference, per built-in family, on tokenizers of
tiny offline checkpoints (``build_tiny_model``), and the generic ``tokenizer`` template.

What is labelled: each assistant reply with its end-of-turn text (``END`` below, written out
rather than read from the specs so that the decision is pinned here), nothing else.
"""

from __future__ import annotations

import dataclasses

import pytest

from swiftkit.core.registry import get_registry
from swiftkit.core.specs import TemplateSpec
from swiftkit.core.templates.interface import IGNORE_INDEX, apply_loss_scale, tokenize_segments
from swiftkit.templates.base import FormatTemplate
from swiftkit.templates.tokenizer import TokenizerTemplate
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.testing.tokenizer import build_tokenizer


def U(c):
    return {"role": "user", "content": c}


def A(c):
    return {"role": "assistant", "content": c}


def S(c):
    return {"role": "system", "content": c}


def T(c):
    return {"role": "tool", "content": c}


#: template -> a model whose architecture its tiny checkpoint has (built with that template's tokenizer)
FAMILY = {
    "qwen2_5": "qwen2.5-0.5b-instruct",
    "qwen": "qwen2-0.5b-instruct",
    "chatml": "qwen3-0.6b",
    "llama2": "llama2-7b-chat",
    "llama3": "llama3-8b-instruct",
    "mistral": "mistral-7b-instruct-v0.1",
    "gemma": "gemma-2b-it",
    "phi3": "phi3-mini-4k-instruct",
}

#: the end-of-turn text labelled after every assistant reply
END = {
    "qwen2_5": "<|im_end|>\n",
    "qwen": "<|im_end|>\n",
    "chatml": "<|im_end|>\n",
    "llama2": " </s>",
    "llama3": "<|eot_id|>",
    "mistral": "</s>",
    "gemma": "<end_of_turn>\n",
    "phi3": "<|end|>\n",
}

#: the token that ends generation (first of stop_token_ids)
END_TOKEN = {
    "qwen2_5": "<|im_end|>", "qwen": "<|im_end|>", "chatml": "<|im_end|>", "llama2": "</s>",
    "llama3": "<|eot_id|>", "mistral": "</s>", "gemma": "<end_of_turn>", "phi3": "<|end|>",
}

NAMES = list(FAMILY)

CONVERSATIONS = {
    "single": [U("Hi"), A("Hello!")],
    "system": [S("You are terse."), U("What is the capital of France?"), A("The capital of France is Paris.")],
    "multi": [U("What is 2+2?"), A("4"), U("And 3+3?"), A("6")],
    "multi_system": [S("Be nice."), U("Hi"), A("Hello! How can I help you today?"), U("Bye"), A("See you.")],
    "edges": [U("x"), A(" leading space"), U("y"), A("!!punct\n"), U("z"), A("你好，世界！")],
    "empty_reply": [U("Hi"), A("")],
    "tool": [U("Weather in Berlin?"), A('{"name": "get_weather"}'), T("21 C, sunny"), A("It is sunny.")],
}


def conversations(name, registry):
    """The conversations the template supports (tool messages need a tool role)."""
    spec = registry.get("template", name).spec
    return {k: v for k, v in CONVERSATIONS.items() if k != "tool" or spec.tool is not None}


@pytest.fixture(scope="module")
def registry():
    return get_registry()


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory, registry):
    cache = {}

    def get(name):
        if name not in cache:
            # the model gives the architecture; the template under test is set explicitly, since a
            # model's default template follows the public listing (Mistral-7B's is ``llama``)
            spec = dataclasses.replace(registry.get("model", FAMILY[name]).spec, template=name)
            cache[name] = build_tiny_model(spec, tmp_path_factory.mktemp(name), registry=registry)
        return cache[name]

    return get


@pytest.fixture(scope="module")
def tokenizers(checkpoints):
    from transformers import AutoTokenizer

    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = AutoTokenizer.from_pretrained(checkpoints(name))
        return cache[name]

    return get


def labelled_runs(row):
    """The labelled ids as maximal runs of consecutive positions."""
    runs, current = [], []
    for token, label in zip(row["input_ids"], row["labels"], strict=True):
        if label == IGNORE_INDEX:
            if current:
                runs.append(current)
            current = []
        else:
            assert label == token
            current.append(label)
    if current:
        runs.append(current)
    return runs


def template_ids(tok, messages, **kwargs):
    out = tok.apply_chat_template(messages, tokenize=True, **kwargs)
    return list(out["input_ids"] if hasattr(out, "keys") else out)


# ---------------------------------------------------------------------------------------- labels


def test_family_table_covers_builtins(registry):
    from swiftkit.plugins import templates as builtin_templates
    from swiftkit.plugins.templates import chat

    builtin = {s.id for s in builtin_templates.swift_register_templates() if s.behaviour != chat.TOKENIZER_BEHAVIOUR}
    # the `chat` module's formats; the vendor modules' formats are encoded in tests/test_template_formats_west.py
    chat_formats = {s.id for s in chat.swift_register_templates() if s.behaviour != chat.TOKENIZER_BEHAVIOUR}
    assert set(FAMILY) == set(END) == set(END_TOKEN) == chat_formats <= builtin
    for name, model in FAMILY.items():
        assert registry.resolve_model(model)  # its architecture carries the template (see ``checkpoints``)
        assert registry.get("template", name).spec.assistant_suffix == END[name]


@pytest.mark.parametrize("name", NAMES)
def test_labels_are_exactly_the_replies_with_their_end_token(name, registry, tokenizers):
    template, tok = registry.template(name), tokenizers(name)
    end_id = tok.convert_tokens_to_ids(END_TOKEN[name])
    for key, messages in conversations(name, registry).items():
        row = template.encode(tok, messages)
        assert len(row["input_ids"]) == len(row["labels"])
        replies = [m["content"] for m in messages if m["role"] == "assistant"]
        runs = labelled_runs(row)
        assert [tok.decode(r) for r in runs] == [r + END[name] for r in replies], (name, key)
        for run in runs:  # the end-of-turn token itself is learned
            assert end_id in run
        # everything else is not labelled: the unlabelled text is the rendering without the replies
        text = tok.decode(row["input_ids"])
        assert text == template.render(messages)


@pytest.mark.parametrize("name", NAMES)
def test_loss_scales(name, registry, tokenizers):
    template, tok = registry.template(name), tokenizers(name)
    messages = CONVERSATIONS["multi_system"]
    rows = {scale: template.encode(tok, messages, loss_scale=scale) for scale in ("default", "last_round", "all")}
    ids = rows["default"]["input_ids"]
    assert all(r["input_ids"] == ids for r in rows.values())
    assert [tok.decode(r) for r in labelled_runs(rows["default"])] == [
        "Hello! How can I help you today?" + END[name], "See you." + END[name]
    ]
    assert [tok.decode(r) for r in labelled_runs(rows["last_round"])] == ["See you." + END[name]]
    assert rows["last_round"]["labels"][-1] != IGNORE_INDEX
    assert rows["all"]["labels"] == ids
    assert template.encode(tok, messages) == rows["default"]  # default is "default"


def test_apply_loss_scale():
    segs = [("p", False), ("a", True), ("q", False), ("b", True), ("c", True), ("tail", False)]
    assert apply_loss_scale(segs, "default") == segs
    assert apply_loss_scale(segs, "last_round") == [(t, t == "c") for t, _ in segs]
    assert apply_loss_scale(segs, "all") == [(t, True) for t, _ in segs]
    assert apply_loss_scale([("p", False)], "last_round") == [("p", False)]
    with pytest.raises(ValueError, match="unknown loss_scale 'weird'.*default, last_round, all"):
        apply_loss_scale(segs, "weird")


def test_encode_rejects_bad_input(registry, tokenizers):
    template, tok = registry.template("qwen2_5"), tokenizers("qwen2_5")
    with pytest.raises(ValueError, match=r"message 2: .*must end with an assistant reply.*'user'"):
        template.encode(tok, [U("a"), A("b"), U("c")])
    with pytest.raises(ValueError, match=r"message 0: .*must end with an assistant reply.*'system'"):
        template.encode(tok, [S("a")])
    with pytest.raises(ValueError, match="unknown loss_scale 'last'"):
        template.encode(tok, [U("a"), A("b")], loss_scale="last")
    with pytest.raises(ValueError, match="non-empty list"):
        template.encode(tok, [])
    with pytest.raises(ValueError, match="a tokenizer is needed"):
        template.encode(None, [U("a"), A("b")])
    assert template.bind(tok).encode(None, [U("a"), A("b")]) == template.encode(tok, [U("a"), A("b")])


# ---------------------------------------------------------------------------------------- ids


#: templates whose segment boundaries all fall on pre-tokenizer boundaries (a special token, or
#: a newline before the reply), so segment-wise ids equal whole-text ids. Llama 2's generation
#: prompt ends with a space ("[/INST] "), which whole-text BPE merges into the reply's first
#: word (" Hello"); segment-wise encoding keeps " " + "Hello", exactly what the model is given
#: at inference after the generation prompt.
BOUNDARY_STABLE = [n for n in NAMES if n != "llama2"]


@pytest.mark.parametrize("name", NAMES)
def test_ids_versus_whole_text_tokenization(name, registry, tokenizers):
    template, tok = registry.template(name), tokenizers(name)
    for key, messages in conversations(name, registry).items():
        text = template.render(messages)
        whole = tok(text, add_special_tokens=False)["input_ids"]
        assert whole == template_ids(tok, messages)  # apply_chat_template tokenizes the same way
        ids = template.encode(tok, messages)["input_ids"]
        assert tok.decode(ids) == text
        if name in BOUNDARY_STABLE:
            assert ids == whole, (name, key)
        elif key not in ("edges", "tool"):
            assert ids != whole  # the documented divergence
            # only the tokens at the reply starts differ: tokenizing prompt and reply pieces apart gives the ids
            pieces = [t for t, _ in template.render_segments(messages)]
            assert ids == [i for p in pieces for i in tok(p, add_special_tokens=False)["input_ids"]]


@pytest.mark.parametrize("name", NAMES)
def test_training_prompt_equals_inference_prompt(name, registry, tokenizers):
    """Before each reply, the training ids are the ids the model is prompted with at inference
    (for Llama 2 where history turns are boundary-stable, i.e. for the first reply)."""
    template, tok = registry.template(name), tokenizers(name)
    for key, messages in conversations(name, registry).items():
        row = template.encode(tok, messages)
        starts = [i for i in range(len(row["labels"])) if row["labels"][i] != IGNORE_INDEX
                  and (i == 0 or row["labels"][i - 1] == IGNORE_INDEX)]
        replies = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
        assert len(starts) == len(replies), (name, key)
        for turn, (start, index) in enumerate(zip(starts, replies, strict=True)):
            if name == "llama2" and turn > 0:
                break
            assert row["input_ids"][:start] == template.encode_prompt(tok, messages[:index]), (name, key, index)


@pytest.mark.parametrize("name", NAMES)
def test_encode_prompt_equals_apply_chat_template(name, registry, tokenizers):
    template, tok = registry.template(name), tokenizers(name)
    prompts = [[U("Hi")], [S("Be nice."), U("Hi")], [U("Hi"), A("Hello!"), U("How are you?")], [U("  spaces  \n")]]
    for messages in prompts:
        ids = template.encode_prompt(tok, messages)
        assert ids == template_ids(tok, messages, add_generation_prompt=True), (name, messages)
        assert tok.decode(ids) == template.render(messages, add_generation_prompt=True)
        assert ids[-1] != tok.eos_token_id


@pytest.mark.parametrize("name", NAMES)
def test_stop_token_ids(name, registry, tokenizers, checkpoints):
    from transformers import GenerationConfig

    template, tok = registry.template(name), tokenizers(name)
    ids = template.stop_token_ids(tok)
    assert ids[0] == tok.convert_tokens_to_ids(END_TOKEN[name])
    assert tok.eos_token_id in ids and len(set(ids)) == len(ids)
    assert all(len(tok(w, add_special_tokens=False)["input_ids"]) == 1 for w in template.stop_words)
    saved = GenerationConfig.from_pretrained(checkpoints(name)).eos_token_id
    assert set(ids) == set(saved if isinstance(saved, list) else [saved])


def test_stop_token_ids_skip_multi_token_words():
    spec = TemplateSpec(id="plain", user="User: {content}\n", assistant_prefix="Bot: ", assistant_suffix="\nEND\n",
                        stop_words=["\nEND", "<|endoftext|>"])
    template = FormatTemplate(spec)
    tok = build_tokenizer(FormatTemplate(TemplateSpec(id="plain", user="{content}", stop_words=["<|endoftext|>"])),
                          vocab_size=300, corpus=["hello world\nEND"] * 5)  # "\nEND" is not a special token here
    assert len(tok("\nEND", add_special_tokens=False)["input_ids"]) > 1
    assert template.stop_token_ids(tok) == [tok.convert_tokens_to_ids("<|endoftext|>")]
    assert template.stop_words == ["\nEND", "<|endoftext|>"]  # the rest is left to string matching


@pytest.mark.parametrize("name", NAMES)
def test_encoded_rows_run_through_the_tiny_model(name, registry, tokenizers, checkpoints):
    import math

    import torch
    from transformers import AutoModelForCausalLM

    template, tok = registry.template(name), tokenizers(name)
    model = AutoModelForCausalLM.from_pretrained(checkpoints(name))
    row = template.encode(tok, CONVERSATIONS["multi_system"])
    batch = {"input_ids": torch.tensor([row["input_ids"]]), "labels": torch.tensor([row["labels"]])}
    with torch.no_grad():
        loss = model(**batch).loss
    assert math.isfinite(loss.item())


# ---------------------------------------------------------------------------------------- continuation


def _metaspace_tokenizer(template):
    """A SentencePiece-style tokenizer (Metaspace, word-start marker on the first word only, as
    transformers converts Llama / Mistral tokenizers), carrying ``template``'s Jinja."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    spec = template.spec
    specials = ["<unk>", *dict.fromkeys([*spec.special_tokens, *spec.stop_words])]
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="first", split=False)
    tok.decoder = decoders.Sequence([decoders.Replace("\u2581", " "), decoders.ByteFallback(), decoders.Fuse()])
    corpus = [template.render(c) for c in CONVERSATIONS.values() if not any(m["role"] == "tool" for m in c)]
    tok.train_from_iterator(corpus * 5, trainers.BpeTrainer(vocab_size=400, special_tokens=specials,
                                                            initial_alphabet=[chr(i) for i in range(32, 127)] + ["\n"],
                                                            show_progress=False))
    return PreTrainedTokenizerFast(tokenizer_object=tok, eos_token=spec.stop_words[0], unk_token="<unk>",
                                   additional_special_tokens=specials[1:], chat_template=template.chat_template())


@pytest.mark.parametrize("name", ["chatml", "gemma"])
def test_segments_are_tokenized_as_continuations(name, registry):
    """A tokenizer that marks the start of its input (▁) would put a marker before every reply
    tokenized alone; segments are tokenized as continuations, so the ids equal whole-text ids."""
    template = registry.template(name)
    tok = _metaspace_tokenizer(template)
    for messages in (CONVERSATIONS["multi_system"], CONVERSATIONS["system"]):
        text = template.render(messages)
        whole = tok(text, add_special_tokens=False)["input_ids"]
        segments = template.render_segments(messages)
        naive = [i for t, _ in segments for i in tok(t, add_special_tokens=False)["input_ids"]]
        assert naive != whole  # what tokenizing segments alone would do
        assert tokenize_segments(tok, segments)[0] == whole
        row = template.encode(tok, messages)
        assert row["input_ids"] == whole
        assert [tok.decode(r) for r in labelled_runs(row)] == [
            m["content"] + END[name] for m in messages if m["role"] == "assistant"
        ]


# ---------------------------------------------------------------------------------------- generic template


@pytest.mark.parametrize("name", NAMES)
def test_tokenizer_template_matches_the_registered_one(name, registry, tokenizers):
    """On a tokenizer carrying a registered template's Jinja, the generic template finds the same
    segments, labels and prompts."""
    template, tok = registry.template(name), tokenizers(name)
    generic = registry.template("tokenizer", tokenizer=tok)
    assert isinstance(generic, TokenizerTemplate) and generic.tokenizer is tok
    assert generic.chat_template() == tok.chat_template == template.chat_template()
    for key, messages in conversations(name, registry).items():
        for agp in (False, True):
            assert generic.render_segments(messages, add_generation_prompt=agp) == template.render_segments(
                messages, add_generation_prompt=agp
            ), (name, key, agp)
        for scale in ("default", "last_round", "all"):
            assert generic.encode(tok, messages, loss_scale=scale) == template.encode(tok, messages, loss_scale=scale)
        assert generic.encode_prompt(tok, messages[:-1] or messages) == template.encode_prompt(tok, messages[:-1] or messages)
    assert generic.stop_words == [END_TOKEN[name]]
    # the end-of-turn token and eos (a registered spec may list more, e.g. <|endoftext|>)
    ids = generic.stop_token_ids(tok)
    assert ids[0] == tok.convert_tokens_to_ids(END_TOKEN[name]) and tok.eos_token_id in ids
    assert set(ids) <= set(template.stop_token_ids(tok))


def test_tokenizer_template_binding(registry, tokenizers):
    tok = tokenizers("qwen2_5")
    unbound = registry.template("tokenizer")
    assert unbound.requires_tokenizer and unbound.tokenizer is None
    for call in (lambda: unbound.render([U("Hi")]), unbound.chat_template, lambda: unbound.render_segments([U("Hi")])):
        with pytest.raises(ValueError, match=r"template\.bind\(tokenizer\)"):
            call()
    messages = CONVERSATIONS["multi"]
    expected = registry.template("qwen2_5").encode(tok, messages)
    assert unbound.encode(tok, messages) == expected  # binds to the tokenizer it is given
    assert unbound.tokenizer is None
    bound = unbound.bind(tok)
    assert bound is not unbound and bound.tokenizer is tok and unbound.tokenizer is None
    assert bound.encode(None, messages) == expected
    assert bound.render(messages) == tok.apply_chat_template(messages, tokenize=False)
    assert TokenizerTemplate(unbound.spec, tokenizer=tok).encode(tok, messages) == expected
    # spec templates accept (and keep) a tokenizer too, so a trainer can always bind
    assert registry.template("qwen2_5", tokenizer=tok).encode(None, messages) == expected


def test_tokenizer_template_needs_a_chat_template(registry, tokenizers):
    import copy

    tok = copy.deepcopy(tokenizers("chatml"))
    tok.chat_template = None
    with pytest.raises(ValueError, match="has no chat_template; choose a registered template"):
        registry.template("tokenizer", tokenizer=tok)
    with pytest.raises(ValueError, match="has no chat_template"):
        registry.template("tokenizer").encode(tok, [U("a"), A("b")])


def _with_template(tok, jinja):
    import copy

    tok = copy.deepcopy(tok)
    tok.chat_template = jinja
    return tok


#: like Qwen3's: the reasoning of a reply is dropped once a later user turn follows
DROPS_REASONING = (
    "{%- for m in messages -%}"
    "{%- if m['role'] == 'assistant' and not loop.last -%}"
    "{{- '<|im_start|>assistant\\n' + m['content'].split('</think>')[-1].lstrip('\\n') + '<|im_end|>\\n' -}}"
    "{%- else -%}"
    "{{- '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)

#: a header that counts the messages: every prefix renders a different first line
COUNTS_MESSAGES = (
    "{{- 'turns: ' ~ (messages | length) ~ '\\n' -}}"
    "{%- for m in messages -%}{{- '<|im_start|>' + m['role'] + '\\n' + m['content'] + '<|im_end|>\\n' -}}{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)


def test_non_prefix_stable_chat_template_is_a_clear_error(registry, tokenizers):
    base = tokenizers("chatml")
    thinking = [U("2+2?"), A("<think>\nadd\n</think>\n\n4"), U("3+3?"), A("<think>\nadd\n</think>\n\n6")]
    tok = _with_template(base, DROPS_REASONING)
    generic = registry.template("tokenizer", tokenizer=tok)
    with pytest.raises(ValueError, match=r"message 1: the tokenizer's chat_template is not prefix-stable.*register a TemplateSpec"):
        generic.encode(tok, thinking)
    # without reasoning the same template is prefix-stable, and labels every reply
    plain = [U("2+2?"), A("4"), U("3+3?"), A("6")]
    assert [tok.decode(r) for r in labelled_runs(generic.encode(tok, plain))] == ["4<|im_end|>\n", "6<|im_end|>\n"]
    # only the last reply keeps its reasoning: a conversation with one reply is fine too
    row = generic.encode(tok, thinking[:2])
    assert [tok.decode(r) for r in labelled_runs(row)] == ["<think>\nadd\n</think>\n\n4<|im_end|>\n"]

    tok = _with_template(base, COUNTS_MESSAGES)
    with pytest.raises(ValueError, match="message 1: .*not prefix-stable"):
        registry.template("tokenizer", tokenizer=tok).encode(tok, plain)


#: Phi-3's official template: the eos token after the last message when no generation prompt is asked
PHI3_OFFICIAL = (
    "{% for message in messages %}"
    "{% if message['role'] == 'system' %}{{'<|system|>\n' + message['content'] + '<|end|>\n'}}"
    "{% elif message['role'] == 'user' %}{{'<|user|>\n' + message['content'] + '<|end|>\n'}}"
    "{% elif message['role'] == 'assistant' %}{{'<|assistant|>\n' + message['content'] + '<|end|>\n'}}"
    "{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\n' }}{% else %}{{ eos_token }}{% endif %}"
)


def test_template_with_trailing_end_of_document_token(registry, tokenizers):
    base = tokenizers("phi3")
    tok = _with_template(base, PHI3_OFFICIAL.replace("{{ eos_token }}", "{{ '<|endoftext|>' }}"))
    generic = registry.template("tokenizer", tokenizer=tok)
    messages = CONVERSATIONS["multi_system"]
    row = generic.encode(tok, messages)
    # an earlier reply ends where the whole rendering goes on; the last one includes the end of the document
    assert [tok.decode(r) for r in labelled_runs(row)] == [
        "Hello! How can I help you today?<|end|>\n", "See you.<|end|>\n<|endoftext|>"
    ]
    assert tok.decode(row["input_ids"]) == tok.apply_chat_template(messages, tokenize=False)
    assert generic.encode_prompt(tok, [U("Hi")]) == template_ids(tok, [U("Hi")], add_generation_prompt=True)
    assert generic.stop_words == ["<|end|>"]


def test_tokenizer_template_errors_name_the_message(registry, tokenizers):
    tok = tokenizers("chatml")
    generic = registry.template("tokenizer", tokenizer=tok)
    with pytest.raises(ValueError, match="non-empty list"):
        generic.render([])
    with pytest.raises(ValueError, match="message 1: missing field 'role'"):
        generic.render([U("a"), {"content": "b"}])
    # the chat template's own error, as a ValueError
    with pytest.raises(ValueError, match=r"chat_template rejects the conversation: message 1: field 'role'"):
        generic.render([U("a"), {"role": "bot", "content": "b"}])
    with pytest.raises(ValueError, match="message 0: .*opens with an assistant message"):
        generic.encode(tok, [A("hi"), U("q"), A("r")])
    with pytest.raises(ValueError, match="must end with an assistant reply"):
        generic.encode(tok, [U("q")])


#: official chat templates of two families (Qwen2.5's without its tools branch; Llama 3's verbatim)
QWEN2_5_OFFICIAL = """{%- if messages[0]['role'] == 'system' %}
    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
{%- else %}
    {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant") %}
        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\\n<tool_response>\\n' }}
        {{- message.content }}
        {{- '\\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
{%- endif %}
"""

LLAMA3_OFFICIAL = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + "
    "message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
    "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}"
)


@pytest.mark.parametrize("name,jinja", [("qwen2_5", QWEN2_5_OFFICIAL), ("llama3", LLAMA3_OFFICIAL)])
def test_tokenizer_template_on_official_chat_templates(name, jinja, registry, tokenizers):
    """A model folder whose tokenizer carries its family's official template: the generic
    template labels what the registered one labels."""
    template = registry.template(name)
    tok = _with_template(tokenizers(name), jinja)
    generic = registry.template("tokenizer", tokenizer=tok)
    for key, messages in conversations(name, registry).items():
        if key == "edges" or (name == "llama3" and key == "tool"):  # Llama 3.0 trims contents, has no ipython role
            continue
        assert generic.render(messages) == template.render(messages), (name, key)
        for scale in ("default", "last_round"):
            assert generic.encode(tok, messages, loss_scale=scale) == template.encode(tok, messages, loss_scale=scale)
        prompt = messages[:-1] or [U("Hi")]
        assert generic.encode_prompt(tok, prompt) == template.encode_prompt(tok, prompt)
    assert generic.stop_words == [END_TOKEN[name]]
