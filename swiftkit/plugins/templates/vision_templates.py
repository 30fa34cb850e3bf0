"""Chat templates of the multimodal families Gemma 3, Llama 3.2 Vision, Mistral 3 / Pixtral,
InternVL (HF port) and GLM-4V (data only).

Each names its family's media processor (``media``, in :mod:`swiftkit.plugins.templates.media`)
and lists the media special tokens, so that tiny tokenizers and the label mask know them. A
conversation without media renders exactly as the text turns of the same format.
"""

from __future__ import annotations

from dataclasses import replace

from swiftkit.core.specs import TemplateSpec

_MEDIA = "swiftkit.plugins.templates.media"


def _gemma3_vision() -> TemplateSpec:
    # google/gemma-3-*-it: Gemma turns; a system prompt opens the first user turn, then a blank line.
    return TemplateSpec(
        id="gemma3_vision",
        description="Gemma 3 with images (<start_of_turn>user|model, <start_of_image> + 256 soft tokens per image)",
        prefix="<bos>",
        user="<start_of_turn>user\n{content}<end_of_turn>\n",
        assistant_prefix="<start_of_turn>model\n",
        assistant_suffix="<end_of_turn>\n",
        system_style="merge_first_user",
        system_in_user="{system}\n\n{content}",
        stop_words=["<end_of_turn>", "<eos>"],
        special_tokens=["<bos>", "<eos>", "<pad>", "<start_of_turn>", "<end_of_turn>",
                        "<start_of_image>", "<end_of_image>", "<image_soft_token>"],
        media=f"{_MEDIA}.gemma3:Gemma3Media",
    )


def _llama3_2_vision() -> TemplateSpec:
    # meta-llama/Llama-3.2-11B-Vision-Instruct: the Llama 3.1 turns (date header pinned as in
    # `llama3_2`); with an image and no system message the system turn is left out (the behaviour).
    from swiftkit.plugins.templates.meta_templates import llama3_1

    base = llama3_1("llama3_2_vision", "Llama 3.2 Vision (Llama 3.1 turns; one <|image|> token per image, "
                    "read through cross-attention; no system turn with images)")
    return replace(base, special_tokens=[*base.special_tokens, "<|image|>"],
                   behaviour=f"{_MEDIA}.mllama:Llama32VisionTemplate", media=f"{_MEDIA}.mllama:MllamaMedia")


def swift_register_templates() -> list[TemplateSpec]:
    return [_gemma3_vision(), _llama3_2_vision()]
