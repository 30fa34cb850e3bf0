"""Multimodal rows through the data pipeline (issue 14): converted rows keep media references in
the ``media`` column, bad media name file/row/field (or are skipped and counted by reason),
encoding expands the tags, the collator decodes lazily through a bounded cache and batches the
processor's inputs, and packing / padding-free with media are refused with the reason.

A fake family processor (as in test_media_contract) stands in for a real one: each image
becomes ``<|vision_start|>`` + ``<|image_pad|>`` x (width // 8) + ``<|vision_end|>``."""

from __future__ import annotations

import base64
import dataclasses
import io
import json

import pytest

PIL = pytest.importorskip("PIL")
from PIL import Image  # noqa: E402

from swiftkit.core.data.errors import DatasetError, DatasetRowError  # noqa: E402
from swiftkit.core.errors import ConfigError  # noqa: E402
from swiftkit.core.templates.interface import IGNORE_INDEX  # noqa: E402
from swiftkit.core.templates.media import Media, MediaOptions, MediaProcessor  # noqa: E402

PAD, START, END = "<|image_pad|>", "<|vision_start|>", "<|vision_end|>"


class PatchProcessor(MediaProcessor):
    """One pad token per 8 pixels of width; pixel_values: each image's mean colour."""

    kinds = ("image",)

    def placeholder(self, kind: str) -> str:
        return START + PAD + END

    def process(self, media: Media) -> dict:
        import torch

        counts, means = [], []
        for img in media.images:
            counts.append([max(1, img.width // 8)])
            px = list(img.convert("RGB").get_flattened_data())
            means.append([sum(p[c] for p in px) / len(px) for c in range(3)])
        return {"pixel_values": torch.tensor(means), "pad_counts": torch.tensor(counts)}

    def expand(self, kind: str, index: int, inputs: dict) -> str:
        return START + PAD * int(inputs["pad_counts"][index][0]) + END

    def format_bbox(self, box: list[int]) -> str:
        return "<box>" + ",".join(map(str, box)) + "</box>"


@pytest.fixture(scope="module")
def registry():
    from swiftkit.core.registry import get_registry

    return get_registry()


@pytest.fixture(scope="module")
def vl(registry):
    """(template, tokenizer) of a multimodal qwen2.5-style template with the fake processor."""
    from swiftkit.core.lazy import resolve
    from swiftkit.models.offline_tokenizer import build_tokenizer

    base = registry.get("template", "qwen2_5").spec
    spec = dataclasses.replace(base, id="test-mm-pipeline", media=f"{__name__}:PatchProcessor",
                               special_tokens=[*base.special_tokens, START, PAD, END])
    tokenizer = build_tokenizer(spec, registry=registry)
    template = resolve(spec.behaviour, spec.REFS["behaviour"])(spec).bind(tokenizer)
    return template.configure(media_options=MediaOptions()), tokenizer


def _png(w: int, h: int, colour=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (w, h), colour).save(buf, format="PNG")
    return buf.getvalue()


def _rows(tmp_path, rows, name="rows.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "red.png").write_bytes(_png(16, 8))
    (tmp_path / "img" / "blue.png").write_bytes(_png(24, 8, (10, 10, 220)))
    (tmp_path / "img" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not an image")
    return tmp_path


def _conv(q="<image>What colour?", a="Red."):
    return [{"role": "user", "content": q}, {"role": "assistant", "content": a}]


def _prepare(vl, registry, dataset, **kw):
    from swiftkit.data import prepare_datasets

    template, tokenizer = vl
    kw.setdefault("shuffle", False)
    return prepare_datasets(dataset=dataset, registry=registry, template=template, tokenizer=tokenizer,
                            max_length=kw.pop("max_length", 512), **kw)


# ---------------------------------------------------------------------- conversion


def test_rows_keep_references_in_one_string_column_and_get_tags(vl, registry, folder):
    data_url = "data:image/png;base64," + base64.b64encode(_png(8, 8)).decode()
    path = _rows(folder, [
        {"messages": _conv(), "images": ["img/red.png"]},  # relative to the file's folder
        {"messages": _conv("What colour?"), "images": "img/blue.png"},  # no tag: prepended
        {"messages": _conv("<image><image>Both?"), "images": [f"file://{folder}/img/red.png", data_url]},
        {"messages": _conv("No image here.", "Fine.")},
    ])
    data = _prepare(vl, registry, [path])
    train = data.train
    assert train.features["media"].dtype == "string"  # references, never pixels
    stored = [json.loads(m) if m else {} for m in train["media"]]
    assert stored[0]["images"] == [str(folder / "img" / "red.png")]
    assert stored[1]["images"] == [str(folder / "img" / "blue.png")]
    assert stored[2]["images"][0] == str(folder / "img" / "red.png")
    assert base64.b64decode(stored[2]["images"][1].split(",", 1)[1]) == _png(8, 8)  # bytes kept, not lost
    assert stored[3] == {}
    _, tok = vl
    pad = tok.convert_tokens_to_ids(PAD)
    assert [ids.count(pad) for ids in train["input_ids"]] == [2, 3, 2 + 1, 0]  # width // 8 per image


def test_bytes_and_datasets_image_columns_are_kept_as_data(vl, registry, folder):
    import datasets

    feats = datasets.Features({"messages": [{"role": datasets.Value("string"), "content": datasets.Value("string")}],
                               "images": datasets.Sequence(datasets.Image())})
    ds = datasets.Dataset.from_dict({"messages": [_conv()], "images": [[Image.new("RGB", (32, 8), (0, 255, 0))]]},
                                    features=feats)
    path = str(folder / "rows.parquet")
    ds.to_parquet(path)
    data = _prepare(vl, registry, [path])
    stored = json.loads(data.train["media"][0])
    img = Image.open(io.BytesIO(base64.b64decode(stored["images"][0].split(",", 1)[1])))
    assert img.size == (32, 8) and img.getpixel((0, 0))[:3] == (0, 255, 0)


# ---------------------------------------------------------------------- validation


@pytest.mark.parametrize("row, field, reason", [
    ({"messages": _conv(), "images": ["img/missing.png"]}, "images[0]", "file not found"),
    ({"messages": _conv(), "images": ["img/broken.png"]}, "images[0]", "not a decodable image"),
    ({"messages": _conv("<image><image>?"), "images": ["img/red.png"]}, "messages[0].content", "2 <image> tag"),
    ({"messages": _conv("<image>?"), "images": ["img/red.png", "img/blue.png"]}, "images[1]", "2 item"),
    ({"messages": _conv("<image><bbox>?"), "images": ["img/red.png"], "objects": {"ref": [], "bbox": [[0, 0, 99, 4]]}},
     "objects.bbox[0]", "outside image"),
])
def test_bad_media_name_file_row_and_field(vl, registry, folder, row, field, reason):
    path = _rows(folder, [{"messages": _conv(), "images": ["img/red.png"]}, row])
    with pytest.raises(DatasetRowError) as info:
        _prepare(vl, registry, [path])
    err = info.value
    assert err.source.endswith("rows.jsonl") and err.row == 2 and err.field == field
    assert reason in err.reason


def test_strict_false_skips_and_counts_by_reason(vl, registry, folder):
    from rich.console import Console

    path = _rows(folder, [
        {"messages": _conv(), "images": ["img/red.png"]},
        {"messages": _conv(), "images": ["img/missing.png"]},
        {"messages": _conv(), "images": ["img/gone.png"]},
        {"messages": _conv(), "images": ["img/broken.png"]},
        {"messages": _conv("<image><image>"), "images": ["img/red.png"]},
        {"messages": [{"role": "user", "content": "hi"}]},
    ])
    data = _prepare(vl, registry, [path], strict=False)
    report = data.report
    assert len(data.train) == 1 and report.skipped == 5
    assert report.skipped_by_reason == {"missing file": 2, "undecodable image": 1, "tag mismatch": 1,
                                        "malformed row": 1}
    console = Console(record=True, width=400)
    report.render(console)
    text = console.export_text()
    assert "2 missing file" in text and "1 undecodable image" in text and "1 tag mismatch" in text


def test_grounding_objects_become_the_family_text(vl, registry, folder):
    path = _rows(folder, [{"messages": _conv("<image>Where is the <ref-object>?", "At <bbox>."),
                           "images": ["img/red.png"], "objects": {"ref": ["dot"], "bbox": [[4, 2, 8, 6]]}}])
    data = _prepare(vl, registry, [path])
    stored = json.loads(data.train["media"][0])
    assert stored["objects"]["bbox_1000"] == [[250, 250, 500, 750]]  # 16x8 image, thousandths
    _, tok = vl
    text = tok.decode(data.train["input_ids"][0])
    assert "Where is the dot?" in text and "At <box>250,250,500,750</box>." in text


# ---------------------------------------------------------------------- collation


def _batch_rows(data):
    return [dict(zip(data.train.column_names, vals, strict=True)) for vals in zip(*data.train.to_dict().values(), strict=True)]


def test_collator_batches_pixels_and_masks_exactly_media_and_prompt(vl, registry, folder):
    from swiftkit.data.layouts import SFTLayout
    from swiftkit.data.media_collator import MediaCollator, with_media

    template, tok = vl
    path = _rows(folder, [{"messages": _conv("<image>Colour?", "Red."), "images": ["img/red.png"]},
                          {"messages": _conv("<image>and <image>?", "Blue."), "images": ["img/blue.png", "img/red.png"]},
                          {"messages": _conv("Text only.", "Yes.")}])
    data = _prepare(vl, registry, [path])
    layout = SFTLayout()
    collator = with_media(layout.make_collator(tok, {}), template, tok, {}, layout)
    assert isinstance(collator, MediaCollator)
    batch = collator(_batch_rows(data))
    assert batch["pixel_values"].shape == (3, 3)  # 1 + 2 images, in row order
    assert batch["pad_counts"].flatten().tolist() == [2, 3, 2]
    assert abs(float(batch["pixel_values"][1][2]) - 220) < 1e-4  # row 2's first image is blue
    media_ids = {tok.convert_tokens_to_ids(t) for t in (PAD, START, END)}
    answers = ["Red.", "Blue.", "Yes."]
    for ids, labels, mask, answer in zip(batch["input_ids"].tolist(), batch["labels"].tolist(),
                                         batch["attention_mask"].tolist(), answers, strict=True):
        labelled = [t for t, lab, m in zip(ids, labels, mask, strict=True) if lab != IGNORE_INDEX and m]
        assert not media_ids & set(labelled)
        assert tok.decode(labelled).startswith(answer)  # only the reply (and its end of turn) is trained
        assert all(lab == IGNORE_INDEX for t, lab in zip(ids, labels, strict=True) if t in media_ids)
    # pt: every token but the media ones carries a label
    from swiftkit.data import prepare_datasets

    pt = prepare_datasets(dataset=[path], registry=registry, template=template, tokenizer=tok, mode="pt",
                          max_length=512, shuffle=False)
    for ids, labels in zip(pt.train["input_ids"], pt.train["labels"], strict=True):
        assert [lab == IGNORE_INDEX for lab in labels] == [t in media_ids for t in ids]


def test_collator_refuses_ids_that_do_not_match_the_media(vl, registry, folder):
    from swiftkit.data.layouts import SFTLayout
    from swiftkit.data.media_collator import with_media

    template, tok = vl
    data = _prepare(vl, registry, [_rows(folder, [{"messages": _conv(), "images": ["img/red.png"]}])])
    rows = _batch_rows(data)
    (folder / "img" / "red.png").write_bytes(_png(40, 8))  # the image changed since encoding
    collator = with_media(SFTLayout().make_collator(tok, {}), template, tok, {}, SFTLayout())
    with pytest.raises(ValueError, match="4 media tokens but its media expand to 7"):
        collator(rows)


def test_lazy_loading_holds_no_more_than_the_cache_budget(vl, registry, folder):
    from swiftkit.data.layouts import SFTLayout
    from swiftkit.data.media_collator import with_media

    template, tok = vl
    for i in range(12):
        (folder / "img" / f"n{i}.png").write_bytes(_png(16, 8, (i * 20, 0, 0)))
    data = _prepare(vl, registry, [_rows(folder, [{"messages": _conv(), "images": [f"img/n{i}.png"]} for i in range(12)])])
    collator = with_media(SFTLayout().make_collator(tok, {}), template, tok, {}, SFTLayout())
    collator.cache_bytes = 3 * 16 * 8 * 3  # three decoded 16x8 RGB images
    rows = _batch_rows(data)
    for start in range(0, 12, 2):
        collator(rows[start:start + 2])
        assert collator.cache.nbytes <= collator.cache_bytes and len(collator.cache) <= 3
    assert collator.cache.misses == 12
    collator(rows[-2:])  # the most recent images are served from the cache
    assert collator.cache.hits == 2
    import pickle

    assert pickle.loads(pickle.dumps(collator))._cache is None  # workers build their own cache


def test_packing_and_padding_free_with_media_are_refused(vl, registry, folder):
    from swiftkit.data.layouts import SFTLayout
    from swiftkit.data.media_collator import with_media

    template, tok = vl
    path = _rows(folder, [{"messages": _conv(), "images": ["img/red.png"]}])
    with pytest.raises(DatasetError, match="--packing with media"):
        _prepare(vl, registry, [path], packing=True)
    with pytest.raises(ConfigError, match="--padding_free"):
        with_media(SFTLayout().make_collator(tok, {}), template, tok, {"padding_free": True}, SFTLayout())


def test_text_templates_refuse_media_rows_naming_the_row(registry, folder):
    from swiftkit.data import prepare_datasets
    from swiftkit.models.offline_tokenizer import build_tokenizer

    tok = build_tokenizer("qwen2_5")
    template = registry.template("qwen2_5", tokenizer=tok)
    path = _rows(folder, [{"messages": _conv(), "images": ["img/red.png"]}])
    with pytest.raises(DatasetRowError, match="reads text only") as info:
        prepare_datasets(dataset=[path], registry=registry, template=template, tokenizer=tok, max_length=256)
    assert info.value.row == 1


def test_load_media_guards_missing_decoders(monkeypatch, folder):
    import sys

    from swiftkit.data.media import load_media

    monkeypatch.setitem(sys.modules, "swiftkit.data.video", None)  # not importable
    with pytest.raises(DatasetRowError, match="video cannot be decoded here") as info:
        load_media({"videos": [str(folder / "img" / "red.png")]}, source="rows.jsonl", row=3)
    assert info.value.field == "videos[0]" and info.value.row == 3
    media = load_media({"images": [str(folder / "img" / "red.png")]})
    assert media.images[0].size == (16, 8)


def test_media_options_change_the_encode_cache_key(vl):
    from swiftkit.data.steps import template_fingerprint

    template, _ = vl
    assert template_fingerprint(template) != template_fingerprint(template.configure(
        media_options=MediaOptions(max_pixels=1024)))


def test_streaming_rows_keep_their_media_and_count_skips(vl, registry, folder):
    from swiftkit.data.layouts import SFTLayout
    from swiftkit.data.media_collator import with_media
    from swiftkit.data.pipeline import LoadOptions
    from swiftkit.data.streaming import stream_datasets

    template, tok = vl
    path = _rows(folder, [{"messages": _conv(), "images": ["img/red.png"]},
                          {"messages": _conv(), "images": ["img/missing.png"]},
                          {"messages": _conv("Plain.", "Yes.")}])
    data = stream_datasets(dataset=[path], val_dataset=[], registry=registry, template=template, tokenizer=tok,
                           layout=SFTLayout(), max_length=512, truncation_strategy="delete", loss_scale="default",
                           strict=False, shuffle=False, val_shuffle=False, seed=0, shuffle_buffer_size=10,
                           options=LoadOptions())
    rows = list(data.train)
    assert len(rows) == 2 and json.loads(rows[0]["media"])["images"] == [str(folder / "img" / "red.png")]
    assert rows[1]["media"] == ""
    assert data.report.skipped_by_reason == {"missing file": 1}
    batch = with_media(SFTLayout().make_collator(tok, {}), template, tok, {}, SFTLayout())(rows)
    assert batch["pad_counts"].flatten().tolist() == [2]  # the text row adds no media inputs


def test_a_video_given_as_frames_loads_as_one_video(folder):
    pytest.importorskip("swiftkit.data.video")
    from swiftkit.data.media import load_media
    from swiftkit.data.media_column import finish_media, read_column

    frames = ["img/red.png", "img/blue.png"]
    stored = read_column(finish_media({"videos": [frames]}, _conv("<video>?"), base_dir=str(folder)))
    assert stored["videos"] == [[str(folder / "img" / "red.png"), str(folder / "img" / "blue.png")]]
    media = load_media(stored, options=MediaOptions(fps=4))
    assert [f.size for f in media.videos[0]] == [(16, 8), (24, 8)] and media.video_fps == [4.0]
    with pytest.raises(Exception, match=r"videos\[0\]\[1\]"):
        finish_media({"videos": [["img/red.png", "img/broken.png"]]}, _conv("<video>?"), base_dir=str(folder))


def test_undecodable_audio_is_named_and_counted_as_such(folder):
    pytest.importorskip("swiftkit.data.audio")
    from swiftkit.core.errors import RowError
    from swiftkit.data.media_column import finish_media
    from swiftkit.data.report import skip_category

    (folder / "noise.wav").write_bytes(b"RIFF not really a wave file")
    with pytest.raises(RowError) as info:
        finish_media({"audios": ["noise.wav"]}, _conv("<audio>?"), base_dir=str(folder))
    assert info.value.field == "audios[0]"
    assert skip_category(info.value.field, info.value.reason) == "undecodable audio"
