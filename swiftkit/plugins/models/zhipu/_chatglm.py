"""What the ChatGLM-architecture families share (ChatGLM2/3, GLM-4-9B ``chatglm4``, CodeGeeX):
the checkpoints' own ``modeling_chatglm.py`` (config.json ``architectures`` says ``ChatGLMModel``,
its ``auto_map`` maps causal LM to ``ChatGLMForConditionalGeneration``). Data only."""

from __future__ import annotations

CHATGLM = {
    "architecture": "ChatGLMModel",
    "hf_model_type": "chatglm",
    "decoder_layer_cls": "GLMBlock",
    "lora_target_modules": ["query_key_value", "dense", "dense_h_to_4h", "dense_4h_to_h"],
}
REMOTE_CLASS = "ChatGLMForConditionalGeneration (config.json: ChatGLMModel) from the checkpoint's modeling_chatglm.py"
