"""swiftkit-example-plugin: a complete third-party swiftkit plugin package.

It adds what swiftkit does not ship:

- the **SmolLM** model family (Hugging Face TB; Llama architecture) -- :mod:`swiftkit_example_plugin.models`;
- the chat template ``example-chatml`` (ChatML with a default system prompt) that the SmolLM
  models use -- :mod:`swiftkit_example_plugin.templates`;
- the bundled dataset ``example-greetings`` (``data/greetings.jsonl``, ``messages`` format) --
  :mod:`swiftkit_example_plugin.datasets`.

Each of those modules is a *light registration module* named by one entry point in
``pyproject.toml``; this package ``__init__`` stays empty of imports on purpose, because
swiftkit imports it on the way to each of them.
"""

__version__ = "0.1.0"
