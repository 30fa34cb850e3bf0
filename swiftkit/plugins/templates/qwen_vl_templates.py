"""Chat templates of the Qwen vision-language families (ms-swift's ids): data only.

All are ChatML; an ``<image>`` / ``<video>`` tag becomes ``<|vision_start|><|image_pad|>
<|vision_end|>`` (``<|video_pad|>``), as the models' chat templates write an image / video
content part, expanded to one pad token per merged patch by the family's media processor
(:mod:`swiftkit.plugins.templates.media.qwen_vl`). They differ in the default system prompt
(Qwen2-VL / Qwen2.5-VL write "You are a helpful assistant." when none is given, Qwen3-VL none)
and the processor's defaults (Qwen3-VL: 16-pixel patches).
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

_MEDIA = "swiftkit.plugins.templates.media.qwen_vl"
QWEN_VL_SYSTEM = "You are a helpful assistant."
MIMO_SYSTEM = "You are MiMo, an AI assistant developed by Xiaomi."
QVQ_SYSTEM = (
    "You are a helpful and harmless assistant. You are Qwen developed by Alibaba. "
    "You should think step-by-step."
)
#: the special tokens of the Qwen-VL tokenizers that a conversation with media uses
VISION_TOKENS = ["<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>"]
_SPECIALS = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]


def qwen_vl(id: str, description: str, processor: str, *, default_system: str | None = QWEN_VL_SYSTEM,
            thinking: bool = False, **fields) -> TemplateSpec:
    """A ChatML spec whose media are expanded by ``processor`` (a class of :data:`_MEDIA`)."""
    base = dict(
        system="<|im_start|>system\n{content}<|im_end|>\n",
        user="<|im_start|>user\n{content}<|im_end|>\n",
        assistant_prefix="<|im_start|>assistant\n",
        assistant_suffix="<|im_end|>\n",
        tool="<|im_start|>user\n<tool_response>\n{content}\n</tool_response><|im_end|>\n",
        stop_words=["<|im_end|>", "<|endoftext|>"],
        special_tokens=_SPECIALS + VISION_TOKENS + (["<think>", "</think>"] if thinking else []),
        is_thinking=thinking,
        media=f"{_MEDIA}:{processor}",
    )
    base.update(fields)
    return TemplateSpec(id=id, description=description, default_system=default_system, **base)


def swift_register_templates() -> list[TemplateSpec]:
    return [
        qwen_vl("qwen2_vl", "Qwen2-VL: ChatML with images/videos as <|vision_start|><|image_pad|>...<|vision_end|>",
                "Qwen2VLMediaProcessor"),
        qwen_vl("qvq", "QVQ-Preview: the Qwen2-VL format with QVQ's step-by-step system prompt",
                "Qwen2VLMediaProcessor", default_system=QVQ_SYSTEM),
        qwen_vl("qwen2_5_vl", "Qwen2.5-VL: the Qwen2-VL format; videos carry seconds per temporal patch",
                "Qwen2_5VLMediaProcessor"),
        qwen_vl("mimo_vl", "MiMo-VL: the Qwen2.5-VL format with MiMo's default system prompt",
                "Qwen2_5VLMediaProcessor", default_system=MIMO_SYSTEM),
        # Qwen3-VL Instruct and Thinking: no default system prompt; a video is written frame group by
        # frame group, each after its time ("<0.5 seconds>")
        qwen_vl("qwen3_vl", "Qwen3-VL: ChatML without a default system prompt; 16-pixel patches, timed video frames",
                "Qwen3VLMediaProcessor", default_system=None, agent_template="qwen"),
    ]
