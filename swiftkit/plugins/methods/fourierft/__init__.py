"""FourierFT tuner: registration module (light: imports nothing heavy).

Option names and defaults follow ms-swift's (``--fourier_n_frequency 2000``,
``--fourier_scaling 300.0``); the adapted modules are the shared ``--target_modules`` and
``--modules_to_save``. Behaviour: :mod:`swiftkit.plugins.methods.fourierft.tuner`.
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import option_schema

SWIFTKIT_PLUGIN_API = "1.5"

FOURIERFT_OPTIONS = option_schema(
    "target_modules",
    "modules_to_save",
    own={
        "fourier_n_frequency": {
            "type": "integer",
            "minimum": 1,
            "default": 2000,
            "description": "Number of spectral coefficients learned per adapted layer (the role LoRA's rank "
            "plays); at most in_features x out_features of the smallest adapted layer.",
        },
        "fourier_scaling": {
            "type": "number",
            "exclusiveMinimum": 0,
            "default": 300.0,
            "description": "Scale of the weight update rebuilt from the spectrum by the inverse discrete "
            "Fourier transform (the role lora_alpha plays).",
        },
    },
)


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="fourierft",
            kind="tuner",
            description="FourierFT: learns a few spectral coefficients per layer; the weight update is their "
            "inverse 2-D discrete Fourier transform (peft FourierFT).",
            tags=["peft", "adapter", "spectral"],
            requires=["peft>=0.17"],
            options=FOURIERFT_OPTIONS,
            impl="swiftkit.plugins.methods.fourierft.tuner:FourierFTTuner",
        )
    ]
