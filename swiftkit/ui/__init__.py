"""Gradio pages: ``swift app`` (:mod:`swiftkit.ui.app`) and ``swift web-ui`` (:mod:`swiftkit.ui.web_ui`).

Shared pieces: :mod:`swiftkit.ui.runtime` (importing gradio with its analytics off, launching on
a port, refusing ``--share`` offline, a theme with system fonts only), :mod:`swiftkit.ui.i18n`
(``--lang en|zh`` labels) and :mod:`swiftkit.ui.chat` (chat backends over an engine or an
OpenAI-compatible URL, and the chat panel itself). Nothing here is imported on the CLI's
discovery path: gradio is imported inside functions only.
"""
