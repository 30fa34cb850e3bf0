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


#: Mistral's image tokens: one [IMG] per token-sized cell, [IMG_BREAK] after each row, [IMG_END] last
_MISTRAL_IMAGE_TOKENS = ["[IMG]", "[IMG_BREAK]", "[IMG_END]"]


def _mistral3(id: str, description: str, default_system: str | None, *, media: str = "Mistral3Media",
              extra_tokens: tuple[str, ...] = ()) -> TemplateSpec:
    # <s>[SYSTEM_PROMPT]sys[/SYSTEM_PROMPT][INST]q[IMG]...[/INST]answer</s>
    from swiftkit.plugins.templates.mistral_templates import MISTRAL_TOKENS

    return TemplateSpec(
        id=id,
        description=description,
        prefix="<s>",
        system="[SYSTEM_PROMPT]{content}[/SYSTEM_PROMPT]",
        user="[INST]{content}[/INST]",
        assistant_suffix="</s>",
        default_system=default_system,
        stop_words=["</s>"],
        special_tokens=[*MISTRAL_TOKENS, "[SYSTEM_PROMPT]", "[/SYSTEM_PROMPT]", *_MISTRAL_IMAGE_TOKENS, *extra_tokens],
        media=f"{_MEDIA}.mistral3:{media}",
    )


def _mistral_templates() -> list[TemplateSpec]:
    from swiftkit.plugins.templates.mistral_templates import MISTRAL_SMALL_3_SYSTEM

    return [
        # Mistral-Small-3.1-24B 2503: the Mistral-Small 3 turns and default system prompt (date pinned as
        # in `mistral_2501`), [IMG] per image content part.
        _mistral3("mistral_2503", "Mistral-Small 3.1 (2503) with images: [SYSTEM_PROMPT] turn with its default "
                  "prompt, [IMG]/[IMG_BREAK]/[IMG_END] rows per image", MISTRAL_SMALL_3_SYSTEM),
        # Mistral-Small-3.2 2506 and Ministral 3 (2512): the same turns; their default system prompts ship
        # as the checkpoints' SYSTEM_PROMPT.txt (read by mistral-common), so none is set here.
        _mistral3("mistral_2506", "Mistral-Small 3.2 (2506) with images: [SYSTEM_PROMPT] turns, [IMG] rows; "
                  "system prompt from the checkpoint", None),
        _mistral3("mistral_2512", "Ministral 3 (2512) with images: [SYSTEM_PROMPT] turns, [IMG] rows; "
                  "system prompt from the checkpoint", None),
        # Ministral 3 Reasoning: the same turns; the model writes its reasoning in [THINK]...[/THINK].
        _mistral3("mistral_2512_thinking", "Ministral 3 Reasoning (2512): [SYSTEM_PROMPT] turns, [IMG] rows, "
                  "reasoning in [THINK]...[/THINK] blocks of the reply", None, extra_tokens=("[THINK]", "[/THINK]")),
        # Pixtral-12B (mistral-community port): <s>[INST]q[IMG]...[/INST]answer</s>, no system role: the
        # system text opens a user message.
        replace(_mistral3("pixtral", "Pixtral-12B: <s>[INST]q[/INST]answer</s> with [IMG]/[IMG_BREAK]/[IMG_END] "
                          "rows per image (16 px tokens)", None, media="PixtralMedia"),
                system_style="merge_first_user", system_in_user="{system}\n\n{content}"),
    ]


def _internvl_hf() -> TemplateSpec:
    # OpenGVLab/InternVL3-*-hf, InternVL3.5-*-HF: ChatML turns, no default system prompt;
    # <IMG_CONTEXT>\n per image, <video>\n per video.
    return TemplateSpec(
        id="internvl_hf",
        description="InternVL (transformers port): ChatML turns, <img><IMG_CONTEXT>...</img> per image tile, "
        "Frame<i>: lines per video",
        system="<|im_start|>system\n{content}<|im_end|>\n",
        user="<|im_start|>user\n{content}<|im_end|>\n",
        assistant_prefix="<|im_start|>assistant\n",
        assistant_suffix="<|im_end|>\n",
        stop_words=["<|im_end|>", "<|endoftext|>"],
        special_tokens=["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<img>", "</img>", "<IMG_CONTEXT>"],
        media=f"{_MEDIA}.internvl:InternVLMedia",
    )


def _glm4v_templates() -> list[TemplateSpec]:
    # GLM-4.1V: the GLM-4 turns; GLM-4.5V / 4.6V / Glyph: the GLM-4.5 hybrid-thinking turns. Each image is
    # <|begin_of_image|><|image|><|end_of_image|> in the user turn.
    from swiftkit.plugins.templates.glm_templates import _glm

    tokens = ["<|begin_of_image|>", "<|image|>", "<|end_of_image|>", "<|begin_of_video|>", "<|video|>",
              "<|end_of_video|>"]
    # GLM-4.1V's generation prompt ends with the newline (GLM-4's puts it into the reply)
    glm4v = _glm("glm4v", "GLM-4.1V: GLM-4 turns, <|begin_of_image|><|image|>...<|end_of_image|> per image",
                 assistant_prefix="<|assistant|>\n", reply_prefix="", media=f"{_MEDIA}.glm4v:Glm4vMedia")
    glm4_5v = _glm("glm4_5v", "GLM-4.5V / 4.6V: GLM-4.5 hybrid-thinking turns, <|begin_of_image|><|image|>..."
                   "<|end_of_image|> per image", is_thinking=True, non_thinking_prefix="<think></think>\n",
                   history_thinking_prefix="<think></think>\n", media=f"{_MEDIA}.glm4v:Glm4vMedia")
    return [replace(t, special_tokens=[*t.special_tokens, *tokens]) for t in (glm4v, glm4_5v)]


def swift_register_templates() -> list[TemplateSpec]:
    return [_gemma3_vision(), _llama3_2_vision(), *_mistral_templates(), _internvl_hf(),
            *_glm4v_templates()]
