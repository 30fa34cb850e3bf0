"""ms-swift 4.x command-line compatibility: its renamed flags, and its flags swiftkit refuses.

A flag listed in ms-swift's "Command Line Parameters" documentation is either a run-config key
of some plugin (accepted with the same meaning), another spelling of one (``flag_aliases``), or
refused here before anything loads, with the reason and what to use instead (``refused_flags``).
A refusal yields to any plugin that defines the name as an option.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core import hookimpl

SWIFTKIT_PLUGIN_API = "1.3"

#: ms-swift 4 renamed these 3.x flags; both spellings work, the run records swiftkit's key
FLAG_ALIASES: dict[str, str] = {
    "tuner_type": "train_type",
}

#: flag -> why swiftkit refuses it, and what to use instead
REFUSED_FLAGS: dict[str, str] = {}

# ---- flags-rl block: RLHF / sampling / eval / export / app / web-ui / engines (msswift_rl.py) ----
from swiftkit.plugins.compat.msswift_rl import RL_ALIASES, RL_REFUSALS  # noqa: E402

FLAG_ALIASES.update(RL_ALIASES)
REFUSED_FLAGS.update(RL_REFUSALS)
# ---- end of flags-rl block ----


@hookimpl
def swift_register_options() -> list[dict[str, Any]]:
    return [{
        "id": "ms-swift-compat",
        "description": "ms-swift 4.x flag spellings, and the ms-swift flags swiftkit refuses with the reason.",
        "options": {"type": "object", "properties": {}},
        "flag_aliases": FLAG_ALIASES,
        "refused_flags": REFUSED_FLAGS,
    }]
