"""LongLoRA tuner: the ``lora`` tuner, plus trainable embeddings and norms, plus S²-attn.

The embeddings and every normalization layer join peft's ``modules_to_save`` (trained in full,
saved in the adapter folder beside the LoRA weights), so checkpoints stay peft adapters that
infer, export (merge) and every engine read like LoRA's. Shifted sparse attention is a
training-time attention function (:mod:`swiftkit.plugins.methods.longlora.s2attn`) installed on
the model being trained; a checkpoint loaded for inference runs the base model's own attention.
"""

from __future__ import annotations

from typing import Any

from swiftkit.plugins.methods.lora.tuner import LoraTuner


def embedding_and_norm_names(model: Any) -> list[str]:
    """Full names of the input embedding and of every normalization module (a ``LayerNorm`` or a
    module whose class name ends in ``Norm``, e.g. ``Qwen2RMSNorm``) that holds parameters."""
    import torch

    embedding = model.get_input_embeddings()
    names = []
    for name, module in model.named_modules():
        if not name or not any(True for _ in module.parameters(recurse=False)):
            continue
        if module is embedding or isinstance(module, torch.nn.LayerNorm) or type(module).__name__.endswith("Norm"):
            names.append(name)
    return names


class LongLoraTuner(LoraTuner):
    """LoRA + trainable embeddings and norms, trained with shifted sparse attention."""

    def lora_config(self, model: Any, model_spec: Any = None) -> Any:
        config = super().lora_config(model, model_spec)
        extra = embedding_and_norm_names(model)
        config.modules_to_save = [*(config.modules_to_save or []), *(n for n in extra if n not in (config.modules_to_save or []))]
        if getattr(model.config, "tie_word_embeddings", False) and hasattr(config, "ensure_weight_tying"):
            config.ensure_weight_tying = True  # the trained embeddings stay the output head too
        return config

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        if self.option("longlora_s2_attn"):
            from swiftkit.plugins.methods.longlora.s2attn import enable

            enable(model, float(self.option("longlora_group_size_ratio")))
        return super().prepare(model, model_spec)
