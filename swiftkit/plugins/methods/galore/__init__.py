"""GaLore tuner: registration module (light: imports nothing heavy).

GaLore (https://arxiv.org/abs/2403.03507) trains every weight, as full fine-tuning does, but
projects the gradients of the chosen weight matrices onto a low-rank subspace before the
optimizer sees them, so the optimizer state of those matrices is low-rank. The optimizer comes
from the ``galore-torch`` package (extra ``galore``).

ms-swift spells it ``--train_type full --use_galore true``; here it is the tuner ``galore``, and
ms-swift's spelling is accepted too: :func:`swift_config_adjust` turns ``--use_galore true`` on
a ``full`` run into ``--train_type galore``. The ``galore_*`` keys are also published as a plain
options group (:func:`swift_register_options`) so that they validate on a ``full`` run before
that adjustment. Q-GaLore (``--galore_quantization true``) is refused with the reason.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core import MethodSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.5"

#: why ``--galore_quantization true`` (Q-GaLore) is refused
Q_GALORE_REFUSAL = (
    "Q-GaLore is not available: its only implementation (the q-galore-torch package, one 2024 release) "
    "steps through bitsandbytes' 8-bit CUDA optimizer and calls torch.cuda.synchronize() on every step, so it "
    "cannot run without an NVIDIA GPU; use GaLore (--galore_quantization false) or --train_type qlora"
)

GALORE_PROPERTIES: dict[str, dict[str, Any]] = {
    "galore_target_modules": {
        "type": ["array", "null"],
        "items": {"type": "string", "minLength": 1},
        "default": None,
        "description": "Keywords choosing the weight matrices whose gradients are projected: a linear module whose "
        "full name contains one of them. Null: the linear layers "
        "whose name contains 'attn' or 'mlp'. Every other parameter trains with the plain optimizer.",
    },
    "galore_rank": {"type": "integer", "minimum": 1, "default": 128,
                    "description": "Rank of the gradient projection (the optimizer state of a target is this wide)."},
    "galore_update_proj_gap": {"type": "integer", "minimum": 1, "default": 50,
                               "description": "Optimizer steps between two recomputations (SVD) of each projection."},
    "galore_scale": {"type": "number", "exclusiveMinimum": 0, "default": 1.0,
                     "description": "Factor applied to the update projected back to full rank."},
    "galore_proj_type": {"enum": ["std", "reverse_std", "right", "left", "full"], "default": "std",
                         "description": "Which side of the gradient matrix is projected: std projects the smaller "
                         "side, reverse_std the larger, right/left always that side, full both."},
    "galore_optim_per_parameter": {
        "type": "boolean", "default": False,
        "description": "One optimizer per parameter, stepped as soon as that parameter's gradient is complete and "
        "then freed (saves the memory of a whole model's gradients). Needs gradient_accumulation_steps 1 and no "
        "data parallelism; gradient clipping does not apply, and checkpoints do not hold these optimizers' state "
        "(a resumed run starts it afresh).",
    },
    "galore_with_embedding": {"type": "boolean", "default": False,
                              "description": "Also project the gradients of the input embedding matrices."},
    "galore_quantization": {"type": "boolean", "default": False,
                            "description": "Q-GaLore (quantized weights and projections). Refused: " + Q_GALORE_REFUSAL},
    "galore_proj_quant": {"type": "boolean", "default": False,
                          "description": "Q-GaLore only: quantize the projection matrices."},
    "galore_proj_bits": {"type": "integer", "minimum": 1, "default": 4,
                         "description": "Q-GaLore only: bits of the quantized projection matrices."},
    "galore_proj_group_size": {"type": "integer", "minimum": 1, "default": 256,
                               "description": "Q-GaLore only: group size of the projection quantization."},
    "galore_cos_threshold": {"type": "number", "default": 0.4,
                             "description": "Q-GaLore only: cosine similarity above which successive projections "
                             "count as alike (the update interval then grows)."},
    "galore_gamma_proj": {"type": "integer", "minimum": 1, "default": 2,
                          "description": "Q-GaLore only: factor by which the projection update interval grows."},
    "galore_queue_size": {"type": "integer", "minimum": 1, "default": 5,
                          "description": "Q-GaLore only: how many past projections the similarity is measured over."},
}

GALORE_OPTIONS = {"type": "object", "properties": GALORE_PROPERTIES}

#: ms-swift's switch; a ``full`` run with it becomes a ``galore`` run (see swift_config_adjust)
USE_GALORE = {
    "use_galore": {
        "type": "boolean", "default": False,
        "description": "ms-swift's spelling of GaLore: with --train_type full, the run uses the galore tuner "
        "(the same as --train_type galore).",
    },
}


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="galore",
            kind="tuner",
            description="GaLore: full-parameter training whose optimizer sees low-rank projections of the "
            "gradients of the attention and MLP matrices (galore-torch).",
            tags=["full", "optimizer"],
            requires=["galore-torch>=1.0"],
            options=GALORE_OPTIONS,
            trains={"weights": "all"},
            recommend={"label": "GaLore"},
            default_learning_rate=1e-5,  # full fine-tuning's
            impl="swiftkit.plugins.methods.galore.tuner:GaloreTuner",
        )
    ]


@hookimpl
def swift_register_options():
    return [{
        "id": "galore-flags",
        "description": "ms-swift's GaLore flags (--use_galore and the galore_* keys), valid on a full run.",
        "options": {"type": "object", "properties": {**USE_GALORE, **GALORE_PROPERTIES}},
    }]


@hookimpl
def swift_config_adjust(config: dict[str, Any], command: str) -> None:
    """``--use_galore true`` selects the galore tuner; Q-GaLore is refused before anything loads."""
    from swiftkit.core.errors import ConfigError

    if config.get("galore_quantization"):
        raise ConfigError(f"--galore_quantization true: {Q_GALORE_REFUSAL}")
    if not config.get("use_galore"):
        return
    train_type = config.get("train_type")
    if train_type == "full":
        config["train_type"] = "galore"
    elif train_type != "galore" and command in ("sft", "pt", "rlhf"):
        raise ConfigError(
            f"--use_galore projects the gradients of full-parameter training; it does not "
            f"apply to --train_type {train_type}: add --train_type full (or use --train_type galore)"
        )
