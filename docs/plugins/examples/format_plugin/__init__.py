"""Dataset plugin: a row format (``qa-pairs``) and a dataset bundled in that format.

Registration module: imports nothing but ``swiftkit.core``. The converter is named by a lazy
reference; the bundled file is named as ``"package:relative/path"`` and ships with the package.
"""

from __future__ import annotations

from swiftkit.core import DatasetSpec, FormatSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.1"


@hookimpl
def swift_register_formats() -> list[FormatSpec]:
    return [
        FormatSpec(
            id="qa-pairs",
            description="{'question', 'answer'}; optional 'context' (becomes the system prompt)",
            columns=["question", "answer"],  # a file whose rows carry these columns is in this format
            converter="format_plugin.converter:QAPairsConverter",
        )
    ]


@hookimpl
def swift_register_datasets() -> list[DatasetSpec]:
    return [
        DatasetSpec(
            id="capitals-qa",
            description="Eight questions about capital cities (bundled, for demos and tests).",
            format="qa-pairs",  # a format id from any plugin
            path="format_plugin:data/capitals.jsonl",
            num_rows=8,
            tags=["demo", "en"],
        )
    ]
