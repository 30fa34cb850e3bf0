"""What the MiniCPM-architecture families share (MiniCPM 1/2, 2B-128k, MiniCPM4, MiniCPM-MoE):
``MiniCPMForCausalLM`` from the checkpoints' own ``modeling_minicpm.py`` (config.json
``model_type`` "minicpm"; transformers 5.19 has no such class). Data only."""

from __future__ import annotations

MINICPM = {
    "architecture": "MiniCPMForCausalLM",
    "hf_model_type": "minicpm",
    "decoder_layer_cls": "MiniCPMDecoderLayer",
    "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
    "support": "remote_code",
    "support_note": "MiniCPMForCausalLM from the checkpoint's modeling_minicpm.py",
}
