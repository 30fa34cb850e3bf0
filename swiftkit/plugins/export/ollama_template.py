"""A chat template (:class:`~swiftkit.core.specs.TemplateSpec`) translated to Ollama's Go-template
syntax, and the check that the translation renders what the template renders.

Ollama renders ``TEMPLATE`` with ``.Messages`` (each ``.Role`` / ``.Content``; a request without a
system message gets the Modelfile's ``SYSTEM`` as the first one) and ``.System`` (the system
messages joined). The translation walks the messages as the template's formats say: system / user
/ assistant / tool turns, the system prompt merged into the first user turn for templates without
a system role (Llama 2, Mistral, Gemma), and the generation prompt after a last message that is
not the assistant's. A last assistant message is left open (no end-of-turn text), as Ollama's own
templates do, so that Ollama continues it.

Literal text is written raw (Go templates have no escapes outside actions; ``{{`` is written as
an action) and no trim markers are used, so every character of the template's formats is kept.

Not translated (the check then reports the first difference): numbered rounds (``{round}``),
templates whose behaviour is not a plain format (tokenizer-driven, Harmony) and, for reasoning
models, the removal of earlier replies' ``<think>`` blocks (Ollama keeps reasoning in a separate
field and does not send it back).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from swiftkit.plugins.export.go_template import render

#: conversations the translation is checked on (each ends with a user turn: a generation prompt follows)
PROBES: list[list[dict[str, str]]] = [
    [{"role": "user", "content": "Hello!"}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"}],
    [{"role": "user", "content": "2+2?"}, {"role": "assistant", "content": "4"},
     {"role": "user", "content": "and 3+3?"}],
    [{"role": "system", "content": "Answer in French."}, {"role": "user", "content": "One?"},
     {"role": "assistant", "content": "Un."}, {"role": "user", "content": "Two?"},
     {"role": "assistant", "content": "Deux."}, {"role": "user", "content": "Three? {{ not a template }}"}],
]


def _literal(text: str) -> str:
    """Raw Go-template text for ``text``: ``{{`` cannot appear raw, so it becomes an action."""
    return text.replace("{{", '{{"{{"}}')


def _format(fmt: str, **values: str) -> str:
    """A format such as ``<|im_start|>user\\n{content}<|im_end|>\\n`` with its placeholders
    replaced by Go actions (``values``: placeholder -> action) and the rest raw."""
    from swiftkit.templates.jinja import split_format

    out = []
    for is_name, text in split_format(fmt, tuple(values)):
        out.append(values[text] if is_name else _literal(text))
    return "".join(out)


def translatable(spec: Any) -> list[str]:
    """Why ``spec`` cannot be translated faithfully (empty when it can)."""
    problems = []
    if "{round}" in (spec.user or ""):
        problems.append(f"template {spec.id!r} numbers the rounds ({{round}}), which Ollama's template data cannot count")
    return problems


def go_template(spec: Any, generation_prompt: str, *, strip_bos: str | None = None) -> str:
    """The Ollama ``TEMPLATE`` for ``spec``. ``generation_prompt``: the text that opens a reply
    (the template object's, thinking mode resolved). ``strip_bos``: a BOS token the tokenizer adds
    itself (llama.cpp's ``add_bos_token``), dropped from the front of the prefix so it is not doubled."""
    prefix = spec.prefix or ""
    if strip_bos and prefix.startswith(strip_bos):
        prefix = prefix[len(strip_bos):]
    content = "{{.Content}}"
    parts = [_literal(prefix)]
    merge = spec.system_style == "merge_first_user"
    if merge:
        parts.append("{{$first := true}}{{$sys := false}}")
    parts.append("{{range $i, $_ := .Messages}}{{$last := eq (len (slice $.Messages $i)) 1}}")
    branches = []
    if spec.system_style == "role":
        branches.append(("system", _format(spec.system, content=content)))
    elif merge:  # remembered (even when empty, as the template does) for the first user turn
        branches.append(("system", "{{$sys = true}}"))
    user = _format(spec.user, content=content)
    if merge:
        merged = _format(spec.user, content=_format(spec.system_in_user, system="{{$.System}}", content=content))
        user = f"{{{{if and $first $sys}}}}{merged}{{{{else}}}}{user}{{{{end}}}}{{{{$first = false}}}}"
    branches.append(("user", user))
    assistant = _literal(spec.assistant_prefix) + _literal(spec.reply_prefix) + content
    if spec.assistant_suffix:
        assistant += f"{{{{if not $last}}}}{_literal(spec.assistant_suffix)}{{{{end}}}}"
    branches.append(("assistant", assistant))
    if spec.tool:
        branches.append(("tool", _format(spec.tool, content=content)))
    for k, (role, body) in enumerate(branches):
        parts.append(f'{{{{{"if" if k == 0 else "else if"} eq .Role "{role}"}}}}{body}')
    parts.append("{{end}}")
    if generation_prompt:
        parts.append(f'{{{{if and $last (ne .Role "assistant")}}}}{_literal(generation_prompt)}{{{{end}}}}')
    parts.append("{{end}}")
    return "".join(parts)


def render_ollama(template: str, messages: Sequence[dict[str, str]], system: str | None = None) -> str:
    """Render ``template`` as Ollama does for a chat request: ``system`` (the Modelfile's SYSTEM)
    is put first when the conversation has no system message; ``.System`` joins the system messages."""
    msgs = [dict(m) for m in messages]
    if system and not any(m["role"] == "system" for m in msgs):
        msgs.insert(0, {"role": "system", "content": system})
    joined = "\n\n".join(m["content"] for m in msgs if m["role"] == "system")
    return render(template, {"Messages": [{"Role": m["role"], "Content": m["content"]} for m in msgs],
                             "System": joined})


def first_mismatch(template: Any, go: str, system: str | None,
                   probes: Sequence[Sequence[dict[str, str]]] = PROBES, *, strip_bos: str | None = None) -> str | None:
    """Render ``probes`` with our ``template`` (generation prompt added) and with the Go template
    ``go``; ``None`` when all agree, else a line showing the first difference."""
    for n, conversation in enumerate(probes):
        if template.spec.system_style == "none" and any(m["role"] == "system" for m in conversation):
            continue  # the template has no system prompt at all
        ours = template.render(list(conversation), add_generation_prompt=True)
        if strip_bos and ours.startswith(strip_bos):
            ours = ours[len(strip_bos):]
        theirs = render_ollama(go, conversation, system)
        if ours != theirs:
            at = next((i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b), min(len(ours), len(theirs)))
            return (f"conversation {n}: the Go template renders {theirs[max(0, at - 20):at + 30]!r}, the template "
                    f"{ours[max(0, at - 20):at + 30]!r} (offset {at})")
    return None
