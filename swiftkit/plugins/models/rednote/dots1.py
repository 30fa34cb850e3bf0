"""dots.llm1 (ms-swift model type ``dots1``): rednote hi lab's 142B mixture-of-experts model
(14B active; 128 routed experts, top-6, 2 shared experts, the first layer dense), 32K context;
base and instruct.
"""

from __future__ import annotations

FAMILIES = {
    "dots1": {
        "name": "dots.llm1",
        "architecture": "Dots1ForCausalLM",
        "hf_model_type": "dots1",
        "template": "dots1",
        "decoder_layer_cls": "Dots1DecoderLayer",
        # routed experts are fused 3-D parameters: LoRA adapts attention, the dense layer and shared experts
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.rednote.loader:Dots1Loader",
        "requires": ["transformers>=4.53"],
        "support": "tested",
        "support_note": "Dots1ForCausalLM is native in transformers 5.19; a tiny model (4 experts, top-2, a dense "
        "first layer, a shared expert, q/k norms) passes the family test matrix (LoRA, full, resume, export, pt infer)",
    },
}

# fmt: off
CHECKPOINTS = [
    ("dots1", "dots.llm1.base", "rednote-hilab/dots.llm1.base", "=", 142.0, 32768, "base", "moe"),
    ("dots1", "dots.llm1.inst", "rednote-hilab/dots.llm1.inst", "=", 142.0, 32768, "instruct", "moe"),
]
# fmt: on
