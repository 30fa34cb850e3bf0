"""Alignment with media (issue 14, items 6 and 7): preference, KTO and prompt rows with images
train a tiny Qwen2-VL through ``swift rlhf`` (dpo, kto, grpo), each row's media processed once
and shared by every sequence built on its prompt; and the generated coloured-shapes datasets."""

from __future__ import annotations

import json
import math
import os

import pytest

PIL = pytest.importorskip("PIL")

from swiftkit.core.registry import get_registry  # noqa: E402
from swiftkit.plugins.datasets import shapes  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

MODEL_ID = "Qwen/Qwen2-VL-2B-Instruct"
PIXELS = 56 * 56  # 4 x 4 patches: 4 image tokens per image


# ------------------------------------------------------------------------------ coloured shapes


def test_shapes_are_deterministic_and_held_out_images_are_new(tmp_path):
    a = shapes.sft(str(tmp_path / "a"), "test")
    b = shapes.sft(str(tmp_path / "b"), "test")
    rows_a = [json.loads(line) for line in open(a)]
    assert rows_a == [json.loads(line) for line in open(b)] and len(rows_a) == shapes.SIZES["test"]
    first = rows_a[0]["images"][0]
    with open(os.path.join(os.path.dirname(a), first), "rb") as fa, open(os.path.join(os.path.dirname(b), first), "rb") as fb:
        assert fa.read() == fb.read()
    train = shapes.sft(str(tmp_path / "a"), "train")
    digest = {_pixels(os.path.join(os.path.dirname(train), json.loads(line)["images"][0])) for line in open(train)}
    held_out = {_pixels(os.path.join(os.path.dirname(a), r["images"][0])) for r in rows_a}
    assert not digest & held_out  # no test image is a training image
    assert shapes.sft(str(tmp_path / "a"), "test") == a  # a finished file is reused
    with pytest.raises(ValueError, match="subsets are train, test"):
        shapes.sft(str(tmp_path / "c"), "dev")


def _pixels(path: str) -> bytes:
    from PIL import Image

    with Image.open(path) as img:
        return img.convert("RGB").tobytes()


def test_shape_answers_match_the_pixels(tmp_path):
    """The answer of each row is what the image shows: the colour of its non-white pixels, and a
    shape whose filled share of its bounding box fits (square ~1, circle ~0.79, triangle ~0.5,
    cross ~0.56)."""
    from PIL import Image

    path = shapes.sft(str(tmp_path), "test")
    fill = {"square": (0.95, 1.01), "circle": (0.72, 0.85), "triangle": (0.4, 0.62), "cross": (0.45, 0.66)}
    for line in list(open(path))[:60]:
        row = json.loads(line)
        img = Image.open(os.path.join(os.path.dirname(path), row["images"][0])).convert("RGB")
        ink = [(i % img.width, i // img.width, p) for i, p in enumerate(img.get_flattened_data()) if p != (255, 255, 255)]
        colour = max(shapes.COLOURS, key=lambda c: sum(p == shapes.COLOURS[c] for _, _, p in ink))
        xs, ys = [x for x, _, _ in ink], [y for _, y, _ in ink]
        share = len(ink) / ((max(xs) - min(xs) + 1) * (max(ys) - min(ys) + 1))
        question, answer = row["messages"][0]["content"], row["messages"][1]["content"]
        assert question.startswith("<image>")
        if question.endswith(shapes.QUESTIONS["colour"]):
            assert answer == colour
        else:
            low, high = fill[answer]
            assert low <= share <= high, (row, share)


def test_shapes_datasets_are_registered_and_generated_in_the_cache(tmp_path, monkeypatch):
    from swiftkit.core.data.errors import DatasetError
    from swiftkit.data.sources import resolve

    monkeypatch.setenv("SWIFTKIT_CACHE_DIR", str(tmp_path))
    registry = get_registry()
    kinds = {"coloured-shapes": "messages", "coloured-shapes-pairs": "messages_rejected",
             "coloured-shapes-kto": "kto", "coloured-shapes-prompts": "prompt_only"}
    for name, fmt in kinds.items():
        src = resolve(f"{name}:test", registry)
        assert src.format == fmt and src.path.startswith(str(tmp_path))
        row = json.loads(open(src.path).readline())
        assert os.path.isfile(os.path.join(os.path.dirname(src.path), row["images"][0]))
    assert resolve("coloured-shapes", registry).path.endswith("sft-train.jsonl")
    with pytest.raises(DatasetError, match="no subset 'dev'"):
        resolve("coloured-shapes:dev", registry)


# ------------------------------------------------------------------------------ a tiny Qwen2-VL


@pytest.fixture(scope="module")
def vlm(tmp_path_factory):
    """(model folder, template, tokenizer) of a tiny Qwen2-VL, built once."""
    from transformers import AutoTokenizer

    from swiftkit.core.templates.media import MediaOptions
    from swiftkit.models.tiny import build_tiny_model

    registry = get_registry()
    folder = str(build_tiny_model(MODEL_ID, tmp_path_factory.mktemp("tiny-qwen2-vl") / "model", registry=registry))
    tokenizer = AutoTokenizer.from_pretrained(folder)
    spec = registry.get("model", MODEL_ID).spec
    template = registry.template(spec.template, tokenizer=tokenizer).configure(
        media_options=MediaOptions(max_pixels=PIXELS, processor_dir=folder))
    return folder, template, tokenizer


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    """Small preference / KTO / prompt files whose rows reference images by relative path."""
    folder = tmp_path_factory.mktemp("mm-align-data")
    made = shapes._images(str(folder), "test")[:8]
    files = {"pairs": [], "kto": [], "prompts": []}
    for i, item in enumerate(made):
        for kind in files:
            row = shapes._row(kind, i, item)
            if i % 2:  # half the rows without a tag: it is prepended, as ms-swift does
                row["messages"][0]["content"] = row["messages"][0]["content"].replace("<image>", "")
            files[kind].append(row)
    for kind, rows in files.items():
        with open(folder / f"{kind}.jsonl", "w") as fh:
            fh.writelines(json.dumps(r) + "\n" for r in rows)
    return folder


class Counter:
    """Counts ``MediaProcessor.process`` calls (wraps the Qwen-VL processor's)."""

    def __init__(self, monkeypatch):
        from swiftkit.plugins.templates.media import qwen_vl

        self.calls = 0
        original = qwen_vl.QwenVLMediaProcessor.process

        def counted(processor, media):
            self.calls += 1
            return original(processor, media)

        monkeypatch.setattr(qwen_vl.QwenVLMediaProcessor, "process", counted)


def _prepared(vlm, data_dir, layout, name):
    from swiftkit.data import prepare_datasets

    _, template, tokenizer = vlm
    return prepare_datasets(dataset=[str(data_dir / f"{name}.jsonl")], registry=get_registry(), template=template,
                            tokenizer=tokenizer, layout=layout, shuffle=False)


def test_pairs_encode_and_batch_each_rows_media_once(vlm, data_dir, monkeypatch):
    import torch

    from swiftkit.data.preference import PreferenceLayout

    _, template, tokenizer = vlm
    counter = Counter(monkeypatch)
    layout = PreferenceLayout(template)
    data = _prepared(vlm, data_dir, layout, "pairs")
    rows = data.train
    assert len(rows) == 8 and counter.calls == 8  # one process() per row, not one per side
    pad = tokenizer.convert_tokens_to_ids("<|image_pad|>")
    for row in rows:
        chosen, rejected = row["chosen_input_ids"], row["rejected_input_ids"]
        assert chosen.count(pad) == rejected.count(pad) == 4
        first_label = next(i for i, x in enumerate(row["chosen_labels"]) if x != -100)
        assert chosen[:first_label] == rejected[:first_label]  # the same expanded prompt
        assert pad not in [x for x in row["chosen_labels"] if x != -100]
        assert json.loads(row["media"])["images"][0].startswith(str(data_dir))
    counter.calls = 0
    batch = layout.make_collator(tokenizer, {})([rows[i] for i in range(3)])
    assert counter.calls == 3
    media = batch["media_inputs"]
    assert batch["chosen_input_ids"].shape == batch["rejected_input_ids"].shape
    pixels = media["pixel_values"]
    half = pixels.shape[0] // 2
    assert torch.equal(pixels[:half], pixels[half:])  # the rejected rows reuse the chosen rows' pixels
    assert media["image_grid_thw"].shape[0] == 6
    assert media["mm_token_type_ids"].shape == (6, batch["chosen_input_ids"].shape[1])


def test_dpo_forward_reads_the_pixels(vlm, data_dir):
    """The policy's log-probabilities of the replies change with the image: pixels reach the loss."""
    import torch
    from transformers import AutoModelForImageTextToText

    from swiftkit.data.preference import PreferenceLayout
    from swiftkit.plugins.methods.dpo.objective import DpoObjective

    folder, template, tokenizer = vlm
    layout = PreferenceLayout(template)
    rows = _prepared(vlm, data_dir, layout, "pairs").train
    batch = layout.make_collator(tokenizer, {})([rows[0], rows[1]])
    model = AutoModelForImageTextToText.from_pretrained(folder, dtype=torch.float32)
    objective = DpoObjective(get_registry().get("method", "dpo").spec, {})
    with torch.no_grad():
        out = objective.concatenated_forward(model, batch)
        batch["media_inputs"]["pixel_values"] = torch.flip(batch["media_inputs"]["pixel_values"], [0]) * -1
        flipped = objective.concatenated_forward(model, batch)
    assert not torch.allclose(out["chosen_logps"], flipped["chosen_logps"])


def test_media_row_errors_name_file_row_and_field(vlm, tmp_path):
    from swiftkit.core.data.errors import DatasetRowError
    from swiftkit.data import prepare_datasets
    from swiftkit.data.preference import KTOLayout, PreferenceLayout

    _, template, tokenizer = vlm
    bad = tmp_path / "bad.jsonl"
    good = {"messages": [{"role": "user", "content": "<image>What shape is it?"},
                         {"role": "assistant", "content": "circle"}], "rejected_response": "square"}
    bad.write_text(json.dumps({**good, "images": []}) + "\n" + json.dumps({**good, "images": ["missing.png"]}) + "\n")
    with pytest.raises(DatasetRowError) as info:
        prepare_datasets(dataset=[str(bad)], registry=get_registry(), template=template, tokenizer=tokenizer,
                         layout=PreferenceLayout(template))
    assert (info.value.row, info.value.field) == (2, "images[0]") and "missing.png" in str(info.value)
    tag_only = tmp_path / "tag.jsonl"
    tag_only.write_text(json.dumps(good) + "\n")
    with pytest.raises(DatasetRowError) as info:
        prepare_datasets(dataset=[str(tag_only)], registry=get_registry(), template=template, tokenizer=tokenizer,
                         layout=PreferenceLayout(template))
    assert (info.value.row, info.value.field) == (1, "messages") and "<image> tag" in str(info.value)
    data = prepare_datasets(dataset=[str(bad)], registry=get_registry(), template=template, tokenizer=tokenizer,
                            layout=PreferenceLayout(template), strict=False)
    assert len(data.train) == 0 and data.report.skipped == 2
    kto = tmp_path / "kto.jsonl"
    kto.write_text(json.dumps({"messages": good["messages"], "label": True, "images": ["missing.png"]}) + "\n")
    with pytest.raises(DatasetRowError) as info:
        prepare_datasets(dataset=[str(kto)], registry=get_registry(), template=template, tokenizer=tokenizer,
                         layout=KTOLayout(template))
    assert (info.value.row, info.value.field) == (1, "images[0]") and "missing.png" in str(info.value)


def test_pair_collator_without_a_template_refuses_media(vlm, data_dir):
    from swiftkit.core.errors import SwiftkitError
    from swiftkit.data.pair_collator import make_pair_collator
    from swiftkit.data.preference import PreferenceLayout

    _, template, tokenizer = vlm
    rows = _prepared(vlm, data_dir, PreferenceLayout(template), "pairs").train
    with pytest.raises(SwiftkitError, match="cannot train on media"):
        make_pair_collator(tokenizer)([rows[0]])


def _rlhf(vlm, data_dir, tmp_path, kind: str, name: str, *extra: str):
    from swiftkit.core.config import build_config
    from swiftkit.train.run import run_training

    folder, _, _ = vlm
    registry = get_registry()
    args = ["--rlhf_type", kind, "--model", folder, "--dataset", str(data_dir / f"{name}.jsonl"),
            "--output_dir", str(tmp_path / kind), "--add_version", "false", "--max_steps", "2", "--save_steps", "2",
            "--per_device_train_batch_size", "2", "--logging_steps", "1", "--learning_rate", "1e-3",
            "--torch_dtype", "float32", "--report_to", "none", "--max_pixels", str(PIXELS), *extra]
    return run_training(build_config(registry, command="rlhf", cli_args=args), command="rlhf", registry=registry)


def test_swift_rlhf_dpo_and_kto_train_a_vlm_on_image_rows(vlm, data_dir, tmp_path, monkeypatch):
    from swiftkit.data.pair_collator import PairCollator

    counter = Counter(monkeypatch)
    collated: list[int] = []
    original = PairCollator.__call__

    def counting(collator, features):
        collated.append(len(features))
        return original(collator, features)

    monkeypatch.setattr(PairCollator, "__call__", counting)
    dpo = _rlhf(vlm, data_dir, tmp_path, "dpo", "pairs")
    losses = [r["loss"] for r in dpo.log if "loss" in r]
    assert len(losses) == 2 and all(math.isfinite(v) for v in losses)
    assert len(collated) >= 2
    assert counter.calls == 8 + sum(collated)  # each row processed once when encoded, once per batch it is in
    kto = _rlhf(vlm, data_dir, tmp_path, "kto", "kto")
    records = [r for r in kto.log if "loss" in r]
    assert len(records) == 2 and all(math.isfinite(r["loss"]) for r in records)
    assert any("kl" in r for r in records)


def test_kto_collator_gives_kl_rows_their_prompts_media(vlm, data_dir):
    import torch

    from swiftkit.data.preference import KTOLayout

    _, template, tokenizer = vlm
    layout = KTOLayout(template)
    rows = _prepared(vlm, data_dir, layout, "kto").train
    batch = layout.make_collator(tokenizer, {})([rows[0], rows[1]])
    assert torch.equal(batch["media_inputs"]["pixel_values"], batch["KL_media_inputs"]["pixel_values"])
    assert batch["KL_media_inputs"]["mm_token_type_ids"].shape == batch["KL_input_ids"].shape


def test_grpo_rolls_out_with_the_prompts_images(vlm, data_dir, tmp_path, monkeypatch):
    """The rollout engine gets each prompt's image (ChatRequest.images); the rewards see the
    completions; the loss forwards get the pixels."""
    from swiftkit.plugins.methods import _rollout

    requests: list = []
    original = _rollout.sample

    def recording(engine, prompts, **kwargs):
        requests.append((list(prompts), kwargs.get("media")))
        return original(engine, prompts, **kwargs)

    monkeypatch.setattr(_rollout, "sample", recording)
    result = _rlhf(vlm, data_dir, tmp_path, "grpo", "prompts", "--reward_funcs", "accuracy", "--num_generations", "2",
                   "--max_completion_length", "4", "--beta", "0.0")
    assert result.global_step == 2
    assert requests and all(m and all(len(r["images"]) == 1 for r in m) for _, m in requests)
    prompts, media = requests[0]
    assert all(p[-1]["content"].startswith("<image>") for p in prompts)
    assert all(os.path.isfile(r["images"][0]) for r in media)
    records = [r for r in result.log if "reward" in r]
    assert records and all(math.isfinite(r["reward"]) for r in records)


def test_swift_sft_on_coloured_shapes_lowers_the_loss(vlm, tmp_path, monkeypatch):
    """The fast version of benchmarks/mm_shapes.py (which measures held-out accuracy): the
    registered, generated dataset trains a tiny VLM through ``swift sft`` and the loss falls."""
    from swiftkit.core.config import build_config
    from swiftkit.train.run import run_training

    monkeypatch.setenv("SWIFTKIT_CACHE_DIR", str(tmp_path / "cache"))
    folder, _, _ = vlm
    registry = get_registry()
    args = ["--model", folder, "--dataset", "coloured-shapes#64", "--train_type", "full", "--max_steps", "12",
            "--per_device_train_batch_size", "4", "--learning_rate", "3e-3", "--logging_steps", "1",
            "--save_steps", "12", "--output_dir", str(tmp_path / "run"), "--add_version", "false",
            "--torch_dtype", "float32", "--report_to", "none", "--max_pixels", str(PIXELS)]
    result = run_training(build_config(registry, command="sft", cli_args=args), command="sft", registry=registry)
    losses = [r["loss"] for r in result.log if "loss" in r]
    assert len(losses) == 12
    assert sum(losses[-3:]) < 0.85 * sum(losses[:3]), losses
