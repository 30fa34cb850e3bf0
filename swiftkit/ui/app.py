"""``swift app``: a chat page (Gradio) over a model or a running OpenAI-compatible server.

``--model`` (with ``--adapters``, ``--template``, ``--infer_backend``, as ``swift infer``) loads
an engine in this process; ``--base_url http://HOST:PORT/v1`` talks to a server instead
(``--model`` then names the served model, ``--api_key`` its key). The page streams answers,
keeps the multi-turn history, has a system prompt box (filled from ``--system``) and offers image
upload when the model takes images (``--is_multimodal``, default: the model's modalities).
``--studio_title``, ``--lang``, ``--server_name``, ``--server_port`` and ``--share`` are ms-swift's
page flags; ``--share`` is refused offline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from swiftkit.core.engines.interface import SamplingOptions
from swiftkit.core.errors import ConfigError
from swiftkit.ui.chat import ChatBackend, EngineChat, UrlChat, chat_panel
from swiftkit.ui.i18n import text

#: flags that load a model here, meaningless with --base_url
_LOCAL_ONLY = ("adapters", "infer_backend", "template")


@dataclass
class AppBackend:
    """The chat backend of a page and what to release when the page stops."""

    backend: ChatBackend
    notices: list[str] = field(default_factory=list)
    close: Callable[[], None] = lambda: None
    #: the :class:`~swiftkit.infer.factory.ResolvedModel` of a loaded model (``None`` with ``--base_url``)
    resolved: Any = None


def open_backend(config: dict[str, Any], sampling: SamplingOptions, registry: Any = None) -> AppBackend:
    """The backend ``config`` asks for: :class:`UrlChat` with ``base_url``, else an engine."""
    if config.get("base_url"):
        given = [f"--{key}" for key in _LOCAL_ONLY if config.get(key)]
        if given:
            raise ConfigError(f"{', '.join(given)} load a model in this process, but --base_url {config['base_url']} "
                              "chats with a running server; drop them (name a served model or adapter with --model)")
        backend = UrlChat(config["base_url"], model=config.get("model"), api_key=config.get("api_key"),
                          sampling=sampling, multimodal=bool(config.get("is_multimodal")))
        backend.served_model()  # fail now, not at the first message, when the server is not there
        return AppBackend(backend=backend)
    if not config.get("model"):
        raise ConfigError("swift app needs --model (a model id, folder or checkpoint) or --base_url "
                          "(a running OpenAI-compatible server, http://HOST:PORT/v1)")
    from swiftkit.infer.factory import create_engine, default_adapter

    engine, resolved = create_engine(config, registry)
    adapter = default_adapter(resolved)
    multimodal = config.get("is_multimodal")
    if multimodal is None:
        multimodal = "image" in (getattr(resolved.spec, "modalities", None) or [])
    name = f"{resolved.model_id} ({engine.spec.id})" + (f", adapter {adapter}" if adapter else "")
    backend = EngineChat(engine=engine, name=name, sampling=sampling, adapter=adapter, multimodal=bool(multimodal))
    return AppBackend(backend=backend, notices=list(resolved.notices), close=engine.close, resolved=resolved)


def build_app(backend: ChatBackend, *, title: str | None = None, lang: str | None = None,
              system: str | None = None) -> Any:
    """The page (a ``gr.Blocks``, not launched) chatting with ``backend``."""
    from swiftkit.ui.runtime import import_gradio

    gr = import_gradio()
    lang = lang or "en"
    title = title or text("default_title", lang)
    with gr.Blocks(title=title, analytics_enabled=False) as page:
        gr.Markdown(f"## {title}", elem_id="swift-title")
        gr.Markdown(f"{text('model', lang)}: `{backend.name}`", elem_id="swift-model")
        chat_panel(backend, lang=lang, system=system)
    return page


def run_app(config: dict[str, Any], sampling: SamplingOptions, *, registry: Any = None,
            echo: Callable[[str], None] = print, block: bool = True) -> Any:
    """Serve the page of ``config`` until Ctrl-C (``block``), else return the
    :class:`~swiftkit.ui.runtime.Launched` page (the caller closes it and the backend)."""
    from swiftkit.ui.runtime import check_share, launch

    check_share(config.get("share"))  # before any model loads
    opened = open_backend(config, sampling, registry)
    for line in opened.notices:
        echo(f"note: {line}")
    try:
        page = build_app(opened.backend, title=config.get("studio_title"), lang=config.get("lang"),
                         system=config.get("system"))
        launched = launch(page, server_name=config.get("server_name"), server_port=config.get("server_port"),
                          share=bool(config.get("share")))
    except BaseException:
        opened.close()
        raise
    echo(f"swift app: chatting with {opened.backend.name} at {launched.url} (Ctrl-C stops)")
    if not block:
        launched.backend = opened  # type: ignore[attr-defined]
        return launched
    try:
        launched.blocks.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        launched.close()
        opened.close()
    return launched
