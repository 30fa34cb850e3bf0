"""Importing and launching gradio the same way for every page.

Gradio must not phone home: :func:`import_gradio` turns its analytics off before the first
import, and :func:`theme` uses system fonts, so the browser fetches nothing from a font CDN.
``--share`` (a public gradio.live tunnel) needs the network: :func:`check_share` refuses it
offline with the reason.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

from swiftkit.core.errors import ConfigError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
#: set before gradio is imported: no usage analytics, no version check
QUIET_ENV = {"GRADIO_ANALYTICS_ENABLED": "False", "GRADIO_TELEMETRY_ENABLED": "False"}
INSTALL_HINT = "pip install 'swiftkit[app]'"
_OFFLINE_VARS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "SWIFTKIT_OFFLINE")


def import_gradio() -> Any:
    """``gradio``, imported with analytics off; a :class:`ConfigError` with the install line
    when it is missing."""
    for key, value in QUIET_ENV.items():
        os.environ[key] = value  # also when set otherwise: a page of ours never reports usage
    try:
        import gradio
    except ImportError as exc:
        raise ConfigError(f"the web pages need gradio, which is not installed ({exc}); {INSTALL_HINT}") from None
    return gradio


def offline() -> bool:
    """Whether the process runs offline (``HF_HUB_OFFLINE`` / ``TRANSFORMERS_OFFLINE`` / ``SWIFTKIT_OFFLINE``)."""
    return any(os.environ.get(var, "").strip().lower() in ("1", "true", "yes", "on") for var in _OFFLINE_VARS)


def check_share(share: bool | None) -> None:
    """Refuse ``--share true`` offline: the gradio.live tunnel needs the network."""
    if share and offline():
        set_vars = [var for var in _OFFLINE_VARS if os.environ.get(var)]
        raise ConfigError(f"--share true needs the network (a public gradio.live tunnel), but this process is offline "
                          f"({', '.join(set_vars)} set); drop --share and use --server_name 0.0.0.0 to reach the page "
                          "from other machines")


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port nothing listens on at ``host`` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host if host not in ("", "0.0.0.0") else DEFAULT_HOST, 0))
        return int(sock.getsockname()[1])


def theme() -> Any:
    """gradio's default look with system fonts (no Google Fonts request)."""
    gr = import_gradio()
    return gr.themes.Default(font=["ui-sans-serif", "system-ui", "sans-serif"],
                             font_mono=["ui-monospace", "Consolas", "monospace"])


@dataclass
class Launched:
    """A page being served: ``url`` to open, :meth:`close` to stop it."""

    blocks: Any
    url: str
    host: str
    port: int

    def close(self) -> None:
        self.blocks.close()


def launch(blocks: Any, *, server_name: str | None = None, server_port: int | None = None, share: bool = False,
           block: bool = False) -> Launched:
    """Serve ``blocks`` at ``server_name:server_port`` (``127.0.0.1:7860`` by default; port 0: a
    free one). With ``block`` this returns only when the server stops (Ctrl-C); else the server
    runs in a background thread and the caller closes it."""
    check_share(share)
    host = server_name or DEFAULT_HOST
    port = DEFAULT_PORT if server_port is None else int(server_port)
    if port == 0:
        port = free_port(host)
    blocks.queue()
    blocks.launch(server_name=host, server_port=port, share=bool(share), prevent_thread_lock=True, quiet=True,
                  inbrowser=False, ssr_mode=False, show_error=True, footer_links=[], theme=theme())
    shown = DEFAULT_HOST if host in ("0.0.0.0", "") else host
    launched = Launched(blocks=blocks, url=f"http://{shown}:{port}/", host=host, port=port)
    if block:
        try:
            blocks.block_thread()
        finally:
            launched.close()
    return launched
