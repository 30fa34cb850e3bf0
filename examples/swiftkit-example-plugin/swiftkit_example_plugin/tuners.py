"""The tuner ``example-norm-tuning``: train only the model's normalization weights.

Light registration module (entry point ``example-tuners`` in group ``swiftkit.methods``). The
behaviour lives in :mod:`swiftkit_example_plugin.norm_tuning` and is imported only when a run
selects ``--train_type example-norm-tuning``.

Besides its options, the spec tells swiftkit what the tuner trains (``trains``), so that
``swift recommend`` and ``--auto`` estimate its memory like a built-in tuner's, where it comes
in the recommendation's search (``recommend``), and the learning rate a run gets when it gives
none (``default_learning_rate``).
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.1"

TUNER_ID = "example-norm-tuning"

#: class-name endings of the normalization layers of transformers' decoders
#: (``Qwen2RMSNorm``, ``LlamaRMSNorm``, ``LayerNorm`` ...)
NORM_CLASSES = ["RMSNorm", "LayerNorm"]


@hookimpl
def swift_register_methods() -> list[MethodSpec]:
    return [
        MethodSpec(
            id=TUNER_ID,
            kind="tuner",
            description="Norm tuning: train only the normalization weights (a few thousand per layer); "
            "every other weight stays frozen (bundled with swiftkit-example-plugin).",
            tags=["partial", "example"],
            options={
                "type": "object",
                "properties": {
                    "norm_tuning_classes": {
                        "type": "array",
                        "items": {"type": "string", "minLength": 1},
                        "minItems": 1,
                        "default": NORM_CLASSES,
                        "description": "Modules whose class name ends with one of these are normalization "
                        "layers; their own weights (and biases) train.",
                    },
                },
            },
            # what the memory estimator needs: only the norms train, the base stays as loaded
            trains={"weights": "norms"},
            # tried after swiftkit's tuners (full 10, lora 20, qlora 30): fewer weights, less quality
            recommend={"order": 40, "label": "norm tuning"},
            # a few gains that start at 1.0 take larger steps than LoRA's 1e-4 to move
            default_learning_rate=1e-3,
            impl="swiftkit_example_plugin.norm_tuning:NormTuner",
        )
    ]
