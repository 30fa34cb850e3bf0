"""Template parity: the template a model was trained with and the ``chat_template`` its
tokenizer carries must render the same prompt.

An exported or deployed model folder is used by tools that know nothing of swiftkit (vLLM's
chat endpoint, ``transformers`` pipelines, llama.cpp conversions): they render with
``tokenizer.apply_chat_template``. If that text differs from what the model saw in training, the
model answers worse without any error. :func:`check_template_parity` renders sample
conversations of several shapes both ways and raises :class:`TemplateParityError` at the first
difference, showing both renderings and where they part; :func:`check_model_dir_parity` does
it for a model folder (deploy time), reading the template from the folder's ``args.json``.

Nothing heavy is imported at module level; ``transformers`` only to load a tokenizer.
"""

from __future__ import annotations

import json
import os
from typing import Any

from swiftkit.core.errors import SwiftkitError

_TRICKY = "  Line one\n\tline 'two' \"three\" {{ not_jinja }} {% raw %} \\n 你好 <|x|>  "

#: (name, conversation, add_generation_prompt): every shape a chat takes
SAMPLE_CONVERSATIONS: list[tuple[str, list[dict[str, str]], bool]] = [
    ("user, generation prompt", [{"role": "user", "content": "Hello"}], True),
    ("user + assistant", [{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there!"}], False),
    ("system + user, generation prompt",
     [{"role": "system", "content": "You are a helpful assistant."}, {"role": "user", "content": "Hello"}], True),
    ("system + user + assistant",
     [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"},
      {"role": "assistant", "content": "4"}], False),
    ("multi-turn, generation prompt",
     [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello! How can I help?"},
      {"role": "user", "content": "Tell me a joke."}], True),
    ("system + multi-turn",
     [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "Hi"},
      {"role": "assistant", "content": "Hi."}, {"role": "user", "content": "Bye"},
      {"role": "assistant", "content": "Bye."}], False),
    ("special characters, generation prompt", [{"role": "user", "content": _TRICKY}], True),
    ("special characters in a reply",
     [{"role": "user", "content": "Quote me."}, {"role": "assistant", "content": _TRICKY}], False),
    ("empty reply", [{"role": "user", "content": "Say nothing."}, {"role": "assistant", "content": ""}], False),
]


class TemplateParityError(SwiftkitError):
    """The template used in training and a tokenizer's ``chat_template`` render a conversation
    differently. The message shows both renderings and the first differing position."""

    def __init__(self, message: str, *, template_text: str | None, tokenizer_text: str | None,
                 conversation: list[dict[str, str]], add_generation_prompt: bool, position: int | None):
        super().__init__(message)
        self.template_text = template_text
        self.tokenizer_text = tokenizer_text
        self.conversation = conversation
        self.add_generation_prompt = add_generation_prompt
        self.position = position


def first_difference(a: str, b: str) -> int | None:
    """Index of the first character where ``a`` and ``b`` differ (``None`` when equal)."""
    if a == b:
        return None
    n = min(len(a), len(b))
    return next((i for i in range(n) if a[i] != b[i]), n)


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _excerpt(text: str, pos: int, width: int = 30) -> str:
    start = max(0, pos - width)
    return ("..." if start else "") + repr(text[start : pos + width])[1:-1] + ("..." if pos + width < len(text) else "")


def _describe(name: str, where: str, template_id: str, ours: str | None, theirs: str | None, error: str | None,
              pos: int | None) -> str:
    lines = [f"chat template mismatch for conversation {name!r}: template {template_id!r} (used in training) and "
             f"the chat_template of {where} render it differently"]
    if pos is not None and ours is not None and theirs is not None:
        line, col = _line_col(ours, pos)
        lines.append(f"first difference at character {pos} (line {line}, column {col}):")
        lines.append(f"  template:  {_excerpt(ours, pos)}")
        lines.append(f"  tokenizer: {_excerpt(theirs, pos)}")
    lines.append(f"--- rendered by template {template_id!r}:")
    lines.append(ours if ours is not None else "(refused)")
    lines.append(f"--- rendered by the chat_template of {where}:")
    lines.append(theirs if theirs is not None else f"(raised: {error})")
    lines.append("---")
    return "\n".join(lines)


def check_template_parity(
    template: Any,
    tokenizer: Any,
    conversations: list[tuple[str, list[dict[str, str]], bool]] | list[list[dict[str, str]]] | None = None,
    *,
    where: str = "the tokenizer",
) -> None:
    """Render each conversation with ``template.render`` and with
    ``tokenizer.apply_chat_template(..., tokenize=False)``; raise :class:`TemplateParityError`
    on the first difference.

    ``conversations``: ``(name, messages, add_generation_prompt)`` triples or plain message
    lists (each checked with and without a generation prompt); default
    :data:`SAMPLE_CONVERSATIONS` (with/without system, multi-turn, generation prompt, special
    characters). A conversation the template itself refuses (a system prompt for a template
    without one) is skipped; the tokenizer refusing one the template renders is a mismatch.
    A tokenizer without a ``chat_template`` is a mismatch too.
    """
    template_id = getattr(getattr(template, "spec", None), "id", type(template).__name__)
    if not getattr(tokenizer, "chat_template", None):
        raise TemplateParityError(
            f"{where} has no chat_template: tools that render with apply_chat_template cannot reproduce "
            f"the prompts of template {template_id!r}",
            template_text=None, tokenizer_text=None, conversation=[], add_generation_prompt=False, position=None,
        )
    if getattr(template, "tokenizer", None) is None and callable(getattr(template, "bind", None)):
        # bound to the tokenizer it is compared with (the generic template renders with it; formats
        # written with the model's own bos/eos use its tokens); binding the others changes nothing
        template = template.bind(tokenizer)
    cases: list[tuple[str, list[dict[str, str]], bool]] = []
    for k, item in enumerate(conversations if conversations is not None else SAMPLE_CONVERSATIONS):
        if isinstance(item, tuple):
            cases.append(item)
        else:
            cases.extend([(f"conversation {k}", item, False), (f"conversation {k}, generation prompt", item, True)])
    checked = 0
    for name, messages, agp in cases:
        try:
            ours = template.render(messages, add_generation_prompt=agp)
        except ValueError:
            continue  # a shape this template does not have (e.g. no system prompt)
        checked += 1
        theirs, error = None, None
        try:
            theirs = tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=agp)
        except Exception as exc:  # noqa: BLE001 - a Jinja error is a mismatch, shown as such
            error = f"{type(exc).__name__}: {exc}"
        if theirs == ours:
            continue
        pos = first_difference(ours, theirs) if isinstance(theirs, str) else None
        text = theirs if isinstance(theirs, str) or theirs is None else repr(theirs)
        raise TemplateParityError(
            _describe(name, where, template_id, ours, text, error, pos),
            template_text=ours, tokenizer_text=text, conversation=messages, add_generation_prompt=agp, position=pos,
        )
    if not checked:
        raise TemplateParityError(
            f"template {template_id!r} rendered none of the sample conversations; nothing could be compared",
            template_text=None, tokenizer_text=None, conversation=[], add_generation_prompt=False, position=None,
        )


def _run_template_id(model_dir: str) -> str | None:
    from swiftkit.train.args_file import read_args

    return read_args(model_dir, missing_ok=True).get("template")


def check_model_dir_parity(
    model_dir: str,
    template: Any = None,
    *,
    registry: Any = None,
    tokenizer: Any = None,
) -> bool:
    """Deploy-time check: the tokenizer saved in ``model_dir`` renders like the template the
    model was trained with.

    ``template`` is a template id or object; by default the ``template`` recorded in the
    folder's ``args.json`` (a swiftkit export or checkpoint). Returns ``False`` without checking
    when there is nothing to compare (no template named and no ``args.json``, or the generic
    ``tokenizer`` template, which *is* the tokenizer's chat_template); ``True`` when the check
    passed. Raises :class:`TemplateParityError` on a mismatch.
    """
    if template is None:
        template = _run_template_id(model_dir)
        if template is None:
            return False
    if isinstance(template, str):
        if registry is None:
            from swiftkit.core.registry import get_registry

            registry = get_registry()
        template = registry.template(template)
    if getattr(template, "requires_tokenizer", False):
        return False  # renders with the tokenizer's own chat_template: equal by construction
    if tokenizer is None:
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(model_dir)
    check_template_parity(template, tokenizer, where=f"the tokenizer in {model_dir}")
    return True


def check_deploy_parity(
    model_dir: str,
    template: Any,
    *,
    tokenizer: Any = None,
    registry: Any = None,
    warn: Any = None,
) -> bool:
    """The check ``swift deploy`` runs before serving ``model_dir`` with ``template`` (an id or
    the engine's template object).

    A folder written by ``swift export`` (its ``args.json`` says ``"command": "export"``) promises
    that its tokenizer's ``chat_template`` is the training template, so a mismatch raises
    :class:`TemplateParityError`. Any other local folder (a downloaded base model, whose official
    chat template may legitimately differ in details such as stripping whitespace) only gets a
    warning through ``warn(text)`` on a mismatch: the server renders with the template anyway.
    Hub ids (not local folders) are not checked. Returns whether the renderings agreed.
    """
    if not os.path.isdir(model_dir):
        return False
    own_args = os.path.join(model_dir, "args.json")
    exported = False
    if os.path.isfile(own_args):
        try:
            with open(own_args, encoding="utf-8") as fh:
                exported = json.load(fh).get("command") == "export"
        except (OSError, ValueError):
            exported = False
    try:
        return check_model_dir_parity(model_dir, template, registry=registry, tokenizer=tokenizer)
    except TemplateParityError as exc:
        if exported:
            raise
        if warn is not None:
            warn(f"warning: {str(exc).splitlines()[0]} (clients that render with the tokenizer's chat_template "
                 "will send other prompts than the model was trained on)")
        return False
