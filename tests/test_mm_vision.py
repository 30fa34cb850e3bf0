"""The mm-vision families (issue 14): Gemma 3 vision, Llama 3.2 Vision (Mllama), Mistral 3 / Pixtral,
InternVL (transformers port) and GLM-4V / GLM-4V-MoE, each on a tiny random model of its real
architecture (transformers' own classes).

- every listing row of their model types is registered with the listing's hub ids and template;
- a conversation with images is encoded through the family's template (tags -> the processor's
  expanded tokens, media tokens never labelled), batched by the processor's ``collate``, and a
  few optimizer steps lower the loss; the model generates from a prompt with an image;
- parity: the expanded ids and the pixel tensors equal what transformers' processor (or, where
  the Processor class needs torchvision, its PIL image processor and the processor's own
  expansion rule) gives for the prompt our template renders; and that prompt, rendered with
  placeholders, equals the real chat template's rendering of the same conversation as content
  parts (for the templates whose real Jinja is stored: SOURCES_mm.json).
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from swiftkit.core.registry import get_registry
from swiftkit.core.templates.interface import IGNORE_INDEX
from swiftkit.core.templates.media import Media, MediaOptions, replace_tags

LISTING = Path("/work/shared/catalogue/public-model-listing.csv")
DATA = Path(__file__).parent / "data" / "chat_templates"
SOURCES_MM = json.loads((DATA / "SOURCES_mm.json").read_text(encoding="utf-8"))

#: family -> the checkpoint whose architecture the tiny model builds
FAMILIES = {
    "gemma3_vision": "gemma-3-4b-it",
    "llama3_2_vision": "llama3.2-11b-vision-instruct",
    "mistral3": "mistral-small-3.1-24b-instruct-2503",
    "pixtral": "pixtral-12b",
    "internvl": "internvl3-1b-hf",
    "glm4v": "glm-4.1v-9b-thinking",
    "glm4v_moe": "glm-4.5v",
}
TYPES = {"gemma3_vision", "llama3_2_vision", "mistral3", "mistral3_2506", "pixtral", "internvl", "glm4v", "glm4v_moe"}
#: the templates of this file whose real chat template is stored
VERIFIED = sorted(t for t, s in SOURCES_MM.items() if s.get("checked_by") == "tests/test_mm_vision.py")


def _image(width: int, height: int, colour: tuple[int, int, int]):
    from PIL import Image

    img = Image.new("RGB", (width, height), colour)
    for x in range(0, width, 4):  # some structure, so that tiles and patches differ
        img.putpixel((x, x * height // max(width, 1)), (255, 255, 255))
    return img


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """family -> (model, tokenizer, template bound to it, model folder); each tiny model built once."""
    from swiftkit.core.lazy import resolve
    from swiftkit.models.tiny import build_tiny_model

    registry, built = get_registry(), {}

    def get(family: str):
        if family not in built:
            spec = registry.resolve_model(FAMILIES[family]).spec
            folder = build_tiny_model(spec, tmp_path_factory.mktemp(family), registry=registry)
            model, tok = resolve(spec.loader, spec.REFS["loader"])(spec).load(str(folder))
            template = registry.template(spec.template).bind(tok).configure(
                media_options=MediaOptions(processor_dir=str(folder)))
            built[family] = (model, tok, template, folder)
        return built[family]

    return get


# ---------------------------------------------------------------- the catalogue


def test_every_listing_row_of_these_types_is_registered_exactly():
    if not LISTING.exists():
        pytest.skip("the public model listing is not on this machine")
    rows = [r for r in csv.DictReader(LISTING.open(encoding="utf-8"))
            if r["section"] == "Multimodal large models" and r["model_type"] in TYPES]
    assert len(rows) == 54
    by_ms = {e.data.get("ms_id"): e.data for e in get_registry().entries("model") if e.data.get("family") in TYPES}
    assert len(by_ms) == len(rows)
    for r in rows:
        spec = by_ms[r["modelscope_id"]]
        assert spec["hf_id"] == (r["hf_id"] or None), r
        assert spec["family"] == r["model_type"] and spec["template"] == r["default_template"], r
        assert spec["modalities"] and spec["model_parts"], r
        assert spec["support"] == "tested" or "template-unverified" in spec["tags"], r


# ---------------------------------------------------------------- training and generation

CONVERSATIONS = [
    ([{"role": "user", "content": "<image>What colour is this?"}, {"role": "assistant", "content": "Red."}],
     [(70, 40, (200, 20, 20))]),
    ([{"role": "user", "content": "<image>Which one is blue?<image>"}, {"role": "assistant", "content": "The second."}],
     [(40, 40, (20, 200, 20)), (56, 30, (20, 20, 200))]),
    ([{"role": "user", "content": "No picture here."}, {"role": "assistant", "content": "Fine."}], []),
]


def _batch(template, tok, convs):
    import torch

    processor = template.media_processor(tok)
    encoded = [template.encode(tok, msgs, media=Media(images=[_image(*i) for i in imgs]) if imgs else None)
               for msgs, imgs in convs]
    media_ids = processor.media_token_ids()
    for enc in encoded:  # media tokens are never trained on
        assert all(label == IGNORE_INDEX for t, label in zip(enc["input_ids"], enc["labels"], strict=True)
                   if t in media_ids)
    length = max(len(e["input_ids"]) for e in encoded)
    pad = tok.pad_token_id
    ids = torch.tensor([e["input_ids"] + [pad] * (length - len(e["input_ids"])) for e in encoded])
    labels = torch.tensor([e["labels"] + [IGNORE_INDEX] * (length - len(e["labels"])) for e in encoded])
    mask = torch.tensor([[1] * len(e["input_ids"]) + [0] * (length - len(e["input_ids"])) for e in encoded])
    media = processor.collate([e.get("media_inputs") or {} for e in encoded], ids)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels, **media}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_tiny_model_trains_on_images_and_generates_with_them(tiny, family):
    import torch

    model, tok, template, _ = tiny(family)
    spec = get_registry().resolve_model(FAMILIES[family]).spec
    modules = dict(model.named_modules())
    parts = [p for prefixes in spec.model_parts.values() for p in prefixes]
    assert all(p in modules for p in parts), [p for p in parts if p not in modules]
    assert all(any(n.startswith(p + ".") for p in parts) for n, _ in model.named_parameters())

    batch = _batch(template, tok, CONVERSATIONS)
    assert "pixel_values" in batch
    torch.manual_seed(0)
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(5):
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < losses[0] - 0.5, losses
    model.eval()

    prompt = template.encode_prompt_inputs(tok, CONVERSATIONS[0][0][:1], media=Media(images=[_image(70, 40, (200, 20,
                                                                                                              20))]))
    ids = torch.tensor([prompt["input_ids"]])
    media = template.media_processor(tok).collate([prompt["media_inputs"]], ids)
    with torch.no_grad():
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=4, do_sample=False,
                             **media)
    assert out.shape[1] > ids.shape[1]


def test_media_processors_pickle_for_the_data_workers(tiny):
    import pickle

    for family in ("gemma3_vision", "internvl"):
        _, tok, template, _ = tiny(family)
        processor = template.media_processor(tok)
        processor.image_processor()  # built and cached
        copy = pickle.loads(pickle.dumps(processor))
        assert "_image_processor" not in copy.__dict__
        assert copy.process(Media(images=[_image(40, 30, (1, 2, 3))]))["pixel_values"].shape[0] >= 1


def test_the_vision_tower_gets_gradients(tiny):
    """Pixels reach the loss: a backward pass gives the vision tower's weights gradients."""
    model, tok, template, _ = tiny("gemma3_vision")
    batch = _batch(template, tok, CONVERSATIONS[:1])
    model.zero_grad()
    model(**batch).loss.backward()
    grads = [p.grad for n, p in model.named_parameters() if n.startswith("model.vision_tower.") and p.requires_grad]
    assert grads and any(g is not None and g.abs().sum() > 0 for g in grads)
    model.zero_grad()


def test_internvl_reads_a_video_as_frames(tiny):
    import torch
    from transformers.models.internvl.processing_internvl import InternVLProcessor

    model, tok, template, _ = tiny("internvl")
    frames = [_image(64, 48, (10 * i, 100, 200 - 10 * i)) for i in range(3)]
    msgs = [{"role": "user", "content": "<video>What happens?"}, {"role": "assistant", "content": "It fades."}]
    enc = template.encode(tok, msgs, media=Media(videos=[frames], video_fps=[1.0]))
    processor = template.media_processor(tok)
    fake = SimpleNamespace(start_image_token="<img>", end_image_token="</img>", image_token="<IMG_CONTEXT>",
                           image_seq_length=processor.image_seq_length())
    expected = InternVLProcessor.replace_video_token(fake, {"pixel_values_videos": [torch.zeros(3)]}, 0)
    assert expected in tok.decode(enc["input_ids"])
    assert enc["media_inputs"]["pixel_values"].shape[0] == 3
    ids = torch.tensor([enc["input_ids"]])
    media = processor.collate([enc["media_inputs"]], ids)
    loss = model(input_ids=ids, labels=torch.tensor([enc["labels"]]), **media).loss
    assert torch.isfinite(loss)
    with pytest.raises(ValueError, match="both images and videos"):
        template.encode(tok, [{"role": "user", "content": "<image><video>"}, {"role": "assistant", "content": "x"}],
                        media=Media(images=[frames[0]], videos=[frames]))


# ---------------------------------------------------------------- parity with transformers' processors

PARITY = ([{"role": "user", "content": "<image>Describe the picture."}], [(70, 40, (200, 20, 20))])


def _placeholder_prompt(template, tok, messages):
    processor = template.media_processor(tok)
    return template.render(replace_tags(messages, lambda kind, k: processor.placeholder(kind)),
                           add_generation_prompt=True)


def _ours(template, tok, messages, images):
    import torch

    prompt = template.encode_prompt_inputs(tok, messages, media=Media(images=images))
    ids = torch.tensor([prompt["input_ids"]])
    return ids, prompt["media_inputs"], template.media_processor(tok).collate([prompt["media_inputs"]], ids)


def _ids(tok, text):
    return tok(text, add_special_tokens=False, return_tensors="pt")["input_ids"]


def test_gemma3_parity_with_gemma3_processor(tiny):
    import torch
    from transformers import Gemma3ImageProcessorPil, Gemma3Processor

    _, tok, template, folder = tiny("gemma3_vision")
    messages, sizes = PARITY
    images = [_image(*s) for s in sizes]
    from transformers import AutoTokenizer

    # the same tokenizer, with the names of its image tokens that a Gemma 3 checkpoint's config gives
    named = AutoTokenizer.from_pretrained(folder, extra_special_tokens={
        "boi_token": "<start_of_image>", "eoi_token": "<end_of_image>", "image_token": "<image_soft_token>"})
    real = Gemma3Processor(image_processor=Gemma3ImageProcessorPil.from_pretrained(folder), tokenizer=named,
                           image_seq_length=4)
    theirs = real(text=_placeholder_prompt(template, tok, messages), images=images, add_special_tokens=False,
                  return_tensors="pt")
    ids, inputs, batch = _ours(template, tok, messages, images)
    assert torch.equal(ids, theirs["input_ids"])
    assert torch.equal(inputs["pixel_values"], theirs["pixel_values"])
    assert torch.equal(batch["token_type_ids"], theirs["token_type_ids"])


def test_mllama_parity_with_mllama_processor(tiny):
    import torch
    from transformers import MllamaImageProcessorPil, MllamaProcessor

    _, tok, template, folder = tiny("llama3_2_vision")
    messages = [{"role": "user", "content": "<image>Compare with<image>please."}]
    images = [_image(70, 40, (200, 20, 20)), _image(30, 60, (20, 20, 200))]
    real = MllamaProcessor(image_processor=MllamaImageProcessorPil.from_pretrained(folder), tokenizer=tok)
    theirs = real(text=_placeholder_prompt(template, tok, messages), images=[images], add_special_tokens=False,
                  return_tensors="pt")
    ids, _, batch = _ours(template, tok, messages, images)
    assert torch.equal(ids, theirs["input_ids"])
    for key in ("pixel_values", "aspect_ratio_ids", "aspect_ratio_mask", "cross_attention_mask"):
        assert torch.equal(batch[key], torch.as_tensor(theirs[key])), key


def _pixtral_rows(height: int, width: int, token: int) -> str:
    # transformers' PixtralProcessor.replace_image_token (its module needs torchvision to import):
    # a row of [IMG] per token-sized strip, each row closed by [IMG_BREAK], the last by [IMG_END]
    rows = [["[IMG]"] * (width // token) + ["[IMG_BREAK]"] for _ in range(height // token)]
    flat = [t for row in rows for t in row]
    flat[-1] = "[IMG_END]"
    return "".join(flat)


@pytest.mark.parametrize("family,token", [("mistral3", 16), ("pixtral", 8)])
def test_mistral3_and_pixtral_parity_with_pixtral_image_processor(tiny, family, token):
    import torch
    from transformers import PixtralImageProcessorPil

    _, tok, template, folder = tiny(family)
    messages, sizes = PARITY
    images = [_image(*s) for s in sizes]
    theirs = PixtralImageProcessorPil.from_pretrained(folder)(images, return_tensors="pt",
                                                              patch_size={"height": token, "width": token})
    prompt = _placeholder_prompt(template, tok, messages)
    height, width = (int(v) for v in theirs["image_sizes"][0])
    expected = _ids(tok, prompt.replace("[IMG]", _pixtral_rows(height, width, token), 1))
    ids, inputs, _ = _ours(template, tok, messages, images)
    assert torch.equal(ids, expected)
    assert torch.equal(inputs["pixel_values"], theirs["pixel_values"])
    assert torch.equal(inputs["image_sizes"], torch.as_tensor(theirs["image_sizes"]))


def test_internvl_parity_with_internvl_processor_rules(tiny):
    import torch
    from transformers import GotOcr2ImageProcessorPil
    from transformers.models.internvl.processing_internvl import InternVLProcessor

    _, tok, template, folder = tiny("internvl")
    messages, sizes = PARITY
    images = [_image(*s) for s in sizes]
    theirs = GotOcr2ImageProcessorPil.from_pretrained(folder)(images, crop_to_patches=True, return_tensors="pt")
    fake = SimpleNamespace(start_image_token="<img>", end_image_token="</img>", image_token="<IMG_CONTEXT>",
                           image_seq_length=4)
    expansion = InternVLProcessor.replace_image_token(fake, theirs, 0)
    expected = _ids(tok, _placeholder_prompt(template, tok, messages).replace("<IMG_CONTEXT>", expansion, 1))
    ids, inputs, _ = _ours(template, tok, messages, images)
    assert int(theirs["num_patches"][0]) == 3  # two tiles of the 7:4 image and the thumbnail
    assert torch.equal(ids, expected)
    assert torch.equal(inputs["pixel_values"], theirs["pixel_values"])


@pytest.mark.parametrize("family", ["glm4v", "glm4v_moe"])
def test_glm4v_parity_with_glm4v_processor_rules(tiny, family):
    import torch
    from transformers import Glm4vImageProcessorPil
    from transformers.models.glm4v.processing_glm4v import Glm4vProcessor

    _, tok, template, folder = tiny(family)
    messages, sizes = PARITY
    images = [_image(*s) for s in sizes]
    image_processor = Glm4vImageProcessorPil.from_pretrained(folder)
    theirs = image_processor(images, return_tensors="pt")
    fake = SimpleNamespace(image_processor=image_processor, image_token="<|image|>",
                           image_token_id=tok.convert_tokens_to_ids("<|image|>"),
                           video_start_id=tok.convert_tokens_to_ids("<|begin_of_video|>"),
                           video_end_id=tok.convert_tokens_to_ids("<|end_of_video|>"))
    expansion = Glm4vProcessor.replace_image_token(fake, theirs, 0)
    expected = _ids(tok, _placeholder_prompt(template, tok, messages).replace("<|image|>", expansion, 1))
    ids, inputs, batch = _ours(template, tok, messages, images)
    assert torch.equal(ids, expected)
    assert torch.equal(inputs["pixel_values"], theirs["pixel_values"])
    assert torch.equal(inputs["image_grid_thw"], theirs["image_grid_thw"])
    assert batch["mm_token_type_ids"].tolist() == Glm4vProcessor.create_mm_token_type_ids(fake, ids.tolist())


# ---------------------------------------------------------------- parity with the real chat templates

_TAG = re.compile(r"(<image>|<video>)")


def _content_parts(messages):
    """ms-swift's tags -> OpenAI-style content parts, as a processor's apply_chat_template takes them."""
    out = []
    for m in messages:
        if m["role"] == "assistant" or not _TAG.search(m["content"]):
            out.append(m)
            continue
        parts = []
        for piece in _TAG.split(m["content"]):
            if piece in ("<image>", "<video>"):
                parts.append({"type": piece[1:-1]})
            elif piece:
                parts.append({"type": "text", "text": piece})
        out.append({"role": m["role"], "content": parts})
    return out


CHAT_CASES = {
    "image, generation prompt": ([{"role": "user", "content": "<image>What is this?"}], True),
    "two images and a reply": ([{"role": "user", "content": "<image><image>Which is larger?"},
                                {"role": "assistant", "content": "The first one."}], False),
    "image then text turns": ([{"role": "user", "content": "<image>Name the colour."},
                               {"role": "assistant", "content": "Red."},
                               {"role": "user", "content": "And the shape?"}], True),
    "text only": ([{"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi there!"}], False),
    "system, text only": ([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "2+2?"}], True),
}


#: the real templates stamp today's date; ours pin one (Mistral-Small 3's release, Llama 3.1's fallback)
PINNED_DATES = {"%Y-%m-%d": "2025-01-30", "%d %b %Y": "26 Jul 2024"}


@pytest.mark.parametrize("template_id", VERIFIED)
@pytest.mark.parametrize("case", sorted(CHAT_CASES))
def test_renders_like_the_real_chat_template_with_media(tiny, template_id, case):
    from transformers.utils.chat_template_utils import render_jinja_template

    family = next(f for f, m in FAMILIES.items() if get_registry().resolve_model(m).spec.template == template_id)
    _, tok, template, _ = tiny(family)
    messages, agp = CHAT_CASES[case]
    processor = template.media_processor(tok)
    ours = template.render(replace_tags(messages, lambda kind, k: processor.placeholder(kind)),
                           add_generation_prompt=agp)
    spec = template.spec
    rendered, _ = render_jinja_template(
        conversations=[_content_parts(messages)], chat_template=(DATA / f"{template_id}.jinja").read_text("utf-8"),
        add_generation_prompt=agp, bos_token=spec.prefix, eos_token=spec.stop_words[0],
        strftime_now=lambda fmt: PINNED_DATES[fmt])
    assert ours == rendered[0]


def test_sources_mm_name_every_template_this_file_verifies():
    from swiftkit.plugins.models._catalogue import VERIFIED_TEMPLATES

    for template_id in VERIFIED:
        source = SOURCES_MM[template_id]
        assert (DATA / f"{template_id}.jinja").is_file()
        assert {"hub_id", "file", "read_from"} <= set(source)
        assert template_id in VERIFIED_TEMPLATES


@pytest.mark.parametrize("family", ["glm4v"])
def test_glm4v_reads_a_video_laid_out_like_its_video_processor(tiny, family):
    """Two identical frames are one temporal patch: its values equal the image processor's for that
    image (which repeats an image over the temporal patch); the prompt writes one frame block per
    pair of frames with its second, as Glm4vProcessor.replace_video_token does; the model trains on it."""
    import torch
    from transformers import Glm4vImageProcessorPil

    model, tok, template, folder = tiny(family)
    still = _image(56, 40, (200, 100, 20))
    msgs = [{"role": "user", "content": "<video>What moves?<video>"}, {"role": "assistant", "content": "Nothing."}]
    clip = [still, still, _image(56, 40, (20, 100, 200)), _image(56, 40, (20, 100, 200))]
    enc = template.encode(tok, msgs, media=Media(videos=[[still, still], clip], video_fps=[1.0, 1.0]))
    inputs = enc["media_inputs"]
    image = Glm4vImageProcessorPil.from_pretrained(folder)([still], return_tensors="pt")
    n = int(image["image_grid_thw"][0].prod())
    assert torch.allclose(inputs["pixel_values_videos"][:n], image["pixel_values"], atol=1e-5)
    (t1, h1, w1), (t2, h2, w2) = inputs["video_grid_thw"].tolist()
    assert (t1, t2) == (1, 2)
    text = tok.decode(enc["input_ids"])
    block = "<|begin_of_image|>" + "<|image|>" * (h2 * w2 // 4) + "<|end_of_image|>"
    assert f"<|begin_of_video|>{block}0{block}2<|end_of_video|>" in text  # frames 0-1 at 0 s, 2-3 at 2 s
    video_tokens = (t1 * h1 * w1 + t2 * h2 * w2) // 4
    ids = torch.tensor([enc["input_ids"]])
    batch = template.media_processor(tok).collate([inputs], ids)
    types = batch["mm_token_type_ids"][0]
    assert int((types == 2).sum()) == video_tokens and int((types == 1).sum()) == 0
    loss = model(input_ids=ids, labels=torch.tensor([enc["labels"]]), **batch).loss
    assert torch.isfinite(loss)
    with pytest.raises(ValueError, match="both images and videos"):
        template.encode(tok, [{"role": "user", "content": "<image><video>"}, {"role": "assistant", "content": "x"}],
                        media=Media(images=[still], videos=[clip]))
