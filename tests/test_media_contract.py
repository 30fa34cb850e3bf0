"""The media contract of templates (plugin API 1.4): tags replaced by a family processor's
expanded text, media tokens never labelled, tag/media count mismatches refused."""

from __future__ import annotations

import dataclasses

import pytest

from swiftkit.core.templates.interface import IGNORE_INDEX
from swiftkit.core.templates.media import Media, MediaOptions, MediaProcessor, count_tags, replace_tags


class CountingProcessor(MediaProcessor):
    """Each image becomes <|vision_start|> + <|image_pad|> x (width // 10) + <|vision_end|>."""

    kinds = ("image",)

    def placeholder(self, kind: str) -> str:
        return "<|vision_start|><|image_pad|><|vision_end|>"

    def process(self, media: Media) -> dict:
        import torch

        return {"pad_counts": torch.tensor([[img["width"] // 10] for img in media.images])}

    def expand(self, kind: str, index: int, inputs: dict) -> str:
        n = int(inputs["pad_counts"][index][0])
        return "<|vision_start|>" + "<|image_pad|>" * n + "<|vision_end|>"


@pytest.fixture(scope="module")
def vl_template():
    from swiftkit.core.registry import get_registry
    from swiftkit.models.offline_tokenizer import build_tokenizer

    registry = get_registry()
    base = registry.get("template", "qwen2_5").spec
    spec = dataclasses.replace(base, id="test-vl", media=f"{__name__}:CountingProcessor",
                               special_tokens=[*base.special_tokens, "<|vision_start|>", "<|image_pad|>", "<|vision_end|>"])
    tokenizer = build_tokenizer(spec, registry=registry)
    from swiftkit.core.lazy import resolve

    return resolve(spec.behaviour, spec.REFS["behaviour"])(spec).bind(tokenizer), tokenizer


def test_tags_expand_and_media_tokens_are_never_labelled(vl_template):
    template, tok = vl_template
    messages = [{"role": "user", "content": "<image>What is in <image>?"},
                {"role": "assistant", "content": "Two shapes."}]
    enc = template.encode(None, messages, media=Media(images=[{"width": 30}, {"width": 50}]), loss_scale="all")
    pad = tok.convert_tokens_to_ids("<|image_pad|>")
    start = tok.convert_tokens_to_ids("<|vision_start|>")
    assert enc["input_ids"].count(pad) == 3 + 5
    assert enc["input_ids"].count(start) == 2
    media_ids = {pad, start, tok.convert_tokens_to_ids("<|vision_end|>")}
    for token, label in zip(enc["input_ids"], enc["labels"], strict=True):
        if token in media_ids:
            assert label == IGNORE_INDEX
        else:
            assert label == token  # loss_scale="all": everything else is labelled
    assert enc["media_inputs"]["pad_counts"].tolist() == [[3], [5]]
    prompt = template.encode_prompt_inputs(None, messages[:1], media=Media(images=[{"width": 30}, {"width": 20}]))
    assert prompt["input_ids"].count(pad) == 5


def test_mismatched_tags_and_text_templates_are_refused(vl_template):
    template, _ = vl_template
    messages = [{"role": "user", "content": "<image><image>hi"}, {"role": "assistant", "content": "x"}]
    with pytest.raises(ValueError, match="2 <image> tag"):
        template.encode(None, messages, media=Media(images=[{"width": 10}]))
    from swiftkit.core.registry import get_registry
    from swiftkit.models.offline_tokenizer import build_tokenizer

    text = get_registry().template("qwen2_5")
    tok = build_tokenizer("qwen2_5")
    with pytest.raises(ValueError, match="reads text only"):
        text.encode(tok, messages, media=Media(images=[{"width": 10}, {"width": 10}]))
    # a literal tag in a text conversation stays text
    plain = text.encode(tok, messages)
    assert "<image><image>hi" in tok.decode(plain["input_ids"])


def test_count_and_replace_tags_count_across_the_conversation():
    messages = [{"role": "user", "content": "<image>a<video>"}, {"role": "assistant", "content": "b"},
                {"role": "user", "content": "<image><audio>"}]
    assert count_tags(messages) == {"image": 2, "video": 1, "audio": 1}
    out = replace_tags(messages, lambda kind, k: f"[{kind}{k}]")
    assert [m["content"] for m in out] == ["[image0]a[video0]", "b", "[image1][audio0]"]


def test_media_options_read_run_keys_then_ms_swift_environment():
    opts = MediaOptions.from_config({"max_pixels": "1024"}, environ={"MAX_PIXELS": "9", "FPS_MAX_FRAMES": "8"})
    assert opts.max_pixels == 1024 and opts.fps_max_frames == 8 and opts.min_pixels is None
    with pytest.raises(ValueError, match=r"\$FPS must be a number"):
        MediaOptions.from_config({}, environ={"FPS": "fast"})
