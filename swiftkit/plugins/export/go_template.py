"""A renderer for the subset of Go's ``text/template`` that Ollama templates use (and that
:mod:`swiftkit.plugins.export.ollama_template` emits), so a translated chat template can be
checked against the template it came from without Ollama.

Supported: raw text; actions ``{{ PIPE }}``, ``{{ if PIPE }}`` / ``{{ else if PIPE }}`` /
``{{ else }}`` / ``{{ end }}``, ``{{ range $i, $v := PIPE }}`` (and ``range PIPE``), variable
declaration ``$x := PIPE`` and assignment ``$x = PIPE`` (Go 1.11 scoping: a declaration lives
until the ``end`` of its block), comments ``{{/* */}}``, trim markers ``{{-`` / ``-}}``.
Expressions: ``.``, ``.Field``, ``$``, ``$.Field``, ``$x``, ``$x.Field``, string literals (Go's
``"..."`` escapes and raw backquotes), ``true``/``false``, integers, parenthesised calls, and the
functions ``eq ne lt gt and or not len slice index``. Truthiness is Go's: false, 0, "", nil and
empty collections are false. Anything else is a :class:`GoTemplateError` naming the position.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any


class GoTemplateError(ValueError):
    """A template outside the supported subset, or an error while rendering it."""


_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)
_TOKEN = re.compile(r"""\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|`[^`]*`)|(?P<open>\()|(?P<close>\))|(?P<word>[^\s()]+))""")


@dataclass
class _Node:
    kind: str  # text | expr | if | range | assign | declare
    value: Any = None
    branches: list[tuple[Any, list[_Node]]] = field(default_factory=list)  # if: (cond or None, body)
    body: list[_Node] = field(default_factory=list)
    names: tuple[str, ...] = ()


def _lex(source: str) -> list[tuple[str, str, int]]:
    """``(kind, text, offset)`` pieces: text and actions, trim markers applied."""
    out: list[tuple[str, str, int]] = []
    pos = 0
    for m in _ACTION.finditer(source):
        text = source[pos:m.start()]
        if m.group(1):
            text = text.rstrip()
        if out and out[-1][0] == "trim":
            out.pop()
            text = text.lstrip()
        if text:
            out.append(("text", text, pos))
        body = m.group(2).strip()
        if not body.startswith("/*"):
            out.append(("action", body, m.start()))
        if m.group(3):
            out.append(("trim", "", m.end()))
        pos = m.end()
    text = source[pos:]
    if out and out[-1][0] == "trim":
        out.pop()
        text = text.lstrip()
    if text:
        out.append(("text", text, pos))
    if "{{" in text:
        raise GoTemplateError(f"offset {pos}: unclosed action")
    return out


def _tokens(expr: str, where: int) -> list[str]:
    tokens, pos = [], 0
    while pos < len(expr):
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            if expr[pos:].strip():
                raise GoTemplateError(f"offset {where}: cannot read {expr[pos:]!r}")
            break
        tokens.append(m.group(m.lastgroup))
        pos = m.end()
    return tokens


def _parse_expr(tokens: list[str], where: int) -> Any:
    """A pipeline without ``|``: a call (first word a function) or a single operand, as nested lists."""
    def operand(i: int) -> tuple[Any, int]:
        tok = tokens[i]
        if tok == "(":
            items, i = [], i + 1
            while i < len(tokens) and tokens[i] != ")":
                item, i = operand(i)
                items.append(item)
            if i >= len(tokens):
                raise GoTemplateError(f"offset {where}: unbalanced parenthesis")
            return ("call", items), i + 1
        return ("atom", tok), i + 1

    items, i = [], 0
    while i < len(tokens):
        if tokens[i] == ")":
            raise GoTemplateError(f"offset {where}: unbalanced parenthesis")
        item, i = operand(i)
        items.append(item)
    if not items:
        raise GoTemplateError(f"offset {where}: empty action")
    return items[0] if len(items) == 1 else ("call", items)


def parse(source: str) -> list[_Node]:
    """The template's syntax tree (raises :class:`GoTemplateError` outside the subset)."""
    pieces = _lex(source)
    root: list[_Node] = []
    stack: list[tuple[_Node | None, list[_Node]]] = [(None, root)]
    for kind, text, where in pieces:
        body = stack[-1][1]
        if kind == "text":
            body.append(_Node("text", text))
            continue
        words = text.split(None, 1)
        head, rest = (words[0], words[1] if len(words) > 1 else "") if words else ("", "")
        if head == "if":
            node = _Node("if")
            node.branches.append((_parse_expr(_tokens(rest, where), where), []))
            body.append(node)
            stack.append((node, node.branches[-1][1]))
        elif head == "else":
            node = stack[-1][0]
            if node is None or node.kind != "if":
                raise GoTemplateError(f"offset {where}: else outside an if")
            cond = None
            if rest.startswith("if "):
                cond = _parse_expr(_tokens(rest[3:], where), where)
            elif rest:
                raise GoTemplateError(f"offset {where}: unsupported {text!r}")
            node.branches.append((cond, []))
            stack[-1] = (node, node.branches[-1][1])
        elif head == "range":
            m = re.fullmatch(r"(?:(\$\w*)\s*(?:,\s*(\$\w*))?\s*:=\s*)?(.+)", rest, re.S)
            if not m:
                raise GoTemplateError(f"offset {where}: unsupported {text!r}")
            names = tuple(n for n in (m.group(1), m.group(2)) if n)
            node = _Node("range", _parse_expr(_tokens(m.group(3), where), where), names=names)
            body.append(node)
            stack.append((node, node.body))
        elif head == "end":
            if len(stack) == 1:
                raise GoTemplateError(f"offset {where}: end without a block")
            stack.pop()
        elif head in ("with", "define", "template", "block"):
            raise GoTemplateError(f"offset {where}: {head!r} is outside the supported subset")
        else:
            m = re.fullmatch(r"(\$\w+)\s*(:?=)\s*(.+)", text, re.S)
            if m:
                kind_ = "declare" if m.group(2) == ":=" else "assign"
                body.append(_Node(kind_, _parse_expr(_tokens(m.group(3), where), where), names=(m.group(1),)))
            else:
                body.append(_Node("expr", _parse_expr(_tokens(text, where), where)))
    if len(stack) != 1:
        raise GoTemplateError("a block (if/range) has no end")
    return root


def truth(value: Any) -> bool:
    if value is None or value is False:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0
    if isinstance(value, (str, list, tuple, dict)):
        return len(value) > 0
    return True


def _field(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


class _Scope:
    def __init__(self, data: Any):
        self.frames: list[dict[str, Any]] = [{"$": data}]

    def get(self, name: str) -> Any:
        for frame in reversed(self.frames):
            if name in frame:
                return frame[name]
        raise GoTemplateError(f"undefined variable {name}")

    def set(self, name: str, value: Any) -> None:
        for frame in reversed(self.frames):
            if name in frame:
                frame[name] = value
                return
        raise GoTemplateError(f"assignment to undeclared variable {name}")


_FUNCS = {
    "eq": lambda a, *b: any(a == x for x in b),
    "ne": lambda a, b: a != b,
    "lt": lambda a, b: a < b,
    "gt": lambda a, b: a > b,
    "not": lambda a: not truth(a),
    "len": lambda a: len(a),
    "slice": lambda a, *ix: a[ix[0]:ix[1]] if len(ix) > 1 else a[ix[0]:] if ix else a,
    "index": lambda a, i: a[i],
}


def _atom(tok: str, dot: Any, scope: _Scope) -> Any:
    if tok[0] in "\"`":
        return json.loads(tok) if tok[0] == '"' else tok[1:-1]
    if tok in ("true", "false"):
        return tok == "true"
    if re.fullmatch(r"-?\d+", tok):
        return int(tok)
    if tok == ".":
        return dot
    if tok.startswith("."):
        value = dot
        for part in tok[1:].split("."):
            value = _field(value, part)
        return value
    if tok.startswith("$"):
        name, _, path = tok.partition(".")
        value = scope.get(name)
        for part in path.split(".") if path else []:
            value = _field(value, part)
        return value
    raise GoTemplateError(f"unknown word {tok!r}")


def _eval(expr: Any, dot: Any, scope: _Scope) -> Any:
    kind, value = expr
    if kind == "atom":
        return _atom(value, dot, scope)
    head = value[0]
    if head[0] == "atom" and head[1] in ("and", "or"):
        result: Any = None
        for arg in value[1:]:  # Go evaluates and/or lazily, returning the deciding operand
            result = _eval(arg, dot, scope)
            if truth(result) != (head[1] == "and"):
                return result
        return result
    if head[0] != "atom" or head[1] not in _FUNCS:
        if len(value) == 1:
            return _eval(head, dot, scope)
        raise GoTemplateError(f"unknown function {head[1] if head[0] == 'atom' else head!r}")
    return _FUNCS[head[1]](*[_eval(arg, dot, scope) for arg in value[1:]])


def _text(value: Any) -> str:
    if value is None:
        return "<no value>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _run(nodes: list[_Node], dot: Any, scope: _Scope, out: list[str]) -> None:
    for node in nodes:
        if node.kind == "text":
            out.append(node.value)
        elif node.kind == "expr":
            out.append(_text(_eval(node.value, dot, scope)))
        elif node.kind == "declare":
            scope.frames[-1][node.names[0]] = _eval(node.value, dot, scope)
        elif node.kind == "assign":
            scope.set(node.names[0], _eval(node.value, dot, scope))
        elif node.kind == "if":
            for cond, body in node.branches:
                if cond is None or truth(_eval(cond, dot, scope)):
                    scope.frames.append({})
                    _run(body, dot, scope, out)
                    scope.frames.pop()
                    break
        elif node.kind == "range":
            items = _eval(node.value, dot, scope) or []
            pairs = list(items.items()) if isinstance(items, dict) else list(enumerate(items))
            for key, item in pairs:
                frame: dict[str, Any] = {}
                if len(node.names) == 1:
                    frame[node.names[0]] = item
                elif len(node.names) == 2:
                    frame[node.names[0]], frame[node.names[1]] = key, item
                scope.frames.append(frame)
                _run(node.body, item, scope, out)
                scope.frames.pop()


def render(source: str, data: Any) -> str:
    """Render ``source`` with ``data`` as ``.`` (dicts: keys are the field names)."""
    out: list[str] = []
    _run(parse(source), data, _Scope(data), out)
    return "".join(out)
