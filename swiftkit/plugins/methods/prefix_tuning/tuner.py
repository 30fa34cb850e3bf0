"""Prefix tuning: a ``peft.PrefixTuningConfig`` from the run options.

The prefixes enter as a key/value cache, so the logits keep the shape of ``input_ids`` (unlike
prompt tuning). The adapter cannot be merged into the weights: inference and export load it
with peft (``PeftModel.from_pretrained``).
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._common import OptionTuner, causal_lm_task_type, refuse_peft_model


class PrefixTuningTuner(OptionTuner):
    """peft prefix tuning; only the prefix encoder trains."""

    def prefix_tuning_config(self, model: Any) -> Any:
        from peft import PrefixTuningConfig

        projection = bool(self.option("prefix_projection"))
        hidden = int(self.option("prefix_encoder_hidden_size")) or int(getattr(model.config, "hidden_size", 0) or 0)
        if projection and hidden <= 0:
            raise ValueError("prefix_tuning: set --prefix_encoder_hidden_size (the model config has no hidden_size)")
        return PrefixTuningConfig(
            task_type=causal_lm_task_type(model),
            num_virtual_tokens=int(self.option("num_virtual_tokens")),
            prefix_projection=projection,
            encoder_hidden_size=hidden if projection else None,
        )

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        from peft import get_peft_model

        refuse_peft_model(model, "prefix_tuning")
        return get_peft_model(model, self.prefix_tuning_config(model))
