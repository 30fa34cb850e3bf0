"""The vendor and community chat formats at the listing's scale (ms-swift template names), and
the three behaviours some of them need: gpt-oss's final channel, the model's own bos/eos, and
numbered rounds.

Rendering parity with the official templates is tests/test_template_parity_west.py; the
generated Jinja of every built-in is checked against ``render`` in tests/test_templates.py.
Here: every name exists, aliases render their target's format, default system prompts, and what
training labels (each reply with its end-of-turn text) on an offline tokenizer per format.
"""

from __future__ import annotations

import pytest

from swiftkit.core.registry import get_registry
from swiftkit.core.templates.interface import IGNORE_INDEX
from swiftkit.plugins.templates import MODULES
from swiftkit.testing.tokenizer import build_tokenizer

#: ms-swift template names this work provides (the listing's `default_template` column)
NAMES = (
    "llama llama3 llama3_2 atom aya c4ai bert bge_reranker dummy default codefuse_codellama dbrx devstral dots1 "
    "ernie ernie_thinking gemma gemma3_text gpt_oss hunyuan hunyuan_moe hy_v3 hy_v3_preview iquestcoder ling ling2 "
    "ring2 ring2_5 longchat longwriter_llama megrez mengzi minimax minimax_m1 minimax_m2 minimax_m2_1 minimax_m2_5 "
    "minimax_m2_7 minimind mistral_2501 mistral_nemo nemotron_h numina olmoe olmoe_0924 openbuddy openbuddy2 orion "
    "phi3 phi4 reflection seed_oss skywork skywork_o1 sus telechat telechat2 wizardlm2 wizardlm2_moe xverse "
    "yi_coder youtu_llm yuan zephyr ziya bluelm"
).split()

#: alias -> the template whose format it is
ALIASES = {"llama": "llama2", "gemma3_text": "gemma", "aya": "c4ai"}

WEST_MODULES = ("meta_templates", "mistral_templates", "microsoft_templates", "openai_templates", "cohere_templates",
                "baidu_templates", "tencent_templates", "minimax_templates", "bytedance_templates",
                "inclusionai_templates", "base_templates", "community_templates")


def U(c):
    return {"role": "user", "content": c}


def A(c):
    return {"role": "assistant", "content": c}


def S(c):
    return {"role": "system", "content": c}


CHAT = [S("Be brief."), U("Capital of France?"), A("Paris."), U("And of Italy?"), A("Rome.")]


@pytest.fixture(scope="module")
def registry():
    return get_registry()


def _west_ids() -> list[str]:
    import importlib

    ids = []
    for module in WEST_MODULES:
        ids += [s.id for s in importlib.import_module(f"swiftkit.plugins.templates.{module}").swift_register_templates()]
    return ids


WEST_IDS = _west_ids()


def test_every_listed_template_name_exists(registry):
    missing = [name for name in NAMES if ("template", name) not in registry]
    assert not missing
    assert set(WEST_MODULES) <= set(MODULES)
    for alias, target in ALIASES.items():
        assert registry.get("template", alias).id == target
        assert registry.template(alias).render(CHAT) == registry.template(target).render(CHAT)


def test_the_listing_names_only_registered_templates(registry):
    """Every default_template of the listing's text models that this work owns resolves."""
    import csv
    from pathlib import Path

    listing = Path(__file__).resolve().parent / "data" / "catalogue" / "public-model-listing.csv"
    with listing.open(encoding="utf-8") as fh:
        names = {row["default_template"] for row in csv.DictReader(fh) if row["section"] == "Large Language Models"}
    assert set(NAMES) <= names


@pytest.mark.parametrize("name", WEST_IDS)
def test_default_system_prompt_is_used_without_a_system_message(name, registry):
    template = registry.template(name)
    spec = template.spec
    if spec.system_style == "none":
        with pytest.raises(ValueError, match="no system prompt"):
            template.render([S("x"), U("q")])
        return
    without = template.render([U("Hi")], add_generation_prompt=True)
    mine = template.render([S("MY-SYSTEM"), U("Hi")], add_generation_prompt=True)
    assert "MY-SYSTEM" in mine
    if spec.default_system:
        assert spec.default_system in without and spec.default_system not in mine


@pytest.mark.parametrize("name", WEST_IDS)
def test_labels_are_the_replies_with_their_end_of_turn_text(name, registry):
    """On an offline tokenizer carrying the format's special tokens: the labelled text is each
    reply followed by the format's end-of-turn text, nothing of the prompt."""
    template = registry.template(name)
    tok = build_tokenizer(name, registry=registry)
    messages = CHAT if template.spec.system_style != "none" else CHAT[1:]
    row = template.encode(tok, messages)
    assert len(row["input_ids"]) == len(row["labels"])
    labelled = tok.decode([t for t, lab in zip(row["input_ids"], row["labels"], strict=True) if lab != IGNORE_INDEX])
    bound = template.bind(tok)
    expected = "".join(text for text, train in bound.render_segments(messages) if train)
    assert labelled == expected
    assert "Paris." in labelled and "Rome." in labelled and "Capital" not in labelled
    prompt = messages[:-1]
    assert template.encode_prompt(tok, prompt) == list(
        tok(bound.render(prompt, add_generation_prompt=True), add_special_tokens=False)["input_ids"])


# ---------------------------------------------------------------------------------------- gpt-oss


def test_gpt_oss_replies_are_on_the_final_channel(registry):
    template = registry.template("gpt_oss")
    segments = template.render_segments(CHAT)
    assert [t for t, train in segments if train] == [
        "<|channel|>final<|message|>Paris.<|end|>",
        "<|channel|>final<|message|>Rome.<|return|>",  # the last message: what the model emits to stop
    ]
    prompt = template.render(CHAT[:-1], add_generation_prompt=True)
    assert prompt.endswith("<|start|>user<|message|>And of Italy?<|end|><|start|>assistant")
    assert "<|start|>developer<|message|># Instructions\n\nBe brief.\n\n<|end|>" in prompt
    assert "<|return|>" not in prompt  # earlier replies end with <|end|> once a prompt follows


def test_gpt_oss_exported_jinja_and_assistant_masks(registry):
    template = registry.template("gpt_oss")
    tok = build_tokenizer("gpt_oss", registry=registry)
    for messages in (CHAT, CHAT[:-1], [U("x"), A("")]):
        for agp in (False, True):
            assert tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=agp) == template.render(
                messages, add_generation_prompt=agp)
    tok.chat_template = template.chat_template(assistant_masks=True)
    out = tok.apply_chat_template(CHAT, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
    masked = tok.decode([i for i, m in zip(out["input_ids"], out["assistant_masks"], strict=True) if m])
    assert masked == "".join(t for t, train in template.render_segments(CHAT) if train)


# ---------------------------------------------------------------------------------------- model's bos/eos


@pytest.mark.parametrize("name", ["default", "dummy", "openbuddy", "openbuddy2"])
def test_tokenizer_eos_formats_use_the_models_own_tokens(name, registry):
    template = registry.template(name)
    spec = template.spec
    assert spec.prefix == "<s>"  # nominal bos, unbound
    ends_with_eos = spec.assistant_suffix == "</s>"  # openbuddy2 ends a reply with its own <|end|>
    messages = CHAT[1:] if spec.system_style == "none" else CHAT

    qwen_like = build_tokenizer("chatml", registry=registry)  # eos <|im_end|>, no bos
    bound = template.bind(qwen_like)
    text = bound.render(messages)
    assert not text.startswith("<s>") and "</s>" not in text
    assert text.endswith("Rome.<|im_end|>" if ends_with_eos else "Rome.<|end|>\n")
    assert bound.stop_words[0] == ("<|im_end|>" if ends_with_eos else "<|end|>")
    row = template.encode(qwen_like, messages)  # encoding binds to the tokenizer it is given
    labelled = qwen_like.decode([t for t, lab in zip(row["input_ids"], row["labels"], strict=True) if lab != -100])
    assert labelled.endswith("Rome.<|im_end|>" if ends_with_eos else "Rome.<|end|>\n")
    assert "</s>" not in qwen_like.decode(row["input_ids"])

    llama_like = build_tokenizer("llama2", registry=registry)  # <s> ... </s>
    assert template.bind(llama_like).render(messages).startswith("<s>")
    assert template.render(messages) == template.bind(llama_like).render(messages)


# ---------------------------------------------------------------------------------------- rounds


def test_longchat_numbers_the_rounds(registry):
    template = registry.template("longchat")
    messages = [S("Sys"), U("Hi {round}"), A("Yo"), U("Q2"), A("A2"), U("Q3")]
    text = template.render(messages, add_generation_prompt=True)
    assert text == ("SYSTEM:Sys [Round 0] USER:Hi {round} ASSISTANT:Yo</longcat_s> [Round 1] USER:Q2 ASSISTANT:"
                    "A2</longcat_s> [Round 2] USER:Q3 ASSISTANT:")
    tok = build_tokenizer("longchat", registry=registry)
    assert tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True) == text
    assert [t for t, train in template.render_segments(messages[:-1]) if train] == ["Yo</longcat_s>", "A2</longcat_s>"]


def test_parity_check_and_export_use_the_models_own_tokens(registry):
    """A folder whose tokenizer carries the format's Jinja rendered with its own eos passes the
    deploy-time parity check (the check binds the template to the folder's tokenizer)."""
    from swiftkit.templates.parity import check_template_parity

    tok = build_tokenizer("chatml", registry=registry)  # eos <|im_end|>
    template = registry.template("default")
    tok.chat_template = template.bind(tok).chat_template()  # what `swift export` writes
    assert "</s>" not in tok.chat_template and "<|im_end|>" in tok.chat_template
    check_template_parity(template, tok)  # unbound template: bound to `tok` by the check


# ---------------------------------------------------------------------------------------- wrapped system prompt


def test_the_system_turn_is_always_there_and_wraps_a_given_prompt(registry):
    ling2, ernie = registry.template("ling2"), registry.template("ernie_thinking")
    assert ling2.render([U("Q")], add_generation_prompt=True) == (
        "<role>SYSTEM</role>detailed thinking off<|role_end|><role>HUMAN</role>Q<|role_end|><role>ASSISTANT</role>")
    assert ling2.render([S("S"), U("Q")], add_generation_prompt=True).startswith(
        "<role>SYSTEM</role>S\ndetailed thinking off<|role_end|>")
    think = "<global_setting>\nthink_mode=True\n</global_setting><|im_end|>\n\n"
    assert ernie.render([U("Q")], add_generation_prompt=True) == (
        "<|im_start|>system\n" + think + "<|im_start|>user\nQ<|im_end|>\n\n<|im_start|>assistant\n")
    assert ernie.render([S("S"), U("Q")]).startswith(
        "<|im_start|>system\n<system_setting>\nS\n</system_setting>\n\n" + think)
    for name in ("ling2", "ernie_thinking"):
        tok = build_tokenizer(name, registry=registry)
        for messages in ([U("Q"), A("A")], [S("S"), U("Q"), A("A"), S(""), U("Q2")]):
            assert tok.apply_chat_template(messages, tokenize=False) == registry.template(name).render(messages)
    with pytest.raises(ValueError, match="message 1: missing field 'role'"):
        ling2.render([U("Q"), {"content": "x"}])
