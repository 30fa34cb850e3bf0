"""SimPO objective (reference-free): CPO's objective with ``loss_type="simpo"`` by default,
``beta`` 2.0 and ``cpo_alpha`` 0 unless set (ms-swift's and TRL's SimPO).

Loss math in :func:`swiftkit.plugins.methods._preference.simpo_loss`.
"""

from __future__ import annotations

from swiftkit.plugins.methods.cpo.objective import CpoObjective

__all__ = ["SimpoObjective"]


class SimpoObjective(CpoObjective):
    """``loss = mean(-logsigmoid(beta * (avg_chosen - avg_rejected) - gamma)) + cpo_alpha * NLL``."""

    method = "simpo"
