"""Built-in steps of ``swift export`` (group ``swiftkit.export``), one module per plugin."""
