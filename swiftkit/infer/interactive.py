"""``swift infer`` without ``--val_dataset``: a chat in the terminal.

Each line read is a user turn; the answer joins the history, so the chat is multi-turn.
``clear`` starts a new conversation, ``exit`` / ``quit`` or end of input leaves. With
``stream`` the answer is printed piece by piece as the engine produces it. Works the same when
stdin is a pipe (``printf 'Hello\\nexit\\n' | swift infer --model ckpt``). Ctrl-C during an answer
stops that answer (it is not kept in the history); Ctrl-C at the prompt leaves.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import IO, Any

import click

from swiftkit.core.engines.interface import ChatRequest, SamplingOptions
from swiftkit.infer.batch import with_system

PROMPT = "<<< "
EXIT_WORDS = ("exit", "quit")
CLEAR_WORDS = ("clear",)


def _delta(chunk: Any) -> str:
    """The text of a stream chunk (a :class:`StreamChunk`, or a plain string from older engines)."""
    return chunk if isinstance(chunk, str) else (chunk.delta or "")


def answer(engine: Any, request: ChatRequest, *, stream: bool, echo: Callable[..., None]) -> str:
    """Ask ``engine`` and print the answer (piece by piece with ``stream``); return its text."""
    if not stream:
        text = engine.infer([request])[0].text
        echo(text)
        return text
    pieces: list[str] = []
    iterator = engine.stream(request)
    try:
        for chunk in iterator:
            delta = _delta(chunk)
            if delta:
                pieces.append(delta)
                echo(delta, nl=False)
                sys.stdout.flush()
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()  # stops the generation when we leave early (Ctrl-C)
        echo("")
    return "".join(pieces)


def _read_line(stdin: IO[str], echo: Callable[..., None]) -> str:
    """One line of input ('' at the end). A terminal gets line editing; piped input is echoed
    after the prompt, so the transcript reads like a chat."""
    if stdin is sys.stdin and stdin.isatty():
        try:
            import readline  # noqa: F401 - line editing and history for input()
        except ImportError:
            pass
        try:
            return input(PROMPT) + "\n"
        except EOFError:
            return ""
    echo(PROMPT, nl=False)
    line = stdin.readline()
    echo(line.rstrip("\r\n") if line else "")
    return line


def chat_loop(
    engine: Any,
    *,
    sampling: SamplingOptions,
    adapter: str | None = None,
    system: str | None = None,
    stream: bool = False,
    stdin: IO[str] | None = None,
    echo: Callable[..., None] = click.echo,
) -> int:
    """Run the terminal chat until ``exit`` or end of input; return the number of answers."""
    stdin = stdin if stdin is not None else sys.stdin
    history: list[dict[str, str]] = []
    answers = 0
    echo(f"chat: type a message; {CLEAR_WORDS[0]!r} starts over, {EXIT_WORDS[0]!r} leaves")
    while True:
        try:
            line = _read_line(stdin, echo)
        except KeyboardInterrupt:
            echo("")
            break
        if not line:  # end of input
            break
        text = line.rstrip("\r\n")
        command = text.strip().lower()
        if command in EXIT_WORDS:
            break
        if command in CLEAR_WORDS:
            history = []
            echo("(history cleared)")
            continue
        if not text.strip():
            continue
        turn = [*history, {"role": "user", "content": text}]
        request = ChatRequest(messages=with_system(turn, system), sampling=sampling, adapter=adapter)
        try:
            reply = answer(engine, request, stream=stream, echo=echo)
        except KeyboardInterrupt:
            echo("(interrupted)")
            continue
        history = [*turn, {"role": "assistant", "content": reply}]
        answers += 1
    return answers
