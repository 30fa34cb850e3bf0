"""LLaVA-1.5 and LLaVA-NeXT (1.6) checkpoints in their transformers ports (llava-hf, xtuner, swift).

LLaVA-1.5 (``LlavaForConditionalGeneration``): a CLIP ViT-L/336 tower, a two-layer MLP projector
and a Vicuna / Llama 3 language model; every image becomes 576 ``<image>`` tokens. LLaVA-NeXT
(``LlavaNextForConditionalGeneration``): the same parts, with "anyres" tiling (the image is cut
into crops at the best of ``image_grid_pinpoints``, each crop a further 576 features, unpadded,
with an ``image_newline`` row end). One family per listing ``model_type``; the templates differ
by language model. Data only.
"""

from __future__ import annotations

_LORA = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
#: module prefixes of the loaded model (transformers 5.19): the CLIP tower, the projector, the LM
_PARTS = {
    "vision_tower": ["model.vision_tower"],
    "aligner": ["model.multi_modal_projector"],
    "language_model": ["model.language_model", "lm_head"],
}
_NEXT_PARTS = {**_PARTS, "aligner": ["model.multi_modal_projector", "model.image_newline"]}
_NOTE = ("{arch}, native in transformers; a tiny model of it is trained on images and generates in "
         "tests/test_mm_llava.py")


def _family(name: str, arch: str, model_type: str, template: str, loader: str, requires: str) -> dict:
    return {
        "name": name,
        "architecture": arch,
        "hf_model_type": model_type,
        "template": template,
        "lora_target_modules": list(_LORA),
        "loader": f"swiftkit.plugins.models.llava.loader:{loader}",
        "support": "tested",
        "support_note": _NOTE.format(arch=arch),
        "requires": [requires],
        "modalities": ["image"],
        "model_parts": dict(_NEXT_PARTS if model_type == "llava_next" else _PARTS),
    }


_LLAVA = ("LlavaForConditionalGeneration", "llava")
_NEXT = ("LlavaNextForConditionalGeneration", "llava_next")

FAMILIES = {
    "llava1_5_hf": _family("LLaVA-1.5", *_LLAVA, "llava1_5_hf", "LlavaLoader", "transformers>=4.36"),
    "llava_llama3_hf": _family("LLaVA-Llama-3 (xtuner)", *_LLAVA, "llava_llama3_hf", "LlavaLlama3Loader",
                               "transformers>=4.36"),
    "llava_llama3_1_hf": _family("LLaVA-Llama-3.1", *_LLAVA, "llava_llama3_1_hf", "LlavaLlama3Loader",
                                 "transformers>=4.41"),
    "llava1_6_mistral_hf": _family("LLaVA-NeXT (Mistral)", *_NEXT, "llava1_6_mistral_hf", "LlavaNextMistralLoader",
                                   "transformers>=4.39"),
    "llava1_6_vicuna_hf": _family("LLaVA-NeXT (Vicuna)", *_NEXT, "llava1_6_vicuna_hf", "LlavaNextLoader",
                                  "transformers>=4.39"),
    "llava1_6_yi_hf": _family("LLaVA-NeXT (Yi)", *_NEXT, "llava1_6_yi_hf", "LlavaNextLoader", "transformers>=4.39"),
    "llama3_llava_next_hf": _family("LLaVA-NeXT (Llama 3)", *_NEXT, "llama3_llava_next_hf", "LlavaNextLlama3Loader",
                                    "transformers>=4.39"),
    "llava_next_qwen_hf": _family("LLaVA-NeXT (Qwen)", *_NEXT, "llava_next_qwen_hf", "LlavaNextQwenLoader",
                                  "transformers>=4.39"),
}

# fmt: off
CHECKPOINTS = [
    ("llava1_5_hf", "llava-1.5-7b-hf", "llava-hf/llava-1.5-7b-hf", "=", 7.06, 4096, "instruct", "vision"),
    ("llava1_5_hf", "llava-1.5-13b-hf", "llava-hf/llava-1.5-13b-hf", "=", 13.35, 4096, "instruct", "vision"),
    ("llava_llama3_hf", "llava-llama-3-8b-v1_1-transformers", "AI-ModelScope/llava-llama-3-8b-v1_1-transformers",
     "xtuner/llava-llama-3-8b-v1_1-transformers", 8.36, 8192, "instruct", "vision"),
    ("llava_llama3_1_hf", "llava-llama3.1-8b", "swift/llava-llama3.1-8b", None, 8.36, 131072, "instruct", "vision"),
    ("llava1_6_mistral_hf", "llava-v1.6-mistral-7b-hf", "llava-hf/llava-v1.6-mistral-7b-hf", "=", 7.57, 32768,
     "instruct", "vision"),
    ("llava1_6_vicuna_hf", "llava-v1.6-vicuna-7b-hf", "llava-hf/llava-v1.6-vicuna-7b-hf", "=", 7.06, 4096,
     "instruct", "vision"),
    ("llava1_6_vicuna_hf", "llava-v1.6-vicuna-13b-hf", "llava-hf/llava-v1.6-vicuna-13b-hf", "=", 13.35, 4096,
     "instruct", "vision"),
    ("llava1_6_yi_hf", "llava-v1.6-34b-hf", "llava-hf/llava-v1.6-34b-hf", "=", 34.76, 4096, "instruct", "vision"),
    ("llama3_llava_next_hf", "llama3-llava-next-8b-hf", "llava-hf/llama3-llava-next-8b-hf", "=", 8.36, 8192,
     "instruct", "vision"),
    ("llava_next_qwen_hf", "llava-next-72b-hf", "llava-hf/llava-next-72b-hf", "=", 72.7, 32768, "instruct", "vision"),
    ("llava_next_qwen_hf", "llava-next-110b-hf", "llava-hf/llava-next-110b-hf", "=", 111.0, 32768, "instruct",
     "vision"),
]
# fmt: on
