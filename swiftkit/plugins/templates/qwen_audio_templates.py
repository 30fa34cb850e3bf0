"""Chat templates of Qwen2-Audio and Qwen2.5-Omni (ms-swift's ``qwen2_audio`` / ``qwen2_5_omni``):
data only.

Both are Qwen's ChatML with the default system prompt "You are a helpful assistant." written when
the conversation has none, as their chat templates do. A ``<audio>`` tag becomes the content part
the real chat template writes (Qwen2-Audio: ``Audio k: <|audio_bos|><|AUDIO|><|audio_eos|>\\n``;
Qwen2.5-Omni: ``<|audio_bos|><|AUDIO|><|audio_eos|>``), expanded by the family's media processor
(:mod:`swiftkit.plugins.templates.media.qwen_audio`). The real chat templates are stored in
``tests/data/chat_templates/`` (sources in ``SOURCES_mm.json``) and rendered against these specs
by ``tests/test_mm_audio.py``. Qwen2.5-Omni writes text only here: its talker (speech output) is
not part of swiftkit.
"""

from __future__ import annotations

from swiftkit.core.specs import TemplateSpec

QWEN_SYSTEM = "You are a helpful assistant."
_MEDIA = "swiftkit.plugins.templates.media.qwen_audio"
_CHATML = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]
AUDIO_TOKENS = ["<|audio_bos|>", "<|AUDIO|>", "<|audio_eos|>"]
VISION_TOKENS = ["<|vision_bos|>", "<|IMAGE|>", "<|VIDEO|>", "<|vision_eos|>"]


def _audio_chatml(id: str, description: str, media: str, special: list[str]) -> TemplateSpec:
    # <|im_start|>{role}\n{content}<|im_end|>\n for every role (a tool turn too), as the real templates
    return TemplateSpec(
        id=id,
        description=description,
        system="<|im_start|>system\n{content}<|im_end|>\n",
        user="<|im_start|>user\n{content}<|im_end|>\n",
        assistant_prefix="<|im_start|>assistant\n",
        assistant_suffix="<|im_end|>\n",
        tool="<|im_start|>tool\n{content}<|im_end|>\n",
        default_system=QWEN_SYSTEM,
        stop_words=["<|im_end|>", "<|endoftext|>"],
        special_tokens=[*_CHATML, *special],
        media=f"{_MEDIA}:{media}",
    )


def swift_register_templates() -> list[TemplateSpec]:
    return [
        _audio_chatml("qwen2_audio", "Qwen2-Audio: ChatML; each <audio> is 'Audio k: <|audio_bos|><|AUDIO|>...'"
                      "<|audio_eos|>' (Whisper features, 16 kHz)", "Qwen2AudioMedia", AUDIO_TOKENS),
        _audio_chatml("qwen2_5_omni", "Qwen2.5-Omni thinker: ChatML with <|audio_bos|><|AUDIO|><|audio_eos|> "
                      "(text output only; speech output is not supported)", "QwenOmniMedia",
                      [*AUDIO_TOKENS, *VISION_TOKENS]),
    ]
