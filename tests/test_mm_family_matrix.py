"""The multimodal training matrix: every registered family that reads media (``modalities``) and
whose architecture is marked tested, on a tiny random model of its own architecture, is trained
by `swift sft` with LoRA on rows with images (a few steps: the loss is logged, the checkpoint
saved) and then answers a question about an image through the ``pt`` engine, with the adapter.
A family that reads audio but no images gets the same rows with short tones in ``audios``.

The families come from the registry (:func:`swiftkit.testing.tiny.tested_families` with
``multimodal=True``), never from a list here; the text families are the text matrix's
(tests/test_family_matrix.py). One dataset of PIL-drawn images (and one of tones written with the
standard library's ``wave``) serves every family.
"""

from __future__ import annotations

import json
import math
import os

import pytest

pytest.importorskip("PIL")

from swiftkit.core.config import build_config  # noqa: E402
from swiftkit.core.registry import get_registry  # noqa: E402
from swiftkit.testing import tiny  # noqa: E402
from swiftkit.train.run import run_training  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")

COLOURS = {"red": (220, 30, 30), "green": (30, 200, 40), "blue": (30, 40, 220)}
#: the tone (Hz) standing for each colour in the audio rows
TONES = {"red": 220.0, "green": 440.0, "blue": 880.0}
STEPS = 3
FAMILIES = {family: model_id for family, model_id in tiny.tested_families(get_registry(), multimodal=True).items() if model_id}


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    """A folder of small PNGs and a rows.jsonl naming them relative to itself (half the rows
    without an ``<image>`` tag: it is prepended)."""
    from PIL import Image, ImageDraw

    folder = tmp_path_factory.mktemp("mm-matrix-data")
    (folder / "img").mkdir()
    for name, colour in COLOURS.items():
        img = Image.new("RGB", (56, 56), (250, 250, 250))
        ImageDraw.Draw(img).ellipse((8, 8, 48, 48), fill=colour)
        img.save(folder / "img" / f"{name}.png")
    rows = []
    for i in range(8):
        name = list(COLOURS)[i % len(COLOURS)]
        question = "<image>What colour is the circle?" if i % 2 else "What colour is the circle?"
        rows.append({"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": name}],
                     "images": [f"img/{name}.png"]})
    (folder / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    _write_audio_rows(folder)
    return folder


def _write_audio_rows(folder) -> None:
    """``audio.jsonl``: the same questions about one-second tones (16 kHz mono WAV) in ``audios``."""
    import struct
    import wave

    (folder / "wav").mkdir()
    for name, hz in TONES.items():
        with wave.open(str(folder / "wav" / f"{name}.wav"), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(16000)
            w.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * hz * t / 16000)))
                                   for t in range(16000)))
    rows = []
    for i in range(8):
        name = list(TONES)[i % len(TONES)]
        question = "<audio>Which colour is this tone?" if i % 2 else "Which colour is this tone?"
        rows.append({"messages": [{"role": "user", "content": question}, {"role": "assistant", "content": name}],
                     "audios": [f"wav/{name}.wav"]})
    (folder / "audio.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def _kind(model_dir: str) -> str:
    """``image`` for a family that reads images, else ``audio`` (its checkpoint's modalities)."""
    spec = get_registry().resolve_model(model_dir)
    spec = getattr(spec, "spec", spec)
    return "image" if "image" in (getattr(spec, "modalities", None) or ["image"]) else "audio"


@pytest.fixture(scope="module", params=sorted(FAMILIES) or [pytest.param(None, marks=pytest.mark.skip(
    reason="no registered multimodal family is marked support='tested'"))])
def family(request, tmp_path_factory):
    """(family, tiny model folder), built once per family."""
    name = request.param
    model_id = FAMILIES[name]
    folder = tiny.build_tiny_model(model_id, tmp_path_factory.mktemp(f"tiny-mm-{name}") / model_id, registry=get_registry())
    return name, str(folder)


@pytest.fixture(scope="module")
def lora_run(family, images, tmp_path_factory):
    name, model_dir = family
    out = tmp_path_factory.mktemp(f"mm-lora-{name}") / "run"
    registry = get_registry()
    rows = images / ("rows.jsonl" if _kind(model_dir) == "image" else "audio.jsonl")
    args = ["--model", model_dir, "--dataset", str(rows), "--output_dir", str(out),
            "--add_version", "false", "--train_type", "lora", "--max_steps", str(STEPS), "--save_steps", str(STEPS),
            "--per_device_train_batch_size", "2", "--logging_steps", "1", "--learning_rate", "1e-3",
            "--max_length", "1024", "--torch_dtype", "float32", "--report_to", "none", "--max_pixels", str(56 * 56),
            # the LoRA targets of a mixture-of-experts family may reach fused expert weights, which peft adapts
            # only without dropout
            "--lora_dropout", "0"]
    return run_training(build_config(registry, command="sft", cli_args=args), command="sft", registry=registry)


def test_lora_sft_on_images_logs_a_loss_and_saves_the_adapter(family, lora_run):
    name, _ = family
    curve = {r["step"]: r["loss"] for r in lora_run.log if "loss" in r}
    assert sorted(curve) == list(range(1, STEPS + 1)), f"{name}: logged steps {sorted(curve)}"
    assert all(math.isfinite(v) and v > 0 for v in curve.values()), f"{name}: {curve}"
    report = lora_run.data_report
    assert report.train.rows == 8 and report.skipped == 0
    files = os.listdir(lora_run.last_checkpoint)
    assert "adapter_config.json" in files and any(f.startswith("adapter_model") for f in files), files


def test_the_trained_adapter_answers_about_an_image(family, lora_run, images):
    """The checkpoint (base + adapter) served by the pt engine reads the image: a question about
    two different images gets two different first-token scores."""
    from swiftkit.core.engines.interface import ChatRequest, SamplingOptions
    from swiftkit.infer.factory import create_engine, default_adapter

    name, model_dir = family
    kind = _kind(model_dir)
    engine, resolved = create_engine({"model": lora_run.last_checkpoint, "infer_backend": "pt", "max_pixels": 56 * 56},
                                     get_registry())
    try:
        adapter = default_adapter(resolved)
        sampling = SamplingOptions(max_tokens=4, temperature=0.0, logprobs=True)
        if kind == "image":
            requests = [ChatRequest(messages=[{"role": "user", "content": "<image>What colour is the circle?"}],
                                    images=[str(images / "img" / f"{c}.png")], sampling=sampling, adapter=adapter)
                        for c in ("red", "blue")]
        else:
            requests = [ChatRequest(messages=[{"role": "user", "content": "<audio>Which colour is this tone?"}],
                                    audios=[str(images / "wav" / f"{c}.wav")], sampling=sampling, adapter=adapter)
                        for c in ("red", "blue")]
        answers = engine.infer(requests)
    finally:
        engine.close()
    assert all(0 < a.completion_tokens <= 4 for a in answers), name
    assert answers[0].logprobs[0].logprob != answers[1].logprobs[0].logprob, f"{name}: the {kind} does not reach the model"
