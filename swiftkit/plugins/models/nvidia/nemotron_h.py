"""The ``nemotron_h`` family (NVIDIA): Nemotron 3.5 Lightning 30B-A3B, a hybrid Mamba-2 /
attention / mixture-of-experts model (BF16 and NVFP4 builds).

``NemotronHForCausalLM`` (``model_type: nemotron_h``): blocks are Mamba-2 mixers, attention or
routed-expert MLPs per ``layers_block_type``. The listing asks for ``mamba-ssm`` and
``causal-conv1d`` (CUDA kernels); transformers falls back to a pure-torch Mamba-2 scan without
them, which is what the tiny model runs on here. Data only.
"""

from __future__ import annotations

FAMILIES = {
    "nemotron_h": {
        "name": "Nemotron-H",
        "architecture": "NemotronHForCausalLM",
        "hf_model_type": "nemotron_h",
        "template": "nemotron_h",
        "decoder_layer_cls": "NemotronHBlock",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "in_proj", "up_proj", "down_proj"],  # peft refuses the mixer out_proj
        "loader": "swiftkit.plugins.models.nvidia.loader:NemotronHLoader",
        "support": "tested",
        "support_note": "NemotronHForCausalLM, native in transformers; tiny model (mamba, 4-expert moe, attention, "
        "mlp blocks) through the family test matrix on the pure-torch Mamba-2 path; mamba-ssm and causal-conv1d>=1.2.0 "
        "(CUDA) make real-size training practical",
        "requires": ["transformers>=5.0", "mamba-ssm", "causal-conv1d>=1.2.0"],
    },
}

# fmt: off
CHECKPOINTS = [
    ("nemotron_h", "nvidia-nemotron-3.5-lightning-30b-a3b-bf16", "nv-community/NVIDIA-Nemotron-3.5-Lightning-30B-A3B-BF16", "nvidia/NVIDIA-Nemotron-3.5-Lightning-30B-A3B-BF16", 30.0, 262144, "instruct", "moe", "reasoning", "long-context"),
    ("nemotron_h", "nvidia-nemotron-3.5-lightning-30b-a3b-nvfp4", "nv-community/NVIDIA-Nemotron-3.5-Lightning-30B-A3B-NVFP4", "nvidia/NVIDIA-Nemotron-3.5-Lightning-30B-A3B-NVFP4", 30.0, 262144, "instruct", "moe", "reasoning", "long-context", "quantized",
     {"support": "unsupported", "support_note": "NVFP4 weights (NVIDIA ModelOpt 4-bit floating point): need the "
      "nvidia-modelopt package and an FP4-capable (Blackwell) GPU"}),
]
# fmt: on
SHAPES: dict = {}
