"""Built-in evaluation backends of ``swift eval`` (group ``swiftkit.eval``), one module per plugin."""
