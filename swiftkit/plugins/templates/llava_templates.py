"""Chat templates of the LLaVA families (llava-hf ports), Idefics3 / SmolVLM and PaliGemma (data only).

Each is the text format of the family's real chat template, with the family's media processor
(``media=``, :mod:`swiftkit.plugins.templates.media`) writing an image content part where a
``<image>`` tag stands. The real templates render a message's images before its text; a row whose
tags open the message (ms-swift's data) therefore renders exactly as they do.

``idefics3`` writes ``User:`` with a space unless the message opens with an image, as the real
template does (its behaviour, ``media.idefics3:Idefics3Template``, adds the space).

Known, intended differences (tests/test_mm_llava.py keeps them honest):

- ``llava1_5_hf`` / ``llava1_6_vicuna_hf``: the llava-hf template ends a reply with a space and
  no end-of-sequence token; swiftkit ends it with ``</s>``, as LLaVA's own Vicuna v1 conversation
  format (the one the models were trained on) does, so that a fine-tuned model learns to stop.
- The transformers processors tokenize with the tokenizer's ``<s>`` / ``<|begin_of_text|>``
  prepended; the templates write it as their ``prefix``.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

_MEDIA = "swiftkit.plugins.templates.media"
_LLAMA_TOKENS = ["<s>", "</s>", "<unk>"]
_LLAMA3_TOKENS = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
_CHATML_TOKENS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]


def _vicuna(id: str, description: str, media: str, tokens: list[str], aliases: list[str] | None = None) -> TemplateSpec:
    """LLaVA's Vicuna v1 format: ``USER: <image>\\nq ASSISTANT: a</s>`` (the system text, when
    given, opens the conversation followed by a space, as the llava-hf template writes it)."""
    return TemplateSpec(
        id=id, description=description, aliases=aliases or [], tags=["multimodal"],
        prefix="<s>",
        system="{content} ",
        user="USER: {content} ",
        assistant_prefix="ASSISTANT:",
        reply_prefix=" ",
        assistant_suffix="</s>",
        stop_words=["</s>"],
        special_tokens=[*_LLAMA_TOKENS, *tokens],
        media=media,
    )


def _chatml(id: str, description: str, media: str, tokens: list[str], *, stop: str = "<|endoftext|>",
            extra: list[str] | None = None) -> TemplateSpec:
    """``<|im_start|>role\\n<image>\\nq<|im_end|>\\n`` (Yi, Qwen and OneVision ports), no default system."""
    return TemplateSpec(
        id=id, description=description, tags=["multimodal"],
        system="<|im_start|>system\n{content}<|im_end|>\n",
        user="<|im_start|>user\n{content}<|im_end|>\n",
        assistant_prefix="<|im_start|>assistant\n",
        assistant_suffix="<|im_end|>\n",
        stop_words=["<|im_end|>", stop],
        special_tokens=[*(extra or _CHATML_TOKENS), *tokens],
        media=media,
    )


def _llama3(id: str, description: str, media: str) -> TemplateSpec:
    """The Llama 3 header format with ``<image>\\n`` content parts."""
    return TemplateSpec(
        id=id, description=description, tags=["multimodal"],
        prefix="<|begin_of_text|>",
        system="<|start_header_id|>system<|end_header_id|>\n\n{content}<|eot_id|>",
        user="<|start_header_id|>user<|end_header_id|>\n\n{content}<|eot_id|>",
        assistant_prefix="<|start_header_id|>assistant<|end_header_id|>\n\n",
        assistant_suffix="<|eot_id|>",
        stop_words=["<|eot_id|>", "<|end_of_text|>"],
        special_tokens=[*_LLAMA3_TOKENS, "<image>"],
        media=media,
    )


#: Idefics3's grid markers: <row_1_col_1> ... <row_6_col_6> (its image splitter makes at most 6 x 6 crops)
IDEFICS3_TOKENS = ["<fake_token_around_image>", "<image>", "<end_of_utterance>", "<global-img>",
                   *(f"<row_{r}_col_{c}>" for r in range(1, 7) for c in range(1, 7))]


def swift_register_templates() -> list[TemplateSpec]:
    return [
        _vicuna("llava1_5_hf", "LLaVA-1.5 (llava-hf): USER: <image>\\nq ASSISTANT: a</s>",
                f"{_MEDIA}.llava:LlavaProcessor", ["<image>"]),
        _vicuna("llava1_6_vicuna_hf", "LLaVA-NeXT Vicuna (llava-hf): USER: <image>\\nq ASSISTANT: a</s>, anyres images",
                f"{_MEDIA}.llava:LlavaNextProcessor", ["<image>"]),
        TemplateSpec(
            id="llava1_6_mistral_hf",
            description="LLaVA-NeXT Mistral (llava-hf): [INST] <image>\\nq [/INST] a</s>, anyres images",
            tags=["multimodal"],
            prefix="<s>",
            system="<<SYS>>\n{content}\n<</SYS>>\n\n",
            user="[INST] {content} [/INST]",
            reply_prefix=" ",
            assistant_suffix="</s> ",
            stop_words=["</s>"],
            special_tokens=[*_LLAMA_TOKENS, "<image>"],
            media=f"{_MEDIA}.llava:LlavaNextProcessor",
        ),
        _chatml("llava1_6_yi_hf", "LLaVA-NeXT Yi-34B (llava-hf): ChatML with <image>\\n parts, anyres images",
                f"{_MEDIA}.llava:LlavaNextProcessor", ["<image>"], stop="<|endoftext|>",
                extra=["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|startoftext|>"]),
        _chatml("llava_next_qwen_hf", "LLaVA-NeXT Qwen-72B/110B (llava-hf): ChatML with <image>\\n parts, anyres images",
                f"{_MEDIA}.llava:LlavaNextProcessor", ["<image>"]),
        _llama3("llama3_llava_next_hf", "LLaVA-NeXT Llama-3-8B (llava-hf): Llama 3 headers with <image>\\n parts",
                f"{_MEDIA}.llava:LlavaNextProcessor"),
        _llama3("llava_llama3_hf", "LLaVA-Llama-3 (xtuner): Llama 3 headers with <image>\\n parts",
                f"{_MEDIA}.llava:LlavaProcessor"),
        _llama3("llava_llama3_1_hf", "LLaVA-Llama-3.1 (swift): Llama 3 headers with <image>\\n parts",
                f"{_MEDIA}.llava:LlavaProcessor"),
        _chatml("llava_onevision_hf", "LLaVA-OneVision (llava-hf): ChatML with <image>\\n / <video>\\n parts",
                f"{_MEDIA}.llava:LlavaOnevisionProcessor", ["<image>", "<video>"]),
        _vicuna("llava_next_video_hf", "LLaVA-NeXT-Video (llava-hf): USER: <video>\\nq ASSISTANT: a</s>",
                f"{_MEDIA}.llava:LlavaNextVideoProcessor", ["<image>", "<video>"]),
        TemplateSpec(
            id="idefics3",
            description="Idefics3 / SmolVLM: User:<image>q<end_of_utterance>\\nAssistant: a<end_of_utterance>",
            tags=["multimodal"],
            prefix="<|begin_of_text|>",
            system="System: {content}<end_of_utterance>\n",
            user="User:{content}<end_of_utterance>\n",
            assistant_prefix="Assistant:",
            reply_prefix=" ",
            assistant_suffix="<end_of_utterance>\n",
            stop_words=["<end_of_utterance>", "<|end_of_text|>"],
            special_tokens=["<|begin_of_text|>", "<|end_of_text|>", *IDEFICS3_TOKENS],
            media=f"{_MEDIA}.idefics3:Idefics3Processor",
            behaviour=f"{_MEDIA}.idefics3:Idefics3Template",
        ),
        TemplateSpec(
            id="paligemma",
            description="PaliGemma: <image> x N, <bos>, the task prefix and \\n; the answer ends with <eos>",
            tags=["multimodal"],
            system_style="none",
            user="{content}\n",
            assistant_suffix="<eos>",
            stop_words=["<eos>"],
            special_tokens=["<bos>", "<eos>", "<pad>", "<image>"],
            media=f"{_MEDIA}.paligemma:PaliGemmaProcessor",
        ),
    ]
