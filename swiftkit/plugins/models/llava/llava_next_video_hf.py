"""LLaVA-NeXT-Video checkpoints (llava-hf ports, ``LlavaNextVideoForConditionalGeneration``):
LLaVA-NeXT with videos as frames pooled 2x2 after the CLIP tower; the 7B ones on Vicuna
(``llava_next_video_hf``; the 32K one on Mistral), the 34B one on Nous-Hermes-2-Yi
(``llava_next_video_yi_hf``). The listing formats both with the ``llava_next_video_hf`` template.
Data only.
"""

from __future__ import annotations


def _family(name: str) -> dict:
    return {
        "name": name,
        "architecture": "LlavaNextVideoForConditionalGeneration",
        "hf_model_type": "llava_next_video",
        "template": "llava_next_video_hf",
        "lora_target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
        "loader": "swiftkit.plugins.models.llava.loader:LlavaNextVideoLoader",
        "support": "tested",
        "support_note": ("LlavaNextVideoForConditionalGeneration, native in transformers; a tiny model of it is "
                         "trained on videos and images and generates in tests/test_mm_llava.py"),
        "requires": ["transformers>=4.42", "av"],
        "modalities": ["image", "video"],
        "model_parts": {
            "vision_tower": ["model.vision_tower"],
            "aligner": ["model.multi_modal_projector", "model.vision_resampler", "model.image_newline"],
            "language_model": ["model.language_model", "lm_head"],
        },
    }


FAMILIES = {
    "llava_next_video_hf": _family("LLaVA-NeXT-Video"),
    "llava_next_video_yi_hf": _family("LLaVA-NeXT-Video (Yi)"),
}

# fmt: off
CHECKPOINTS = [
    ("llava_next_video_hf", "llava-next-video-7b-dpo-hf", "llava-hf/LLaVA-NeXT-Video-7B-DPO-hf", "=", 7.06, 4096,
     "instruct", "video"),
    ("llava_next_video_hf", "llava-next-video-7b-32k-hf", "llava-hf/LLaVA-NeXT-Video-7B-32K-hf", "=", 7.57, 32768,
     "instruct", "video"),
    ("llava_next_video_hf", "llava-next-video-7b-hf", "llava-hf/LLaVA-NeXT-Video-7B-hf", "=", 7.06, 4096,
     "instruct", "video"),
    ("llava_next_video_yi_hf", "llava-next-video-34b-hf", "llava-hf/LLaVA-NeXT-Video-34B-hf", "=", 34.76, 4096,
     "instruct", "video"),
]
# fmt: on
