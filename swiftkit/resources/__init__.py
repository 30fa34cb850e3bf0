"""Resources a training run needs: a model's shape, a memory estimate per device, and the
cheapest configuration that fits the devices at hand (``swift recommend``, ``--auto``).

Pure Python and import-light: :mod:`shape`, :mod:`estimate` and :mod:`recommend` import
nothing heavy (devices are probed through :func:`swiftkit.core.parallel.env.probe_devices`
only when none are given). :mod:`measure` measures real training steps and imports torch.
"""

from __future__ import annotations

from swiftkit.resources.estimate import Estimate, estimate_memory
from swiftkit.resources.shape import ModelShape, shape_from_config, shape_from_params, shape_of_model

__all__ = ["Estimate", "ModelShape", "estimate_memory", "shape_from_config", "shape_from_params", "shape_of_model"]
