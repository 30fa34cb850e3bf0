"""Adapter tuner: registration module (light: imports nothing heavy).

Bottleneck adapters (Houlsby et al., https://arxiv.org/abs/1902.00751) after the MLP of every
decoder layer: a down projection to ``adapter_length`` features, an activation
(``adapter_act``), an up projection back, added to the MLP's output. Only the adapters train,
and a checkpoint holds only their weights. Option names and defaults are ms-swift's
(``--train_type adapter --adapter_length 128 --adapter_act gelu``).
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

#: activations an adapter may use (transformers' names)
ADAPTER_ACTIVATIONS = ("gelu", "gelu_new", "gelu_pytorch_tanh", "quick_gelu", "relu", "leaky_relu", "silu", "swish",
                       "tanh", "sigmoid", "mish")

ADAPTER_OPTIONS = option_schema(
    own={
        "adapter_length": {
            "type": "integer",
            "minimum": 1,
            "default": 128,
            "description": "Width of each bottleneck adapter (features between its down and up projection).",
        },
        "adapter_act": {
            "enum": list(ADAPTER_ACTIVATIONS),
            "default": "gelu",
            "description": "Activation between the adapter's down and up projection.",
        },
    },
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="adapter",
            kind="tuner",
            description="Bottleneck adapters after the MLP of every decoder layer (down projection, activation, "
            "up projection, added to the MLP output; the model starts unchanged); only they train.",
            tags=["adapter"],
            options=ADAPTER_OPTIONS,
            trains={"weights": "adapters"},
            recommend={"label": "bottleneck adapters"},
            impl="swiftkit.plugins.methods.adapter.tuner:AdapterTuner",
        )
    ]
