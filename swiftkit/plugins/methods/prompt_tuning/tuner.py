"""Prompt tuning: a ``peft.PromptTuningConfig`` from the run options.

The prepared model prepends ``num_virtual_tokens`` learned embeddings to every input. Two
consequences for the code around it:

* called **with** ``labels``, peft pads the labels with -100 for the virtual positions and the
  returned loss is right; called **without** labels (an objective that computes its own loss)
  the logits are ``num_virtual_tokens`` positions longer than ``input_ids``, so the objective
  must keep only the last ``input_ids.shape[1]`` positions;
* the adapter cannot be merged into the weights: inference and export load it with peft
  (``PeftModel.from_pretrained``), and it is saved as a small ``adapter_model.safetensors``.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods._common import OptionTuner, causal_lm_task_type, refuse_peft_model


def model_source(model: Any) -> str:
    """The folder or hub id the model was loaded from (where its tokenizer is)."""
    return str(getattr(model, "name_or_path", "") or getattr(getattr(model, "config", None), "_name_or_path", "") or "")


class PromptTuningTuner(OptionTuner):
    """peft prompt tuning; only the virtual-token embeddings train."""

    def prompt_tuning_config(self, model: Any) -> Any:
        from peft import PromptTuningConfig, PromptTuningInit

        init = self.option("prompt_tuning_init")
        text = self.option("prompt_tuning_init_text")
        kwargs: dict[str, Any] = {}
        if init == "text":
            if not text:
                raise ValueError("prompt_tuning: prompt_tuning_init 'text' needs --prompt_tuning_init_text")
            source = model_source(model)
            if not source:
                raise ValueError(
                    "prompt_tuning: prompt_tuning_init 'text' needs the tokenizer, but the model does not "
                    "record the folder it was loaded from"
                )
            kwargs.update(prompt_tuning_init_text=text, tokenizer_name_or_path=source)
        elif text:
            raise ValueError(
                f"prompt_tuning: prompt_tuning_init_text is only used with prompt_tuning_init 'text', not {init!r}"
            )
        return PromptTuningConfig(
            task_type=causal_lm_task_type(model),
            num_virtual_tokens=int(self.option("num_virtual_tokens")),
            prompt_tuning_init=PromptTuningInit[init.upper()],
            **kwargs,
        )

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        from peft import get_peft_model

        refuse_peft_model(model, "prompt_tuning")
        return get_peft_model(model, self.prompt_tuning_config(model))
