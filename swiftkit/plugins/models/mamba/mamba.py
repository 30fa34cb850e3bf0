"""The ``mamba`` family (state-spaces): Mamba 130M-2.8B, selective state-space language models.

``MambaForCausalLM`` (no attention: ``in_proj``/``x_proj``/``dt_proj``/``out_proj`` per block;
peft adapts all but ``out_proj``).
transformers runs a pure-torch scan when the ``mamba-ssm`` / ``causal-conv1d`` CUDA kernels are
absent, so it trains on a CPU (slowly at real size). No positional limit; 2048 is the training
context. ms-swift formats it with its ``default`` template. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "mamba": {
        "name": "Mamba",
        "architecture": "MambaForCausalLM",
        "hf_model_type": "mamba",
        "template": "default",
        "decoder_layer_cls": "MambaBlock",
        "lora_target_modules": ["in_proj", "x_proj", "dt_proj"],  # peft refuses out_proj of a Mamba mixer
        "loader": "swiftkit.plugins.models.mamba.loader:MambaLoader",
        "support": "tested",
        "support_note": "MambaForCausalLM, native in transformers; tiny model through the family test matrix on the "
        "pure-torch scan (mamba-ssm / causal-conv1d kernels are optional, CUDA only)",
        "requires": ["transformers>=4.39.0"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("mamba", "mamba-130m-hf", "AI-ModelScope/mamba-130m-hf", "state-spaces/mamba-130m-hf", 0.13, 2048, "base"),
    ("mamba", "mamba-370m-hf", "AI-ModelScope/mamba-370m-hf", "state-spaces/mamba-370m-hf", 0.37, 2048, "base"),
    ("mamba", "mamba-390m-hf", "AI-ModelScope/mamba-390m-hf", "state-spaces/mamba-390m-hf", 0.39, 2048, "base"),
    ("mamba", "mamba-790m-hf", "AI-ModelScope/mamba-790m-hf", "state-spaces/mamba-790m-hf", 0.79, 2048, "base"),
    ("mamba", "mamba-1.4b-hf", "AI-ModelScope/mamba-1.4b-hf", "state-spaces/mamba-1.4b-hf", 1.4, 2048, "base"),
    ("mamba", "mamba-2.8b-hf", "AI-ModelScope/mamba-2.8b-hf", "state-spaces/mamba-2.8b-hf", 2.8, 2048, "base"),
]
# fmt: on
SHAPES: dict = {}
