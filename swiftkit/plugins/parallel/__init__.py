"""Built-in parallel strategies: ddp, fsdp, deepspeed and tp (tensor parallelism).

Each sub-package is a plugin registered through the ``swiftkit.parallel`` entry-point group,
exactly as a third party's would be: ``__init__.py`` registers a
:class:`~swiftkit.core.specs.StrategySpec` (light), ``strategy.py`` implements
:class:`swiftkit.core.parallel.interface.Strategy` and imports torch, transformers or
DeepSpeed only inside the methods that need them.
"""
