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

# ---- data arguments (owner: data-plugins) -------------------------------------------------
_DATA_REFUSED: dict[str, str] = {
    "disable_auto_column_mapping": "swiftkit maps no column names on its own, so there is nothing to disable: a "
    "dataset's format is detected from its exact columns (`swift list formats`); rename columns with --columns",
    "lazy_tokenize": "swiftkit tokenizes every row once before training (checking each one, cached and reused by "
    "the next run); for data larger than memory use --streaming true (rows are tokenized as training reads them), "
    "to skip tokenizing use --cached_dataset from `swift export --to_cached_dataset true`",
}
REFUSED_FLAGS.update(_DATA_REFUSED)


@hookimpl
def swift_register_options() -> list[dict[str, Any]]:
    return [{
        "id": "ms-swift-compat",
        "description": "ms-swift 4.x flag spellings, and the ms-swift flags swiftkit refuses with the reason.",
        "options": {"type": "object", "properties": {}},
        "flag_aliases": FLAG_ALIASES,
        "refused_flags": REFUSED_FLAGS,
    }]
