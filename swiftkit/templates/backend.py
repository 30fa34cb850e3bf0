"""``--template_backend``: ms-swift's choice between its own templates (``swift``) and the
tokenizer's ``chat_template`` (``jinja``), which swiftkit spells ``--template tokenizer``."""

from __future__ import annotations

from typing import Any

from swiftkit.core.errors import ConfigError

TOKENIZER_TEMPLATE = "tokenizer"


def template_choice(config: dict[str, Any], default: str | None) -> str | None:
    """The template id a run uses: ``--template``, else ``tokenizer`` with ``--template_backend
    jinja``, else ``default`` (the model's, or a checkpoint's recorded one)."""
    given = config.get("template")
    if config.get("template_backend") == "jinja":
        if given not in (None, TOKENIZER_TEMPLATE):
            raise ConfigError(f"--template_backend jinja renders with the tokenizer's chat_template; it cannot be "
                              f"combined with --template {given}")
        return TOKENIZER_TEMPLATE
    return given or default
