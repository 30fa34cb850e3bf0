"""The ``layernorm`` tuner (behaviour: torch is only touched through the model it is given)."""

from __future__ import annotations

from typing import Any

from swiftkit.core.methods.interface import Tuner


class LayerNormTuner(Tuner):
    """Freezes every parameter, then unfreezes the weights of the normalisation modules
    (any module whose class name ends in ``Norm``: ``LayerNorm``, ``LlamaRMSNorm``, ...) and
    every parameter of the modules named in ``modules_to_save`` (name suffixes: ``embed_tokens``)."""

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        model.requires_grad_(False)
        trained = 0
        for module in model.modules():
            if type(module).__name__.endswith("Norm"):
                for param in module.parameters(recurse=False):
                    param.requires_grad_(True)
                    trained += param.numel()
        for name in self.options.get("modules_to_save") or []:
            found = [m for path, m in model.named_modules() if path == name or path.endswith("." + name)]
            if not found:
                raise ValueError(f"layernorm: modules_to_save names {name!r}, which {type(model).__name__} does not have")
            for module in found:
                module.requires_grad_(True)
        if self.options.get("layernorm_train_lm_head"):
            head = model.get_output_embeddings()
            if head is not None:
                head.weight.requires_grad_(True)  # a tied head also trains the input embeddings
        if not trained:
            raise ValueError(f"layernorm: {type(model).__name__} has no normalisation module (no class named *Norm)")
        return model
