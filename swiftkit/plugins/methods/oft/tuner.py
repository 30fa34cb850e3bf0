"""OFT tuner: a ``peft.OFTConfig`` from the run options.

The rotations start at the identity, so the prepared model computes what the base model does.
The adapter merges into the base weights for export.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._common import (
    OptionTuner,
    causal_lm_task_type,
    optional_names,
    refuse_peft_model,
)
from swiftkit.plugins.methods.lora.tuner import resolve_target_modules


class OftTuner(OptionTuner):
    """peft OFT; only the rotation parameters (and ``modules_to_save``) train."""

    def oft_config(self, model: Any, model_spec: Any = None) -> Any:
        from peft import OFTConfig

        size, rank = int(self.option("oft_block_size")), int(self.option("oft_rank"))
        if (size == 0) == (rank == 0):
            raise ValueError(
                f"oft: set exactly one of oft_block_size ({size}) and oft_rank ({rank}); the other must be 0"
            )
        return OFTConfig(
            task_type=causal_lm_task_type(model),
            target_modules=resolve_target_modules(self.option("target_modules"), model, model_spec),
            oft_block_size=size,
            r=rank,
            module_dropout=float(self.option("oft_dropout")),
            coft=bool(self.option("oft_coft")),
            eps=float(self.option("oft_eps")),
            block_share=bool(self.option("oft_block_share")),
            use_cayley_neumann=bool(self.option("oft_use_cayley_neumann")),
            modules_to_save=optional_names(self.option("modules_to_save")),
        )

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        from peft import get_peft_model

        refuse_peft_model(model, "oft")
        return get_peft_model(model, self.oft_config(model, model_spec))
