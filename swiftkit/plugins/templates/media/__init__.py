"""The built-in families' media processors (:class:`~swiftkit.core.templates.media.MediaProcessor`),
one module per family, each referenced lazily from its templates' ``media`` field; nothing here is
imported on the discovery path."""
