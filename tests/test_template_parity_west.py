"""Parity of the built-in templates with the families' REAL chat templates (Meta, Mistral,
Google, Microsoft, OpenAI, Cohere, Baidu, Tencent, MiniMax, ByteDance and community formats).

The official Jinja text of each family is stored in ``tests/data/chat_templates/<template_id>.jinja``
(its hub checkpoint and where it was read in ``SOURCES_west.json``). Every sample conversation is
rendered by our template and by the official text, in transformers' own Jinja sandbox (what
``tokenizer.apply_chat_template`` uses), with the special tokens the checkpoint's tokenizer
defines; the texts must be equal. Plain chat turns only: tool calls are rendered by the
agent templates.

Intended differences are listed in ``KNOWN`` with the reason; for those the test asserts that
the texts still differ, so that a fixed template (or a changed official one) is noticed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from swiftkit.core.registry import get_registry

DATA = Path(__file__).parent / "data" / "chat_templates"
SOURCES = json.loads((DATA / "SOURCES_west.json").read_text(encoding="utf-8"))
IDS = sorted(p.stem for p in DATA.glob("*.jinja") if p.stem in SOURCES)


def U(c):
    return {"role": "user", "content": c}


def A(c):
    return {"role": "assistant", "content": c}


def S(c):
    return {"role": "system", "content": c}


#: (name, messages, add_generation_prompt): plain chat shapes; contents have no surrounding
#: whitespace, which several official templates strip
CONVERSATIONS = [
    ("user, generation prompt", [U("What is the capital of France?")], True),
    ("user + reply", [U("What is the capital of France?"), A("Paris.")], False),
    ("system + user, generation prompt", [S("You are terse."), U("Hi")], True),
    ("system + user + reply", [S("You are terse."), U("2+2?"), A("4")], False),
    ("multi-turn, generation prompt", [U("Hi"), A("Hello! How can I help?"), U("Tell me a joke.")], True),
    ("system + multi-turn", [S("Be nice."), U("Hi"), A("Hello!"), U("Bye"), A("See you.")], False),
    ("system + multi-turn, generation prompt", [S("Be nice."), U("Hi"), A("Hello!"), U("Bye")], True),
    ("unicode and markup", [U("Übersetze: 你好 <b>{{ x }}</b>"), A("Hallo — \"hi\" 'x'")], False),
]

#: what the checkpoint's tokenizer passes to its template (special tokens), plus pinned dates:
#: templates that print today's date get the date our template pins
CONTEXT: dict[str, dict[str, object]] = {
    "llama3_2": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "date": "26 Jul 2024"},
    "aya": {"bos_token": "<BOS_TOKEN>", "eos_token": "<|END_OF_TURN_TOKEN|>"},
    "c4ai": {"bos_token": "<BOS_TOKEN>", "eos_token": "<|END_OF_TURN_TOKEN|>"},
    "seed_oss": {"bos_token": "<seed:bos>", "eos_token": "<seed:eos>"},
    "gemma": {"bos_token": "<bos>", "eos_token": "<eos>"},
    "phi3": {"bos_token": "<s>", "eos_token": "<|endoftext|>"},
    "mistral_nemo": {"bos_token": "<s>", "eos_token": "</s>"},
    "mistral": {"bos_token": "<s>", "eos_token": "</s>"},
    "orion": {"bos_token": "<s>", "eos_token": "</s>"},
    "megrez": {"bos_token": "", "eos_token": "<|eos|>"},
    "ling": {"bos_token": "", "eos_token": "<|endoftext|>"},
    "phi4": {"bos_token": "<|endoftext|>", "eos_token": "<|im_end|>"},
    "llama3": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"},
    "llama": {"bos_token": "<s>", "eos_token": "</s>"},
    "zephyr": {"bos_token": "<s>", "eos_token": "</s>"},
    "gpt_oss": {"bos_token": "<|startoftext|>", "eos_token": "<|return|>", "date": "2025-08-05"},
    # Hy3 ends the last reply with its eos only when rendering training data (is_training)
    "hy_v3": {"is_training": True},
    "minimax_m2": {"bos_token": "]~!b[", "eos_token": "[e~["},
    "dbrx": {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"},
    "openbuddy2": {"eos_token": "<|end|>"},
    "minimind": {"bos_token": "<|im_start|>", "eos_token": "<|im_end|>"},
    "yi_coder": {"bos_token": "<|startoftext|>", "eos_token": "<|im_end|>"},
    "mistral_2501": {"bos_token": "<s>", "eos_token": "</s>"},
    "openbuddy": {"bos_token": "<s>", "eos_token": "</s>"},
    "wizardlm2_moe": {"bos_token": "<s>", "eos_token": "</s>"},
    "wizardlm2": {"bos_token": "<s>", "eos_token": "</s>"},
    "numina": {"bos_token": "<｜begin▁of▁sentence｜>", "eos_token": "<｜end▁of▁sentence｜>"},
}

#: (template id, conversation name) -> why our rendering intentionally differs
_GEMMA2_NO_SYSTEM = (
    "Gemma 2's template refuses a system message; `gemma` serves Gemma 1-3 and puts it into the first user "
    "turn as Gemma 3's template does"
)
_PHI3_EOS = (
    "Phi-3's template appends <|endoftext|> after the last message when no generation prompt is asked; the "
    "end-of-document token is left out (every reply already ends with <|end|>, the stop token)"
)
_NEMO_SYSTEM = (
    "Mistral-Nemo's template puts the system prompt into the LAST user message, and drops it when the "
    "conversation ends with a reply; ours puts it into the first (the same text for single-turn prompts)"
)
_NO_SYSTEM_ROLE = (
    "the official template has no system prompt (it refuses or drops a system message); ours renders it as "
    "ms-swift's template does"
)
_LING_EOS = (
    "Ling's official template writes nothing after a reply; ours ends every reply with <|endoftext|> (ms-swift's "
    "suffix, the model's eos) so that training teaches the model to stop"
)
_LLAMA2_PROMPT = (
    "Llama 2's template has no generation prompt (the text ends with [/INST]); ours appends the space that opens "
    "every reply (' ' + reply + ' </s>'), so that the prompt is the exact prefix of the trained text"
)
_M2_THINK = (
    "MiniMax-M2's generation prompt opens a <think> block; the plain format leaves thinking to "
    "--enable_thinking (the reasoning options), so its prompt ends with ']~b]ai\\n'"
)
_M2_SYSTEM = (
    "this revision's default system prompt is 'You are a helpful assistant.'; `minimax_m2` carries ms-swift's "
    "(the later checkpoint's) 'You are MiniMax-M2, a helpful AI assistant built by MiniMax. ...'"
)
_CHATML_LAST_NEWLINE = (
    "the official template joins turns with '\\n' and writes nothing after the last reply's <|im_end|>; ours ends "
    "every reply with '<|im_end|>\\n' (ms-swift's ChatML suffix, the same text for every turn)"
)
_OPENBUDDY2_BOS_SYSTEM = (
    "ours opens with the model's bos (spelled <s>, rendered as the bound tokenizer's own bos or nothing, ms-swift's "
    "auto_add_bos) and, without a system message, ms-swift's OpenBuddy system prompt (the model card's); the "
    "checkpoint's template writes neither"
)
_YI_CODER_SYSTEM = (
    "Yi-Coder's template writes no system turn unless given one; `yi_coder` carries ms-swift's default system "
    "prompt 'You are a helpful assistant.'"
)
_MISTRAL_2501_SYSTEM = (
    "this conversion of the 2501 template writes no system prompt unless given one; `mistral_2501` carries "
    "ms-swift's default (Mistral Small 3's model-card system prompt, dated 2025-01-30)"
)
_NUMINA = (
    "NuminaMath's template writes no bos (its tokenizer adds one), drops the system message and ends a reply with "
    "'\\n'; ours writes the bos, renders the system text and ends a reply with the eos, as ms-swift's `numina` "
    "template does"
)
_OPENBUDDY = (
    "this later checkpoint's template (v20.3) writes no bos and no default system prompt, one newline after the "
    "system text, 'Assistant: ' + reply, eos + newline between rounds and nothing after the last reply; `openbuddy` "
    "is ms-swift's format of the v8-v18 checkpoints (bos, the model card's system prompt and a blank line, "
    "'Assistant:' + reply + eos)"
)
_WIZARDLM2_MOE_REPLY = (
    "the official template writes ' ASSISTANT: ' + reply and starts later rounds with '\\nUSER: '; ours is "
    "ms-swift's (the prompt ends at 'ASSISTANT:', the reply follows unspaced, the next round follows the </s>)"
)
_WIZARDLM2 = (
    "the (re-uploaded) 7B checkpoint's template is Vicuna's ('USER: ...\\nASSISTANT: ...</s>\\n', as for the 8x22B); "
    "`wizardlm2` is ms-swift's 7B format 'User:\\n...\\n\\nAssistant:\\n', kept for ms-swift parity"
)
KNOWN: dict[tuple[str, str], str] = {
    **{("wizardlm2", name): _WIZARDLM2 for name, _, _ in CONVERSATIONS},
    **{("openbuddy", name): _OPENBUDDY for name, _, _ in CONVERSATIONS},
    **{("wizardlm2_moe", name): _WIZARDLM2_MOE_REPLY for name, messages, _ in CONVERSATIONS
       if any(m["role"] == "assistant" for m in messages)},
    **{("numina", name): _NUMINA for name, _, _ in CONVERSATIONS},
    **{("yi_coder", name): _YI_CODER_SYSTEM for name, messages, _ in CONVERSATIONS if messages[0]["role"] != "system"},
    **{("mistral_2501", name): _MISTRAL_2501_SYSTEM for name, messages, _ in CONVERSATIONS
       if messages[0]["role"] != "system"},
    **{("dbrx", name): _CHATML_LAST_NEWLINE for name, messages, agp in CONVERSATIONS if not agp},
    **{("openbuddy2", name): _OPENBUDDY2_BOS_SYSTEM for name, _, _ in CONVERSATIONS},
    **{("minimax_m2", name): _M2_SYSTEM for name, messages, _ in CONVERSATIONS if messages[0]["role"] != "system"},
    **{("minimax_m2", name): _M2_THINK for name, messages, agp in CONVERSATIONS
       if agp and messages[0]["role"] == "system"},
    **{("llama", name): _LLAMA2_PROMPT for name, _, agp in CONVERSATIONS if agp},
    **{(tid, name): _NO_SYSTEM_ROLE for tid in ("mistral", "orion") for name, messages, _ in CONVERSATIONS
       if messages[0]["role"] == "system"},
    **{("ling", name): _LING_EOS for name, messages, _ in CONVERSATIONS if any(m["role"] == "assistant" for m in messages)},
    **{("gemma", name): _GEMMA2_NO_SYSTEM for name, messages, _ in CONVERSATIONS if messages[0]["role"] == "system"},
    **{("phi3", name): _PHI3_EOS for name, _, agp in CONVERSATIONS if not agp},
    ("mistral_nemo", "system + user + reply"): _NEMO_SYSTEM,
    ("mistral_nemo", "system + multi-turn"): _NEMO_SYSTEM,
    ("mistral_nemo", "system + multi-turn, generation prompt"): _NEMO_SYSTEM,
}


def _context(template_id: str) -> dict[str, object]:
    ctx = dict(CONTEXT.get(template_id, {}))
    date = ctx.pop("date", None)
    if date is not None:
        fixed = date

        def strftime_now(fmt: str) -> str:
            from datetime import datetime

            for parse in ("%d %b %Y", "%Y-%m-%d"):
                try:
                    return datetime.strptime(fixed, parse).strftime(fmt)
                except ValueError:
                    continue
            raise ValueError(f"unparseable pinned date {fixed!r}")

        ctx["strftime_now"] = strftime_now
    return ctx


def render_official(template_id: str, messages: list[dict], add_generation_prompt: bool) -> str:
    """``messages`` rendered by the official Jinja text, as ``apply_chat_template`` renders it."""
    from transformers.utils.chat_template_utils import render_jinja_template

    text = (DATA / f"{template_id}.jinja").read_text(encoding="utf-8")
    rendered, _ = render_jinja_template(
        conversations=[messages], chat_template=text, add_generation_prompt=add_generation_prompt,
        **_context(template_id),
    )
    return rendered[0]


@pytest.fixture(scope="module")
def registry():
    return get_registry()


def test_sources_name_every_stored_template():
    """Each stored text of ours has its source, and each source its text."""
    stored = {p.stem for p in DATA.glob("*.jinja")}
    assert set(SOURCES) <= stored, sorted(set(SOURCES) - stored)
    for template_id, source in SOURCES.items():
        assert set(source) >= {"hub_id", "file", "read_from"}, template_id
        assert source["file"] in ("tokenizer_config.json", "chat_template.jinja"), template_id
        assert "/" in source["hub_id"], template_id
    assert len(IDS) >= 3


def test_every_stored_template_names_a_registered_template(registry):
    for template_id in IDS:
        assert ("template", template_id) in registry, template_id


@pytest.mark.parametrize("conv", [c[0] for c in CONVERSATIONS])
@pytest.mark.parametrize("template_id", IDS)
def test_renders_like_the_official_template(template_id, conv, registry):
    name, messages, agp = next(c for c in CONVERSATIONS if c[0] == conv)
    template = registry.template(template_id)
    try:
        ours = template.render(messages, add_generation_prompt=agp)
    except ValueError:
        # a shape our template refuses (a system prompt where the format has none): the
        # official template must refuse it too
        with pytest.raises(Exception):  # noqa: B017 - jinja2's TemplateError, or whatever the template raises
            render_official(template_id, messages, agp)
        return
    reason = KNOWN.get((template_id, name))
    if reason is not None:
        try:
            theirs = render_official(template_id, messages, agp)
        except Exception:  # noqa: BLE001 - the official template refusing the shape is a difference too
            return
        assert ours != theirs, f"{template_id} / {name} now renders like the official template: drop KNOWN ({reason})"
        return
    theirs = render_official(template_id, messages, agp)
    assert ours == theirs, f"{template_id} / {name}:\nours:   {ours!r}\ntheirs: {theirs!r}"
