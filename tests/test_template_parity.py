"""Parity with the REAL chat templates: each ``tests/data/chat_templates/<template_id>.jinja`` is the
official Jinja text of a public checkpoint (``SOURCES.json`` names the hub id, the file it comes
from and where the text was read). The registered template ``<template_id>`` and that Jinja, rendered
as transformers renders it (its sandboxed environment, ``render_jinja_template``), must give the
same text for plain chat turns: with and without a system message, one and several turns, with
the generation prompt; for reasoning templates also replies with thinking blocks and both
``enable_thinking`` settings. Tool calls are not compared (issue 13).

The test checks every stored Jinja that ``SOURCES.json`` names (``SOURCES_west.json``'s are
checked by ``test_template_parity_west.py`` the same way). A
difference that is intended is listed in :data:`KNOWN_DIFFERENCES` with its reason, and the test
then asserts that the difference is still there (so the list cannot go stale).

``render_kwargs`` in a ``SOURCES.json`` entry are passed to the Jinja (e.g. ``bos_token``); by
default ``bos_token`` is the template's ``prefix`` and ``eos_token`` its first stop word.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swiftkit.core.registry import get_registry

DATA = Path(__file__).parent / "data" / "chat_templates"
SOURCES = json.loads((DATA / "SOURCES.json").read_text(encoding="utf-8")) if (DATA / "SOURCES.json").exists() else {}
#: the templates this file checks; those in SOURCES_west.json are checked by test_template_parity_west.py
TEMPLATES = sorted(p.stem for p in DATA.glob("*.jinja") if p.stem in SOURCES)


def U(c):
    return {"role": "user", "content": c}


def A(c):
    return {"role": "assistant", "content": c}


def S(c):
    return {"role": "system", "content": c}


THOUGHT = "<think>\nLet me add the numbers.\n</think>\n\n"

#: name -> (messages, add_generation_prompt)
PLAIN = {
    "single": ([U("Hi"), A("Hello!")], False),
    "system": ([S("You are terse."), U("What is the capital of France?"), A("Paris.")], False),
    "multi": ([U("What is 2+2?"), A("4"), U("And 3+3?"), A("6")], False),
    "multi_system": ([S("Be nice."), U("Hi"), A("Hello! How can I help?"), U("Bye"), A("See you.")], False),
    "prompt": ([U("Hi")], True),
    "prompt_system": ([S("Be nice."), U("Hi")], True),
    "prompt_multi": ([U("Hi"), A("Hello!"), U("How are you?")], True),
    "prompt_multi_system": ([S("Be nice."), U("Hi"), A("Hello!"), U("How are you?")], True),
}

#: reasoning templates also: replies with a thinking block (normalised as the models write it)
THINKING = {
    "think_last": ([U("What is 2+2?"), A(THOUGHT + "4")], False),
    "think_history": ([U("What is 2+2?"), A(THOUGHT + "4"), U("And 3+3?"), A(THOUGHT + "6")], False),
    "think_prompt_multi": ([U("What is 2+2?"), A(THOUGHT + "4"), U("And 3+3?")], True),
}

_R1_REVISION = (
    "the stored text is the first published revision of DeepSeek-R1's template, whose generation prompt ends "
    "at <｜Assistant｜>; DeepSeek later appended '<think>\\n' to it, which ms-swift's deepseek_r1 and swiftkit write"
)
_GLM_WHITESPACE = (
    "GLM-4.5 to 4.7 strip the reasoning and the answer ('<think>reasoning</think>\\nanswer', no newline from "
    "4.7 on); swiftkit writes "
    "reply contents verbatim (the text it trains on is the text it renders), so Qwen-style thinking "
    "('<think>\\n...\\n</think>\\n\\n') keeps its newlines; GLM-style data renders the same"
)
_GLM_NOTHINK = (
    "with enable_thinking=false GLM-4.5/4.6 also append '/nothink' to each user message and end the prompt at "
    "'<think></think>' (the model writes the newline); swiftkit ends it with the newline the replies it is trained "
    "on have, and leaves user messages unchanged"
)
_KIMI_SYSTEM = (
    "this first revision of Kimi-K2-Instruct's template defaults to 'You are a helpful assistant' (Moonlight's "
    "default, swiftkit's moonlight template); ms-swift's kimi_k2 uses 'You are Kimi, an AI assistant created by "
    "Moonshot AI.', which swiftkit keeps"
)
_V2_5_SPACES = (
    "DeepSeek-V2.5's template sets the system prompt with a '{% set %}' tag that does not strip the eight spaces "
    "before it, so with a system message its text starts with eight spaces before the BOS token (a whitespace "
    "artifact, gone from DeepSeek-V3's revision); swiftkit, like ms-swift's deepseek_v2_5, starts at the BOS token"
)

#: (template, case) -> why our rendering intentionally differs from the real chat template
KNOWN_DIFFERENCES: dict[tuple[str, str], str] = {
    **{("deepseek_r1", case): _R1_REVISION for case in (
        "prompt", "prompt_system", "prompt_multi", "prompt_multi_system", "think_prompt_multi",
        "prompt_enable_thinking_true", "prompt_enable_thinking_false")},
    **{(glm, case): _GLM_WHITESPACE for glm in ("glm4_5", "glm4_7") for case in ("think_last", "think_history")},
    ("glm4_5", "prompt_enable_thinking_false"): _GLM_NOTHINK,
    **{("deepseek_v2_5", case): _V2_5_SPACES for case in ("system", "multi_system", "prompt_system", "prompt_multi_system")},
    **{("kimi_k2", case): _KIMI_SYSTEM for case in ("single", "multi", "prompt", "prompt_multi")},
}


def _cases(template_id: str):
    spec = get_registry().get("template", template_id).spec
    cases = [(name, msgs, agp, None) for name, (msgs, agp) in PLAIN.items()]
    if spec.is_thinking:
        cases += [(name, msgs, agp, None) for name, (msgs, agp) in THINKING.items()]
        for flag in (True, False):
            cases.append((f"prompt_enable_thinking_{str(flag).lower()}", [U("Hi")], True, flag))
    return cases


PARAMS = [(t, name) for t in TEMPLATES for name, *_ in _cases(t)] if TEMPLATES else []


def test_sources_name_every_stored_template():
    west = json.loads((DATA / "SOURCES_west.json").read_text(encoding="utf-8")) if (DATA / "SOURCES_west.json").exists() else {}
    # multimodal templates: SOURCES_mm.json, checked by tests/test_mm_*.py (issue 14)
    mm = json.loads((DATA / "SOURCES_mm.json").read_text(encoding="utf-8")) if (DATA / "SOURCES_mm.json").exists() else {}
    stored = {p.stem for p in DATA.glob("*.jinja")} - set(mm)
    assert set(SOURCES) == set(TEMPLATES) and not set(SOURCES) & set(west)
    assert stored == set(SOURCES) | set(west), "every .jinja needs one entry in SOURCES.json or SOURCES_west.json"
    for template_id, source in SOURCES.items():
        assert {"hub_id", "file", "read_from"} <= set(source), template_id
        assert source["file"] in ("tokenizer_config.json", "chat_template.jinja"), template_id
        assert "/" in source["hub_id"] and source["read_from"], template_id
        assert template_id in {e.id for e in get_registry().entries("template")} or get_registry().get(
            "template", template_id
        ), template_id


def _real(template_id: str, messages, agp: bool, kwargs: dict) -> str:
    from transformers.utils.chat_template_utils import render_jinja_template

    spec = get_registry().get("template", template_id).spec
    text = (DATA / f"{template_id}.jinja").read_text(encoding="utf-8")
    tokens = {"bos_token": spec.prefix, "eos_token": spec.stop_words[0] if spec.stop_words else ""}
    tokens.update(SOURCES.get(template_id, {}).get("render_kwargs", {}))
    rendered, _ = render_jinja_template(conversations=[messages], chat_template=text, add_generation_prompt=agp,
                                        **tokens, **kwargs)
    return rendered[0]


@pytest.mark.parametrize("template_id,case", PARAMS)
def test_renders_like_the_real_chat_template(template_id, case):
    registry = get_registry()
    template = registry.template(template_id)
    name, messages, agp, flag = next(c for c in _cases(template_id) if c[0] == case)
    kwargs = {}
    if flag is not None:
        template = template.configure(enable_thinking=flag)
        kwargs[template.spec.thinking_kwarg] = flag
    try:
        ours = template.render(messages, add_generation_prompt=agp)
    except ValueError:
        pytest.skip(f"template {template_id!r} has no such conversation shape")
    theirs = _real(template_id, messages, agp, kwargs)
    reason = KNOWN_DIFFERENCES.get((template_id, case))
    if reason is not None:
        assert ours != theirs, f"listed as a known difference ({reason}) but now renders the same: remove the entry"
        return
    assert ours == theirs
    # the Jinja swiftkit exports renders the same text too
    exported = template.chat_template()
    from transformers.utils.chat_template_utils import render_jinja_template

    rendered, _ = render_jinja_template(conversations=[messages], chat_template=exported, add_generation_prompt=agp,
                                        **kwargs)
    assert rendered[0] == theirs
