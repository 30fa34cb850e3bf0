"""ERNIE 4.5 0.3B (ms-swift model type ``ernie4_5``): Baidu's dense model in PyTorch weights
(``-PT``), base and post-trained, 128K context.

The listing gives the ``-Base-PT`` row the Hugging Face id of the post-trained model
(``baidu/ERNIE-4.5-0.3B-PT``); two specs cannot share a hub id (the registry refuses the
plugin), so the base row carries the base model's own repository, ``baidu/ERNIE-4.5-0.3B-Base-PT``.
"""

from __future__ import annotations

from swiftkit.models.checkpoints import model_shape

FAMILIES = {
    "ernie4_5": {
        "name": "ERNIE 4.5",
        "architecture": "Ernie4_5ForCausalLM",
        "hf_model_type": "ernie4_5",
        "template": "ernie",
        "decoder_layer_cls": "Ernie4_5DecoderLayer",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.baidu.loader:Ernie45Loader",
        "requires": ["transformers>=4.54"],
        "support": "tested",
        "support_note": "Ernie4_5ForCausalLM is native in transformers 5.19; a tiny model passes the family test matrix "
        "(LoRA, full, resume, export, pt infer)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("ernie4_5", "ernie-4.5-0.3b-pt", "PaddlePaddle/ERNIE-4.5-0.3B-PT", "baidu/ERNIE-4.5-0.3B-PT", 0.36, 131072,
     "instruct", "long-context"),
    ("ernie4_5", "ernie-4.5-0.3b-base-pt", "PaddlePaddle/ERNIE-4.5-0.3B-Base-PT", "baidu/ERNIE-4.5-0.3B-Base-PT", 0.36,
     131072, "base", "long-context"),
]
# fmt: on

# config.json of baidu/ERNIE-4.5-0.3B-PT (18 layers, GQA 16/2 heads of 128, tied embeddings)
_SHAPE = model_shape(1024, 18, 16, 2, 3072, 103424, tied=True, head_dim=128)
SHAPES = {"ernie-4.5-0.3b-pt": _SHAPE, "ernie-4.5-0.3b-base-pt": _SHAPE}
