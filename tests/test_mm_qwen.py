"""The Qwen vision-language families (Qwen2-VL, Qwen2.5-VL, Qwen3-VL, Qwen3-VL-MoE): listing rows,
tiny models of the real architectures, the media processor against transformers' image
processor and the real chat templates, training with images and videos, generation, and
``swiftkit.data.video`` (PyAV decoding, ms-swift's frame sampling)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from swiftkit.core.registry import get_registry
from swiftkit.core.templates.media import Media, MediaOptions, replace_tags

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TYPES = {"qwen2_vl", "qwen2_5_vl", "qwen3_vl", "qwen3_vl_moe"}
#: family -> the checkpoint whose tiny model the tests build
REPRESENTATIVE = {
    "qwen2_vl": "qwen2-vl-2b-instruct",
    "qwen2_5_vl": "qwen2.5-vl-3b-instruct",
    "qwen3_vl": "qwen3-vl-2b-instruct",
    "qwen3_vl_moe": "qwen3-vl-30b-a3b-instruct",
}
DATA = Path(__file__).parent / "data"
CHAT_TEMPLATES = DATA / "chat_templates"
SOURCES_MM = json.loads((CHAT_TEMPLATES / "SOURCES_mm.json").read_text(encoding="utf-8"))


def _image(w: int, h: int, colour: tuple[int, int, int]):
    from PIL import Image

    img = Image.new("RGB", (w, h), colour)
    for x in range(0, w, 7):  # some structure, so that patches differ
        img.putpixel((x, x * h // max(w, 1)), (255 - colour[0], colour[1], 255 - colour[2]))
    return img


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """family -> (folder, model, tokenizer), each tiny model built and loaded once."""
    from swiftkit.core.lazy import resolve
    from swiftkit.models.tiny import build_tiny_model

    reg = get_registry()
    out = {}
    for family, model_id in REPRESENTATIVE.items():
        folder = build_tiny_model(model_id, tmp_path_factory.mktemp(family))
        spec = reg.resolve_model(model_id).spec
        model, tok = resolve(spec.loader, spec.REFS["loader"])(spec).load(str(folder))
        out[family] = (folder, model, tok)
    return out


def _template(family: str, tiny, **options):
    folder, _, tok = tiny[family]
    reg = get_registry()
    spec = reg.resolve_model(REPRESENTATIVE[family]).spec
    tpl = reg.template(spec.template).configure(media_options=MediaOptions(processor_dir=str(folder), **options))
    return tpl.bind(tok), tok


# ------------------------------------------------------------------ registration data (no torch)


def _listing():
    with open(DATA / "catalogue" / "public-model-listing.csv", newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["section"] == "Multimodal large models" and r["model_type"] in TYPES]


def test_every_listing_row_is_registered_with_its_family_and_template():
    rows = _listing()
    assert len(rows) == 57
    import swiftkit.plugins.models.qwen as qwen

    specs = {s.ms_id: s for s in qwen.swift_register_models() if s.family in TYPES}
    assert len(specs) == len(rows)
    for r in rows:
        spec = specs[r["modelscope_id"]]
        assert spec.hf_id == (r["hf_id"] or None)
        assert (spec.family, spec.template) == (r["model_type"], r["default_template"])
        assert spec.modalities == ["image", "video"]
        assert set(spec.model_parts) == {"vision_tower", "aligner", "language_model"}
        # honest: the architecture is tested here; only templates checked against a real one are 'tested'
        verified = spec.template in SOURCES_MM
        assert spec.support == ("tested" if verified else "untested"), spec.id
        if not verified:
            assert "template-unverified" in spec.tags


# ------------------------------------------------------------------ the tiny models


@pytest.mark.parametrize("family", sorted(REPRESENTATIVE))
def test_tiny_model_is_the_real_architecture_with_its_parts(family, tiny):
    folder, model, tok = tiny[family]
    spec = get_registry().resolve_model(REPRESENTATIVE[family]).spec
    assert type(model).__name__ == spec.architecture
    names = {n for n, _ in model.named_modules()}
    for prefixes in spec.model_parts.values():
        assert all(p in names for p in prefixes), prefixes
    saved = json.loads((folder / "preprocessor_config.json").read_text())
    assert saved["patch_size"] == (16 if family.startswith("qwen3") else 14)
    for key in ("<|image_pad|>", "<|video_pad|>", "<|vision_start|>"):
        assert tok.convert_tokens_to_ids(key) != tok.unk_token_id


# ------------------------------------------------------------------ parity with transformers and the real templates


def _real_render(template_id: str, messages, agp: bool) -> str:
    """The real chat template, given the media as content parts (as transformers' processors are)."""
    from transformers.utils.chat_template_utils import render_jinja_template

    parts = []
    for m in messages:
        content = m["content"]
        pieces, text = [], content
        while True:
            cut = [(text.find(t), t) for t in ("<image>", "<video>") if t in text]
            if not cut:
                break
            at, tag = min(cut)
            if text[:at]:
                pieces.append({"type": "text", "text": text[:at]})
            pieces.append({"type": tag[1:-1]})
            text = text[at + len(tag):]
        if text:
            pieces.append({"type": "text", "text": text})
        parts.append({"role": m["role"], "content": pieces if m["role"] == "user" else content})
    jinja = (CHAT_TEMPLATES / f"{template_id}.jinja").read_text(encoding="utf-8")
    rendered, _ = render_jinja_template(conversations=[parts], chat_template=jinja, add_generation_prompt=agp)
    return rendered[0]


CONVERSATIONS = {
    "image": ([{"role": "user", "content": "<image>What is this?"}, {"role": "assistant", "content": "A square."}], False),
    "system_two_images": ([{"role": "system", "content": "Be brief."},
                           {"role": "user", "content": "Compare <image> and <image>."},
                           {"role": "assistant", "content": "Same."}], False),
    "video_multi_turn": ([{"role": "user", "content": "<video>What happens?"}, {"role": "assistant", "content": "Fading."},
                          {"role": "user", "content": "And here <image>?"}], True),
    "prompt": ([{"role": "user", "content": "Describe <image>"}], True),
}


@pytest.mark.parametrize("template_id", sorted(SOURCES_MM))
@pytest.mark.parametrize("case", sorted(CONVERSATIONS))
def test_prompt_with_placeholders_renders_like_the_real_chat_template(template_id, case):
    from swiftkit.core.lazy import resolve

    template = get_registry().template(template_id)
    processor = resolve(template.spec.media, "swiftkit.core.templates.media:MediaProcessor")(template.spec, None)
    messages, agp = CONVERSATIONS[case]
    ours = template.render(replace_tags(messages, lambda kind, _k: processor.placeholder(kind)), add_generation_prompt=agp)
    assert ours == _real_render(template_id, messages, agp)


@pytest.mark.parametrize("family", ["qwen2_vl", "qwen2_5_vl", "qwen3_vl"])
def test_expanded_ids_and_pixels_equal_transformers_processing(family, tiny):
    """pixel_values / image_grid_thw are those of transformers' image processor loaded from the
    checkpoint's preprocessor_config.json, and the ids are the real template's text with each
    <|image_pad|> repeated prod(grid) / merge_size**2 times (what Qwen2VLProcessor does)."""
    import torch
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    folder, _, tok = tiny[family]
    tpl, _ = _template(family, tiny)
    images = [_image(64, 48, (200, 30, 30)), _image(30, 100, (10, 10, 240))]
    messages = [{"role": "user", "content": "<image>Left or <image>?"}]
    ours = tpl.encode_prompt_inputs(tok, messages, media=Media(images=images))

    reference = Qwen2VLImageProcessorPil.from_pretrained(str(folder))(images=images, return_tensors="pt")
    assert torch.equal(ours["media_inputs"]["pixel_values"], reference["pixel_values"])
    assert torch.equal(ours["media_inputs"]["image_grid_thw"], reference["image_grid_thw"])

    text = tpl.render(replace_tags(messages, lambda kind, _k: "<|vision_start|><|image_pad|><|vision_end|>"),
                      add_generation_prompt=True)
    counts = iter(int(g.prod()) // 4 for g in reference["image_grid_thw"])
    pieces = text.split("<|image_pad|>")
    expanded = pieces[0] + "".join("<|image_pad|>" * next(counts) + p for p in pieces[1:])
    assert ours["input_ids"] == tok(expanded, add_special_tokens=False)["input_ids"]


def test_max_pixels_option_bounds_the_image_patches(tiny):
    small, tok = _template("qwen2_vl", tiny, max_pixels=28 * 28)
    big, _ = _template("qwen2_vl", tiny)
    img = _image(112, 112, (0, 120, 0))
    grid_small = small.media_processor(tok).process(Media(images=[img]))["image_grid_thw"][0].tolist()
    grid_big = big.media_processor(tok).process(Media(images=[img]))["image_grid_thw"][0].tolist()
    assert grid_small == [1, 2, 2] and grid_big == [1, 8, 8]
    # the data pipeline hands the processor to worker processes
    import pickle

    processor = small.media_processor(tok)
    processor.process(Media(images=[img]))
    again = pickle.loads(pickle.dumps(processor))
    assert again.process(Media(images=[img]))["image_grid_thw"][0].tolist() == grid_small


def test_video_patches_follow_transformers_layout(tiny):
    """Each video patch holds its temporal pair (frame 2k, frame 2k+1), each laid out as the image
    processor lays out that frame's patch: two frames A, B give A's patches in temporal slot 0
    and B's in slot 1; an odd frame count repeats the last frame."""
    import torch
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    folder, _, tok = tiny["qwen2_vl"]
    tpl, _ = _template("qwen2_vl", tiny, video_max_pixels=12544, video_min_pixels=784)
    a, b = _image(56, 56, (250, 0, 0)), _image(56, 56, (0, 0, 250))
    out = tpl.media_processor(tok).process(Media(videos=[[a, b, a]], video_fps=[2.0]))
    assert out["video_grid_thw"].tolist() == [[2, 4, 4]]
    image_proc = Qwen2VLImageProcessorPil.from_pretrained(str(folder))
    per = {k: image_proc(images=[img], return_tensors="pt")["pixel_values"].view(16, 3, 2, 14, 14)
           for k, img in (("a", a), ("b", b))}
    video = out["pixel_values_videos"].view(2, 16, 3, 2, 14, 14)
    assert torch.allclose(video[0, :, :, 0], per["a"][:, :, 0], atol=1e-5)
    assert torch.allclose(video[0, :, :, 1], per["b"][:, :, 0], atol=1e-5)
    assert torch.allclose(video[1, :, :, 0], per["a"][:, :, 0], atol=1e-5)
    assert torch.allclose(video[1, :, :, 1], per["a"][:, :, 0], atol=1e-5)  # the repeated last frame


def test_video_placeholders_qwen3_writes_times_qwen2_5_seconds_per_patch(tiny):
    frames = [_image(64, 64, (i * 50, 0, 0)) for i in range(4)]
    messages = [{"role": "user", "content": "<video>Describe."}]
    tpl3, tok3 = _template("qwen3_vl", tiny, video_max_pixels=64 * 64)
    text = tok3.decode(tpl3.encode_prompt_inputs(tok3, messages, media=Media(videos=[frames], video_fps=[2.0]))["input_ids"])
    assert "<0.2 seconds><|vision_start|>" in text and "<1.2 seconds><|vision_start|>" in text
    assert text.count("<|video_pad|>") == 2 * 4  # 2 temporal patches x (4 x 4 patches / 4)
    tpl25, tok25 = _template("qwen2_5_vl", tiny, video_max_pixels=56 * 56)
    enc = tpl25.encode_prompt_inputs(tok25, messages, media=Media(videos=[frames], video_fps=[4.0]))
    assert enc["media_inputs"]["second_per_grid_ts"].tolist() == [0.5]


# ------------------------------------------------------------------ training and generation


def _batch(tpl, tok, rows):
    import torch

    encs = [tpl.encode(tok, messages, media=media) for messages, media in rows]
    width = max(len(e["input_ids"]) for e in encs)
    ids = torch.tensor([e["input_ids"] + [tok.pad_token_id] * (width - len(e["input_ids"])) for e in encs])
    labels = torch.tensor([e["labels"] + [-100] * (width - len(e["labels"])) for e in encs])
    mask = torch.tensor([[1] * len(e["input_ids"]) + [0] * (width - len(e["input_ids"])) for e in encs])
    extra = tpl.media_processor(tok).collate([e["media_inputs"] for e in encs], ids)
    return encs, {"input_ids": ids, "attention_mask": mask, "labels": labels, **extra}


@pytest.mark.parametrize("family", sorted(REPRESENTATIVE))
def test_trains_on_images_and_videos_and_generates(family, tiny):
    import copy

    import torch

    _, loaded, tok = tiny[family]
    model = copy.deepcopy(loaded)
    tpl, _ = _template(family, tiny, video_max_pixels=64 * 64)
    red, blue = _image(64, 48, (220, 20, 20)), _image(40, 90, (20, 20, 220))
    frames = [_image(48, 48, (0, 40 * i, 0)) for i in range(3)]
    rows = [
        ([{"role": "user", "content": "<image>Colour?"}, {"role": "assistant", "content": "red"}], Media(images=[red])),
        ([{"role": "user", "content": "<video>Then <image>?"}, {"role": "assistant", "content": "green, blue"}],
         Media(images=[blue], videos=[frames], video_fps=[2.0])),
    ]
    encs, batch = _batch(tpl, tok, rows)
    media_ids = tpl.media_processor(tok).media_token_ids()
    assert all(label == -100 for e in encs for t, label in zip(e["input_ids"], e["labels"], strict=True) if t in media_ids)
    assert batch["mm_token_type_ids"].eq(2).sum() > 0 and batch["mm_token_type_ids"].eq(1).sum() > 0

    model.train()
    torch.manual_seed(0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(8):
        loss = model(**batch).loss
        loss.backward()
        assert model.model.visual.patch_embed.proj.weight.grad.abs().sum() > 0  # pixels reach the loss
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert all(math.isfinite(x) for x in losses) and losses[-1] < 0.7 * losses[0], losses

    model.eval()
    prompt = tpl.encode_prompt_inputs(tok, rows[1][0][:1], media=rows[1][1])
    ids = torch.tensor([prompt["input_ids"]])
    inputs = tpl.media_processor(tok).collate([prompt["media_inputs"]], ids)
    out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=4, do_sample=False, **inputs)
    assert out.shape[1] > ids.shape[1]


# ------------------------------------------------------------------ swiftkit.data.video


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """A 2.5 s, 10 fps mpeg4 clip whose frame i has grey level 10 * i."""
    import av
    import numpy as np

    path = tmp_path_factory.mktemp("video") / "clip.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=10)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for i in range(25):
            frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), 10 * i, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def test_frame_sampling_follows_ms_swift_defaults():
    from swiftkit.data.video import sample_indices

    assert sample_indices(25, 10) == [0, 8, 16, 24]  # 2.5 s at 2 fps = 5 -> 4 (pairs)
    twenty_seconds = sample_indices(600, 30)
    assert len(twenty_seconds) == 40 and twenty_seconds[0] == 0 and twenty_seconds[-1] == 599
    assert len(sample_indices(600, 30, max_frames=8)) == 8
    assert len(sample_indices(10, 30)) == 4  # at least FPS_MIN_FRAMES
    assert sample_indices(1, 30) == [0, 0]  # one frame makes one (repeated) temporal pair


def test_load_video_decodes_samples_and_bounds_pixels(clip):
    from swiftkit.data.media import MediaError
    from swiftkit.data.video import load_video

    frames, fps = load_video(str(clip))
    assert len(frames) == 4 and fps == pytest.approx(1.6)
    greys = [f.getpixel((10, 10))[0] for f in frames]
    assert greys == sorted(greys) and abs(greys[0] - 0) < 8 and abs(greys[-1] - 240) < 8
    frames, fps = load_video(clip.read_bytes(), MediaOptions(fps=4, video_max_pixels=32 * 24))
    assert len(frames) == 10 and fps == pytest.approx(4.0) and frames[0].size == (32, 24)
    # a video given as its frames (paths, PIL images) is kept as it is
    frames, fps = load_video([frames[0], frames[1]], MediaOptions(fps=3))
    assert len(frames) == 2 and fps == 3.0
    with pytest.raises(MediaError, match="not a decodable video"):
        load_video(b"not a video at all" * 8)
    with pytest.raises(MediaError, match="file not found"):
        load_video(str(clip) + ".missing")
