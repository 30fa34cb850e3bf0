"""``swift infer`` without ``--val_dataset``: a chat in the terminal.

Each line read is a user turn; the answer joins the history, so the chat is multi-turn.
``clear`` starts a new conversation, ``exit`` / ``quit`` or end of input leaves. With
``stream`` the answer is printed piece by piece as the engine produces it. Works the same when
stdin is a pipe (``printf 'Hello\\nexit\\n' | swift infer --model ckpt``). Ctrl-C during an answer
stops that answer (it is not kept in the history); Ctrl-C at the prompt leaves.

Media (a multimodal model): a line ``/image PATH_OR_URL`` (``/video``, ``/audio`` likewise)
attaches a medium to the next message; its ``<image>`` tag is put before the message's text
unless the text places the tags itself. Media stay with the history, so a later turn can ask
about an earlier image; ``clear`` drops them too.
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
#: line command -> the media kind it attaches
MEDIA_COMMANDS = {"/image": "image", "/video": "video", "/audio": "audio"}
_COLUMNS = {"image": "images", "video": "videos", "audio": "audios"}


def _media_command(text: str) -> tuple[str, str] | None:
    """``(kind, value)`` for a ``/image PATH`` line, else ``None``."""
    command, _, value = text.strip().partition(" ")
    kind = MEDIA_COMMANDS.get(command.lower())
    return (kind, value.strip()) if kind else None


def _with_tags(text: str, pending: dict[str, list[str]]) -> str:
    """``text`` with the pending media's tags in front, for each kind whose tags it lacks."""
    prefix = "".join(f"<{kind}>" * len(pending[kind]) for kind in MEDIA_COMMANDS.values()
                     if pending[kind] and f"<{kind}>" not in text)
    return prefix + text


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
    media: dict[str, list[str]] = {kind: [] for kind in MEDIA_COMMANDS.values()}  # the history's
    pending: dict[str, list[str]] = {kind: [] for kind in MEDIA_COMMANDS.values()}  # for the next message
    answers = 0
    echo(f"chat: type a message; {CLEAR_WORDS[0]!r} starts over, {EXIT_WORDS[0]!r} leaves; "
         "'/image PATH' attaches an image to the next message (/video, /audio too)")
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
            for kind in media:
                media[kind], pending[kind] = [], []
            echo("(history cleared)")
            continue
        attach = _media_command(text)
        if attach is not None:
            kind, value = attach
            if not value:
                echo(f"(give the {kind}: /{kind} PATH_OR_URL)")
                continue
            pending[kind].append(value)
            echo(f"({kind} attached to the next message: {value})")
            continue
        if not text.strip():
            continue
        turn = [*history, {"role": "user", "content": _with_tags(text, pending)}]
        sent = {kind: media[kind] + pending[kind] for kind in media}
        request = ChatRequest(messages=with_system(turn, system), sampling=sampling, adapter=adapter,
                              **{_COLUMNS[kind]: list(values) for kind, values in sent.items()})
        try:
            reply = answer(engine, request, stream=stream, echo=echo)
        except KeyboardInterrupt:
            echo("(interrupted)")
            continue
        except ValueError as exc:  # a medium that cannot be read, media the model does not take
            echo(f"error: {exc}")
            for kind in pending:
                pending[kind] = []
            continue
        history = [*turn, {"role": "assistant", "content": reply}]
        media = sent
        pending = {kind: [] for kind in media}
        answers += 1
    return answers
