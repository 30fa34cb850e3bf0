"""The bundled dataset ``example-greetings``.

Light registration module (entry point ``example-datasets`` in group ``swiftkit.datasets``).
The data file ships inside this package (see ``[tool.setuptools.package-data]`` in
``pyproject.toml``) and is named as ``"package:relative/path"``; the hook never reads it.
Its rows are in the ``messages`` format (``{"messages": [{"role", "content"}, ...]}``), which
swiftkit's built-in formats plugin registers.
"""

from __future__ import annotations

from swiftkit.core import DatasetSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.0"

DATASET_ID = "example-greetings"
DATA_FILE = "data/greetings.jsonl"
NUM_ROWS = 20


@hookimpl
def swift_register_datasets() -> list[DatasetSpec]:
    return [
        DatasetSpec(
            id=DATASET_ID,
            description="20 short greeting and small-talk conversations (bundled with swiftkit-example-plugin)",
            format="messages",
            path=f"swiftkit_example_plugin:{DATA_FILE}",
            num_rows=NUM_ROWS,
            tags=["chat", "en", "tiny"],
        )
    ]
