"""Chat templates: the spec-driven renderer, its generated Jinja, and the built-in formats.

Parity: for every built-in template, ``Template.render`` and a tokenizer's
``apply_chat_template`` (with the generated Jinja) give the same text. Golden strings pin each
built-in format exactly.
"""

from __future__ import annotations

import subprocess
import sys

import jinja2
import jsonschema
import pytest

from swiftkit.core.registry import get_registry
from swiftkit.core.specs import TemplateSpec
from swiftkit.plugins import templates as builtin_templates
from swiftkit.plugins.templates import chat
from swiftkit.templates.base import FormatTemplate
from swiftkit.templates.jinja import fill, generate_chat_template, jinja_literal, split_format
from swiftkit.testing.tokenizer import build_tokenizer

#: the spec-driven built-in formats (the generic ``tokenizer`` template renders with a
#: tokenizer's own chat_template: tests/test_template_encoding.py)
BUILTIN = [s.id for s in builtin_templates.swift_register_templates() if s.behaviour != chat.TOKENIZER_BEHAVIOUR]
#: the formats of the `chat` data module, pinned below by golden strings (the vendor modules'
#: formats are pinned against their official templates: tests/test_template_parity_west.py)
CHAT = [s.id for s in chat.swift_register_templates() if s.behaviour != chat.TOKENIZER_BEHAVIOUR]
#: the same, where a reply is trained exactly as ``content + assistant_suffix`` (reasoning and
#: GLM-style templates are pinned in tests/test_thinking_templates.py)
PLAIN = CHAT


def U(c):
    return {"role": "user", "content": c}


def A(c):
    return {"role": "assistant", "content": c}


def S(c):
    return {"role": "system", "content": c}


def T(c):
    return {"role": "tool", "content": c}


TRICKY = "it's \"quoted\" \\ back\\slash\n{{ not_jinja }} {% raw %} {#x#} {content} {system}\r\n\ttab é 中文 😀"

CONVERSATIONS = {
    "single": [U("Hi"), A("Hello!")],
    "single_system": [S("You are terse."), U("Hi"), A("Hello!")],
    "multi": [U("What is 2+2?"), A("4"), U("And 3+3?"), A("6")],
    "multi_system": [S("Be nice."), U("Hi"), A("Hello!"), U("Bye"), A("See you.")],
    "prompt": [U("Hi")],
    "prompt_system": [S("Be nice."), U("Hi")],
    "multi_prompt": [U("Hi"), A("Hello!"), U("How are you?")],
    "tricky": [S(TRICKY), U(TRICKY), A(TRICKY), U("  spaces  \n")],
    "empty_reply": [U("Hi"), A("")],
}


@pytest.fixture(scope="module")
def registry():
    return get_registry()


@pytest.fixture(scope="module")
def tokenizers(registry):
    cache: dict[str, object] = {}

    def get(name):
        if name not in cache:
            cache[name] = build_tokenizer(name, registry=registry)
        return cache[name]

    return get


def test_builtins_are_registered(registry):
    ids = {e.id for e in registry.entries("template")}
    assert set(BUILTIN) <= ids
    assert {"chatml", "llama3", "llama2", "mistral", "gemma", "phi3"} <= set(BUILTIN)
    for name in BUILTIN:
        spec = registry.get("template", name.upper()).spec
        jsonschema.validate(spec.to_dict(), TemplateSpec.SCHEMA)
        assert isinstance(registry.template(name), FormatTemplate), name
        assert spec.stop_words and spec.special_tokens
        assert spec.stop_words[0] in spec.special_tokens
    generic = registry.get("template", "tokenizer").spec
    jsonschema.validate(generic.to_dict(), TemplateSpec.SCHEMA)
    assert registry.template("tokenizer").requires_tokenizer


# ---------------------------------------------------------------------------------------- parity


@pytest.mark.parametrize("conv", list(CONVERSATIONS))
@pytest.mark.parametrize("name", BUILTIN)
def test_render_matches_apply_chat_template(name, conv, registry, tokenizers):
    template = registry.template(name)
    tok = tokenizers(name)
    messages = CONVERSATIONS[conv]
    for agp in (False, True):
        try:
            expected = template.render(messages, add_generation_prompt=agp)
        except ValueError as exc:  # a shape the format does not have (a system prompt for `dummy`, `bert`, ...)
            with pytest.raises(jinja2.TemplateError, match=str(exc).split(":")[0]):
                tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=agp)
            continue
        got = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=agp)
        assert got == expected, (name, conv, agp)


@pytest.mark.parametrize("name", BUILTIN)
def test_tool_messages(name, registry, tokenizers):
    template = registry.template(name)
    messages = [U("Weather in Berlin?"), A('{"name": "weather"}'), T("21 C, sunny"), A("It is sunny.")]
    if template.spec.tool is None:
        with pytest.raises(ValueError, match=r"message 2: .*no tool role"):
            template.render(messages)
        with pytest.raises(jinja2.TemplateError, match=r"message 2: .*no tool role"):
            tokenizers(name).apply_chat_template(messages, tokenize=False)
    else:
        text = template.render(messages)
        assert "21 C, sunny" in text
        assert tokenizers(name).apply_chat_template(messages, tokenize=False) == text


@pytest.mark.parametrize("conv", list(CONVERSATIONS))
@pytest.mark.parametrize("name", PLAIN)
def test_segments(name, conv, registry):
    template = registry.template(name)
    messages = CONVERSATIONS[conv]
    suffix = template.spec.assistant_suffix
    if type(template).__name__ == "HarmonyTemplate":
        pytest.skip("gpt-oss replies carry their channel header: tests/test_template_formats_west.py")
    for agp in (False, True):
        try:
            segments = template.render_segments(messages, add_generation_prompt=agp)
        except ValueError:
            assert template.spec.system_style == "none" and messages[0]["role"] == "system"
            continue
        assert "".join(t for t, _ in segments) == template.render(messages, add_generation_prompt=agp)
        trainable = [t for t, train in segments if train]
        assert trainable == [m["content"] + suffix for m in messages if m["role"] == "assistant" and m["content"] + suffix]
        assert all(t for t, _ in segments)  # no empty segments
        if agp:
            assert not segments[-1][1] or not template.spec.assistant_prefix


def test_assistant_masks_from_generation_tags(registry):
    """With ``assistant_masks=True`` transformers' assistant mask covers exactly the trainable text."""
    for name in ("chatml", "llama3", "gemma", "phi3"):
        template = registry.template(name)
        tok = build_tokenizer(name, registry=registry)
        tok.chat_template = template.chat_template(assistant_masks=True)
        messages = CONVERSATIONS["multi_system"]
        assert tok.apply_chat_template(messages, tokenize=False) == template.render(messages)
        out = tok.apply_chat_template(messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
        ids, mask = out["input_ids"], out["assistant_masks"]
        masked = tok.decode([i for i, m in zip(ids, mask, strict=True) if m])
        assert masked == "".join(t for t, train in template.render_segments(messages) if train), name


# ---------------------------------------------------------------------------------------- golden strings

GOLDEN_CONV = [S("SYS"), U("Hi"), A("Hello!"), U("Bye"), A("See you.")]

GOLDEN = {
    "chatml": (
        "<|im_start|>system\nSYS<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\nHello!<|im_end|>\n"
        "<|im_start|>user\nBye<|im_end|>\n"
        "<|im_start|>assistant\nSee you.<|im_end|>\n"
    ),
    "qwen": (
        "<|im_start|>system\nSYS<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\nHello!<|im_end|>\n"
        "<|im_start|>user\nBye<|im_end|>\n"
        "<|im_start|>assistant\nSee you.<|im_end|>\n"
    ),
    "qwen2_5": (
        "<|im_start|>system\nSYS<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\nHello!<|im_end|>\n"
        "<|im_start|>user\nBye<|im_end|>\n"
        "<|im_start|>assistant\nSee you.<|im_end|>\n"
    ),
    "llama3": (
        "<|begin_of_text|>"
        "<|start_header_id|>system<|end_header_id|>\n\nSYS<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nSee you.<|eot_id|>"
    ),
    "llama2": "<s>[INST] <<SYS>>\nSYS\n<</SYS>>\n\nHi [/INST] Hello! </s><s>[INST] Bye [/INST] See you. </s>",
    "mistral": "<s>[INST] SYS\n\nHi [/INST]Hello!</s>[INST] Bye [/INST]See you.</s>",
    "gemma": (
        "<bos>"
        "<start_of_turn>user\nSYS\n\nHi<end_of_turn>\n"
        "<start_of_turn>model\nHello!<end_of_turn>\n"
        "<start_of_turn>user\nBye<end_of_turn>\n"
        "<start_of_turn>model\nSee you.<end_of_turn>\n"
    ),
    "phi3": (
        "<|system|>\nSYS<|end|>\n"
        "<|user|>\nHi<|end|>\n"
        "<|assistant|>\nHello!<|end|>\n"
        "<|user|>\nBye<|end|>\n"
        "<|assistant|>\nSee you.<|end|>\n"
    ),
}

GOLDEN_PROMPT = {  # [U("Hi")] with add_generation_prompt=True, no system message given
    "chatml": "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n",
    "qwen": (
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    ),
    "qwen2_5": (
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    ),
    "llama3": (
        "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    ),
    "llama2": "<s>[INST] Hi [/INST] ",
    "mistral": "<s>[INST] Hi [/INST]",
    "gemma": "<bos><start_of_turn>user\nHi<end_of_turn>\n<start_of_turn>model\n",
    "phi3": "<|user|>\nHi<|end|>\n<|assistant|>\n",
}


def test_golden_covers_builtins():
    assert set(GOLDEN) == set(CHAT) == set(GOLDEN_PROMPT)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden(name, registry, tokenizers):
    template = registry.template(name)
    assert template.render(GOLDEN_CONV) == GOLDEN[name]
    assert template.render([U("Hi")], add_generation_prompt=True) == GOLDEN_PROMPT[name]
    tok = tokenizers(name)
    assert tok.apply_chat_template(GOLDEN_CONV, tokenize=False) == GOLDEN[name]
    assert tok.apply_chat_template([U("Hi")], tokenize=False, add_generation_prompt=True) == GOLDEN_PROMPT[name]


# ---------------------------------------------------------------------------------------- validation


BAD_MESSAGES = [
    ([], r"non-empty list"),
    ([U("Hi"), "oops"], r"message 1: must be a dict"),
    ([U("Hi"), {"content": "x"}], r"message 1: missing field 'role'"),
    ([U("Hi"), A("ok"), {"role": "bot", "content": "x"}], r"message 2: field 'role' must be one of"),
    ([{"role": "user"}], r"message 0: missing field 'content'"),
    ([U("Hi"), {"role": "assistant", "content": None}], r"message 1: field 'content' must be a string"),
    ([U("Hi"), {"role": "assistant", "content": [{"type": "text", "text": "x"}]}], r"message 1: field 'content'"),
]


@pytest.mark.parametrize("messages,pattern", BAD_MESSAGES)
def test_bad_messages_raise_naming_index_and_field(messages, pattern, registry, tokenizers):
    template = registry.template("chatml")
    with pytest.raises(ValueError, match=pattern):
        template.render(messages)
    with pytest.raises(ValueError, match=pattern):
        template.render_segments(messages, add_generation_prompt=True)
    if messages and all(isinstance(m, dict) for m in messages):  # transformers itself rejects other shapes
        with pytest.raises(jinja2.TemplateError, match=pattern):
            tokenizers("chatml").apply_chat_template(messages, tokenize=False)


@pytest.mark.parametrize("name", ["llama2", "mistral", "gemma"])
def test_merge_first_user_rules(name, registry, tokenizers):
    template, tok = registry.template(name), tokenizers(name)
    bad = [
        ([S("sys"), A("hi")], r"message 1: .*first user message"),
        ([S("sys")], r"message 0: .*no user message follows"),
        ([U("a"), A("b"), S("late"), U("c")], r"message 2: .*only as the first message"),
    ]
    for messages, pattern in bad:
        with pytest.raises(ValueError, match=pattern):
            template.render(messages)
        with pytest.raises(jinja2.TemplateError, match=pattern):
            tok.apply_chat_template(messages, tokenize=False)


def test_role_style_allows_later_system_message(registry, tokenizers):
    messages = [U("a"), A("b"), S("late"), U("c")]
    text = registry.template("chatml").render(messages)
    assert "<|im_start|>system\nlate<|im_end|>\n<|im_start|>user\nc" in text
    assert tokenizers("chatml").apply_chat_template(messages, tokenize=False) == text


def test_default_system_is_replaced_by_given_one(registry):
    template = registry.template("qwen2_5")
    assert template.render([S("Mine."), U("Hi")]).startswith("<|im_start|>system\nMine.<|im_end|>\n<|im_start|>user")
    assert "Alibaba" not in template.render([S("Mine."), U("Hi")])
    assert "Alibaba" in template.render([U("Hi")])
    assert "You are a helpful" not in registry.template("chatml").render([U("Hi")])


# ---------------------------------------------------------------------------------------- generated Jinja

NASTY = "'\"\\ \\n {{ x }} {% if %} {# c #} #} %} }} \r\n\t\x01\x7f é 中 😀 \\u00e9 \\x41"


def _nasty_specs():
    base = dict(
        prefix="PRE" + NASTY,
        user="<u " + NASTY + ">{content}|{content}</u>\n",
        assistant_prefix="<a '" + NASTY + ">",
        assistant_suffix="</a \"" + NASTY + ">\n",
        stop_words=["</a>"],
    )
    return [
        TemplateSpec(id="nasty-role", system="<s>{content}" + NASTY + "</s>", tool="<t>{content}'</t>",
                     default_system="def " + NASTY, **base),
        TemplateSpec(id="nasty-merge", system_style="merge_first_user",
                     system_in_user="[" + NASTY + "{system}]{content}{system}", **base),
        TemplateSpec(id="nasty-none", system_style="none", **base),
    ]


@pytest.mark.parametrize("text", [NASTY, "", "plain", "\\", "'", "\\'", "\n\r", "\u2028\u0085", "{{", "😀\\😀"])
def test_jinja_literal_round_trips(text):
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    assert env.from_string("{{ " + jinja_literal(text) + " }}").render() == text
    assert env.from_string("{{- " + jinja_literal(text) + " -}}").render() == text


@pytest.mark.parametrize("spec", _nasty_specs(), ids=lambda s: s.id)
def test_generated_jinja_escapes_spec_strings(spec):
    template = FormatTemplate(spec)
    tok = build_tokenizer(spec)
    assert tok.chat_template == template.chat_template()
    convs = [[U(NASTY), A(NASTY)], [U("a"), A("b"), U("c"), A("d"), U("e")], [U("x")]]
    if spec.system_style != "none":
        convs.append([S("sys " + NASTY), U("q"), A("r")])
    if spec.system_style == "role":
        convs.append([U("q"), A("r"), S("mid"), U("q2"), T("tool"), A("r2")])
    for messages in convs:
        for agp in (False, True):
            expected = template.render(messages, add_generation_prompt=agp)
            assert tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=agp) == expected
    # also with a bare Jinja environment (other renderers than transformers)
    env = jinja2.Environment()
    env.globals["raise_exception"] = lambda m: (_ for _ in ()).throw(jinja2.TemplateError(m))
    for messages in convs:
        assert env.from_string(template.chat_template()).render(messages=messages, add_generation_prompt=True) == (
            template.render(messages, add_generation_prompt=True)
        )


def test_system_style_none_rejects_system(tokenizers):
    spec = _nasty_specs()[2]
    template = FormatTemplate(spec)
    with pytest.raises(ValueError, match=r"message 0: .*no system prompt"):
        template.render([S("x"), U("y")])
    tok = build_tokenizer(spec)
    with pytest.raises(jinja2.TemplateError, match=r"message 0: .*no system prompt"):
        tok.apply_chat_template([S("x"), U("y")], tokenize=False)


def test_format_helpers():
    assert split_format("a{content}b{x}{system}") == [(False, "a"), (True, "content"), (False, "b{x}{system}")]
    # one pass: a system prompt containing "{content}" is not substituted again
    assert fill("{system}|{content}", system="{content}", content="C") == "{content}|C"
    # no placeholder at all still yields a valid expression
    spec = TemplateSpec(id="t", user="{content}", assistant_prefix="", assistant_suffix="")
    assert "raise_exception" in generate_chat_template(spec)


def test_invalid_specs_are_rejected():
    with pytest.raises(ValueError, match="system_style"):
        FormatTemplate(TemplateSpec(id="t", system_style="weird"))
    with pytest.raises(ValueError, match="default_system"):
        FormatTemplate(TemplateSpec(id="t", system_style="none", default_system="x"))
    with pytest.raises(ValueError, match="'user' must contain"):
        FormatTemplate(TemplateSpec(id="t", user="no placeholder"))
    with pytest.raises(ValueError, match="system_in_user"):
        FormatTemplate(TemplateSpec(id="t", system_style="merge_first_user", system_in_user="{content}"))


# ---------------------------------------------------------------------------------------- tokenizer kit


def test_build_tokenizer_properties_and_round_trip(tmp_path, registry):
    from transformers import AutoTokenizer

    for name, bos in [("chatml", None), ("llama3", "<|begin_of_text|>"), ("llama2", "<s>"), ("gemma", "<bos>")]:
        spec = registry.get("template", name).spec
        tok = build_tokenizer(name)
        assert tok.eos_token == spec.stop_words[0]
        assert tok.pad_token == "<pad>" and tok.pad_token_id is not None
        assert tok.bos_token == bos
        assert len(tok) <= 512
        for t in spec.special_tokens + spec.stop_words:
            assert len(tok.encode(t, add_special_tokens=False)) == 1, (name, t)
        text = registry.template(name).render(CONVERSATIONS["tricky"])
        ids = tok(text)["input_ids"]
        assert ids == tok(text, add_special_tokens=False)["input_ids"]  # nothing added twice
        assert tok.decode(ids) == text
        folder = tmp_path / name
        tok.save_pretrained(folder)
        loaded = AutoTokenizer.from_pretrained(folder)
        assert loaded.eos_token == tok.eos_token and loaded.bos_token == tok.bos_token
        assert loaded.apply_chat_template(GOLDEN_CONV, tokenize=False) == GOLDEN[name]
        assert loaded(text)["input_ids"] == ids


def test_build_tokenizer_accepts_spec_and_corpus():
    spec = TemplateSpec(id="plain", user="U: {content}\n", assistant_prefix="A: ", assistant_suffix="\n")
    tok = build_tokenizer(spec, vocab_size=300, corpus=["hello world"] * 10)
    assert tok.eos_token == "<|endoftext|>" and tok.bos_token is None
    assert len(tok) <= 300
    assert tok.apply_chat_template([U("x")], tokenize=False, add_generation_prompt=True) == "U: x\nA: "


def test_plugin_modules_are_light():
    code = (
        "import sys; import swiftkit.plugins.templates as c, swiftkit.plugins.datasets.formats as f;"
        "c.swift_register_templates(); f.swift_register_formats();"
        "heavy = [m for m in ('torch', 'transformers', 'tokenizers', 'jinja2', 'swiftkit.templates.base',"
        " 'swiftkit.plugins.datasets.converters') if m in sys.modules]; print(heavy); assert not heavy"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
