"""swiftkit: a plugin-registry framework for the whole life of a large language model."""

__version__ = "0.1.0"
