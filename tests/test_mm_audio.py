"""Audio (issue 14): decoding and resampling (swiftkit.data.audio), and the Qwen2-Audio /
Qwen2.5-Omni families on tiny random models of their real architectures: listing rows, prompt
parity with the real chat templates, features and expanded ids equal to transformers', training
steps that lower the loss, generation from audio (and, for Omni, images and video)."""

from __future__ import annotations

import base64
import csv
import io
import types
from pathlib import Path

import numpy as np
import pytest

from swiftkit.core.templates.interface import IGNORE_INDEX
from swiftkit.core.templates.media import Media, MediaOptions, replace_tags
from swiftkit.data.audio import load_audio, resample, verify_audio
from swiftkit.data.media import MediaError, make_ref

pytestmark = [pytest.mark.filterwarnings("ignore"), pytest.mark.usefixtures("one_torch_thread")]

CHAT_TEMPLATES = Path(__file__).parent / "data" / "chat_templates"
LISTING = Path("/work/shared/catalogue/public-model-listing.csv")
FAMILIES = {"qwen2_audio": "qwen2-audio-7b-instruct", "qwen2_5_omni": "qwen2.5-omni-3b"}


def sine(freq: float, seconds: float, rate: int, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def peak_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(samples.size, 1 / rate)[spectrum.argmax()])


def encode_av(samples: np.ndarray, rate: int, fmt: str, codec: str) -> bytes:
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as container:
        stream = container.add_stream(codec, rate=rate)
        stream.layout = "mono"
        frame = av.AudioFrame.from_ndarray(samples[None, :], format="fltp", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buf.getvalue()


@pytest.fixture(scope="module")
def audio_files(tmp_path_factory):
    import soundfile

    folder = tmp_path_factory.mktemp("audio")
    tone = sine(440, 1.0, 44100)
    soundfile.write(folder / "stereo.wav", np.stack([tone, tone], axis=1), 44100)
    soundfile.write(folder / "tone.flac", tone, 44100)
    soundfile.write(folder / "tone.ogg", tone, 44100)
    (folder / "tone.mp3").write_bytes(encode_av(tone, 44100, "mp3", "mp3"))
    (folder / "tone.m4a").write_bytes(encode_av(tone, 44100, "mp4", "aac"))
    (folder / "notes.txt").write_text("not audio " * 20)
    return folder


# ---------------------------------------------------------------------- decoding


@pytest.mark.parametrize("name", ["stereo.wav", "tone.flac", "tone.ogg", "tone.mp3", "tone.m4a"])
def test_load_audio_decodes_to_mono_16k_keeping_pitch_and_level(audio_files, name):
    samples = load_audio(str(audio_files / name), 16000)
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert abs(samples.size - 16000) < 1200  # compressed formats add codec padding
    assert peak_hz(samples, 16000) == pytest.approx(440, abs=2)
    body = samples[2000:-2000]
    lossy = name.endswith((".mp3", ".m4a", ".ogg"))
    assert np.sqrt((body**2).mean()) == pytest.approx(0.5 / np.sqrt(2), rel=0.1 if lossy else 0.01)


def test_load_audio_reads_bytes_data_urls_and_refs(audio_files):
    data = (audio_files / "tone.flac").read_bytes()
    url = "data:audio/flac;base64," + base64.b64encode(data).decode()
    ref = make_ref(str(audio_files / "tone.mp3"), "audios", 0)
    for source in (data, url, ref, "file://" + str(audio_files / "tone.flac")):
        out = load_audio(source, 16000)
        assert peak_hz(out, 16000) == pytest.approx(440, abs=2)


def test_resample_keeps_frequency_and_removes_what_would_alias():
    down = resample(sine(440, 1.0, 44100), 44100, 16000)
    assert down.size == 16000 and peak_hz(down, 16000) == pytest.approx(440, abs=1)
    up = resample(sine(1000, 1.0, 8000), 8000, 16000)
    assert up.size == 16000 and peak_hz(up, 16000) == pytest.approx(1000, abs=1)
    assert np.sqrt((up[200:-200] ** 2).mean()) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)
    # 7 kHz cannot exist at 8 kHz sampling: it is filtered out, not folded to 1 kHz
    folded = resample(sine(7000, 1.0, 16000), 16000, 8000)
    assert np.sqrt((folded[200:-200] ** 2).mean()) < 1e-3
    same = sine(300, 0.1, 16000)
    assert np.array_equal(resample(same, 16000, 16000), same)


def test_undecodable_and_missing_audio_are_named(audio_files):
    with pytest.raises(MediaError, match="cannot decode audio") as bad:
        load_audio(str(audio_files / "notes.txt"), 16000)
    assert bad.value.category == "undecodable audio" and "notes.txt" in str(bad.value)
    with pytest.raises(MediaError, match=r"^cannot decode audio \(160 bytes of data\): soundfile: Error opening the data"):
        load_audio(b"\x00\x01" * 80, 16000)
    with pytest.raises(MediaError, match="file not found") as missing:
        verify_audio(str(audio_files / "gone.wav"))
    assert missing.value.category == "missing file"
    with pytest.raises(MediaError, match="cannot decode audio"):
        verify_audio(b"\x00\x01" * 100)
    for name in ("stereo.wav", "tone.mp3", "tone.m4a"):
        verify_audio(str(audio_files / name))


# ---------------------------------------------------------------------- families


@pytest.fixture(scope="module")
def registry():
    from swiftkit.core.registry import get_registry

    return get_registry()


class Tiny(types.SimpleNamespace):
    """A tiny model of a family, loaded through its loader, with its bound template."""


@pytest.fixture(scope="module")
def tiny(registry, tmp_path_factory):
    from swiftkit.core.lazy import resolve
    from swiftkit.models.tiny import build_tiny_model

    built = {}
    for family, model_id in FAMILIES.items():
        spec = registry.resolve_model(model_id).spec
        folder = build_tiny_model(model_id, tmp_path_factory.mktemp(family), registry=registry)
        model, tokenizer = resolve(spec.loader, spec.REFS["loader"])(spec).load(str(folder))
        options = MediaOptions(processor_dir=str(folder), max_pixels=56 * 56, video_max_pixels=56 * 56)
        template = registry.template(spec.template).bind(tokenizer).configure(media_options=options)
        built[family] = Tiny(spec=spec, model=model, tokenizer=tokenizer, folder=folder, template=template,
                             processor=template.media_processor(tokenizer))
    return built


def test_every_listing_row_is_registered_with_its_level_and_parts(registry, tiny):
    if not LISTING.is_file():
        pytest.skip("the public model listing is not on this machine")
    with LISTING.open(encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if len(r) > 3 and r[2] in FAMILIES]
    assert len(rows) == 4
    for ms_id, hf_id, model_type, template, *_ in rows:
        spec = registry.resolve_model(hf_id).spec
        assert (spec.ms_id, spec.hf_id, spec.family, spec.template) == (ms_id, hf_id, model_type, template)
        assert spec.support == "tested" and "audio" in spec.modalities
    for family, t in tiny.items():
        names = {name for name, _ in t.model.named_modules()}
        for part, prefixes in t.spec.model_parts.items():
            for prefix in prefixes:
                assert prefix in names, f"{family}: {part} {prefix!r} is no module of the loaded model"
    assert tiny["qwen2_5_omni"].spec.modalities == ["image", "video", "audio"]
    assert type(tiny["qwen2_5_omni"].model).__name__ == "Qwen2_5OmniThinkerForConditionalGeneration"


def _content_parts(messages, kinds):
    """The conversation as content parts, the way the real chat templates read it."""
    import re

    counters = dict.fromkeys(kinds, 0)
    out = []
    for m in messages:
        parts = []
        for piece in re.split(r"(<audio>|<image>|<video>)", m["content"]):
            if piece in ("<audio>", "<image>", "<video>"):
                kind = piece[1:-1]
                parts.append({"type": kind, kind: f"{kind}{counters[kind]}"})
                counters[kind] += 1
            elif piece:
                parts.append({"type": "text", "text": piece})
        out.append({"role": m["role"], "content": parts if m["role"] == "user" else m["content"]})
    return out


CONVERSATIONS = [
    [{"role": "user", "content": "<audio>What is this sound?"}],
    [{"role": "system", "content": "Listen carefully."},
     {"role": "user", "content": "Compare <audio> and <audio>."},
     {"role": "assistant", "content": "The second is higher."},
     {"role": "user", "content": "<audio>And this one?"}],
]
OMNI_CONVERSATION = [{"role": "user", "content": "<image>Describe it.<audio><video>Same scene?"}]


@pytest.mark.parametrize("family", FAMILIES)
def test_prompt_with_placeholders_equals_the_real_chat_template(tiny, family):
    t = tiny[family]
    jinja = (CHAT_TEMPLATES / f"{family}.jinja").read_text()
    conversations = CONVERSATIONS + ([OMNI_CONVERSATION] if family == "qwen2_5_omni" else [])
    for messages in conversations:
        ours = t.template.render(replace_tags(messages, t.processor.content_part), add_generation_prompt=True)
        real = t.tokenizer.apply_chat_template(_content_parts(messages, ("audio", "image", "video")),
                                               chat_template=jinja, tokenize=False, add_generation_prompt=True)
        assert ours == real


def _media(n_audio=1, image=False, video=False):
    from PIL import Image

    audios = [sine(300 + 200 * i, 0.6 + 0.5 * i, 16000) for i in range(n_audio)]
    images = [Image.new("RGB", (60, 44), (200, 30, 30))] if image else []
    videos = [[Image.new("RGB", (56, 56), (0, 80 * i, 0)) for i in range(2)]] if video else []
    return Media(images=images, videos=videos, audios=audios, video_fps=[2.0] * len(videos), sampling_rate=16000)


def test_qwen2_audio_ids_and_features_equal_the_transformers_processor(tiny):
    from transformers import Qwen2AudioProcessor, WhisperFeatureExtractor

    t = tiny["qwen2_audio"]
    messages, media = CONVERSATIONS[1], _media(3)
    reference = Qwen2AudioProcessor(feature_extractor=WhisperFeatureExtractor.from_pretrained(t.folder),
                                    tokenizer=t.tokenizer,
                                    chat_template=(CHAT_TEMPLATES / "qwen2_audio.jinja").read_text())
    text = reference.apply_chat_template(_content_parts(messages, ("audio",)), tokenize=False,
                                         add_generation_prompt=True)
    expected = reference(text=text, audio=media.audios, sampling_rate=16000, return_tensors="pt")
    ours = t.template.encode_prompt_inputs(None, messages, media=media)
    assert ours["input_ids"] == expected["input_ids"][0].tolist()
    assert ours["input_ids"].count(t.tokenizer.convert_tokens_to_ids("<|AUDIO|>")) == sum(
        [((f - 1) // 2 + 1 - 2) // 2 + 1 for f in (60, 110, 160)])
    for key in ("input_features", "feature_attention_mask"):
        assert np.allclose(ours["media_inputs"][key].numpy(), expected[key].numpy(), atol=1e-5)


def test_qwen2_5_omni_ids_and_inputs_equal_the_transformers_processing(tiny):
    """The Omni processor itself needs a torchvision video processor to be built: its token
    expansion is run on our rendered prompt with its own feature extractor / image processor."""
    from transformers import WhisperFeatureExtractor
    from transformers.models.qwen2_5_omni.processing_qwen2_5_omni import Qwen2_5OmniProcessor
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    t = tiny["qwen2_5_omni"]
    media = _media(1, image=True, video=True)
    ours = t.template.encode_prompt_inputs(None, OMNI_CONVERSATION, media=media)
    fe = WhisperFeatureExtractor.from_pretrained(t.folder)
    audio = fe(media.audios, sampling_rate=16000, return_attention_mask=True, padding="max_length", return_tensors="pt")
    images = Qwen2VLImageProcessorPil(max_pixels=56 * 56, min_pixels=3136)(images=media.images, return_tensors="pt")
    assert np.allclose(ours["media_inputs"]["input_features"].numpy(), audio["input_features"].numpy(), atol=1e-5)
    assert ours["media_inputs"]["feature_attention_mask"].tolist() == audio["attention_mask"].tolist()
    assert np.allclose(ours["media_inputs"]["pixel_values"].numpy(), images["pixel_values"].numpy(), atol=1e-5)
    assert ours["media_inputs"]["image_grid_thw"].tolist() == images["image_grid_thw"].tolist()
    tokens = {"image_token": "<|IMAGE|>", "audio_token": "<|AUDIO|>", "video_token": "<|VIDEO|>",
              "vision_bos_token": "<|vision_bos|>", "vision_eos_token": "<|vision_eos|>",
              "audio_bos_token": "<|audio_bos|>", "audio_eos_token": "<|audio_eos|>"}
    host = types.SimpleNamespace(image_processor=types.SimpleNamespace(merge_size=2),
                                 video_processor=types.SimpleNamespace(merge_size=2), **tokens)
    host.get_chunked_index = types.MethodType(Qwen2_5OmniProcessor.get_chunked_index, host)
    prompt = t.template.render(replace_tags(OMNI_CONVERSATION, t.processor.content_part), add_generation_prompt=True)
    lengths = (audio["attention_mask"].sum(-1) - 1) // 2 + 1
    [expanded] = Qwen2_5OmniProcessor.replace_multimodal_special_tokens(
        host, [prompt], iter((lengths - 2) // 2 + 1), iter(images["image_grid_thw"]),
        iter(ours["media_inputs"]["video_grid_thw"]), video_second_per_grid=iter([1.0]), use_audio_in_video=False,
        position_id_per_seconds=25, seconds_per_chunk=2.0)
    assert ours["input_ids"] == t.tokenizer(expanded, add_special_tokens=False)["input_ids"]
    assert ours["media_inputs"]["video_second_per_grid"].tolist() == [1.0]  # temporal patch 2 / 2 fps


def _batch(t, rows):
    """Right-padded input_ids / labels / attention_mask and the processor's collated media."""
    import torch

    width = max(len(r["input_ids"]) for r in rows)
    pad = t.tokenizer.pad_token_id
    ids = torch.tensor([r["input_ids"] + [pad] * (width - len(r["input_ids"])) for r in rows])
    labels = torch.tensor([r["labels"] + [IGNORE_INDEX] * (width - len(r["labels"])) for r in rows])
    mask = torch.tensor([[1] * len(r["input_ids"]) + [0] * (width - len(r["input_ids"])) for r in rows])
    return {"input_ids": ids, "labels": labels, "attention_mask": mask,
            **t.processor.collate([r.get("media_inputs", {}) for r in rows], ids)}


@pytest.mark.parametrize("family", FAMILIES)
def test_tiny_model_trains_on_media_rows_and_generates_from_audio(tiny, family):
    import copy

    import torch

    t = tiny[family]
    rows = [
        ([{"role": "user", "content": "<audio>Which tone?"}, {"role": "assistant", "content": "A low tone."}],
         _media(1)),
        ([{"role": "user", "content": "Compare <audio> with <audio>"}, {"role": "assistant", "content": "High, low."}],
         _media(2)),
        ([{"role": "user", "content": "No media here."}, {"role": "assistant", "content": "Fine."}], Media()),
    ]
    if family == "qwen2_5_omni":
        rows.append(([{"role": "user", "content": "<image><video><audio>All three?"},
                      {"role": "assistant", "content": "Yes."}], _media(1, image=True, video=True)))
    encoded = [t.template.encode(None, messages, media=media) for messages, media in rows]
    audio_id = t.tokenizer.convert_tokens_to_ids("<|AUDIO|>")
    for enc in encoded:
        for token, label in zip(enc["input_ids"], enc["labels"], strict=True):
            if token == audio_id:
                assert label == IGNORE_INDEX
    batch = _batch(t, encoded)
    model = copy.deepcopy(t.model).train()
    torch.manual_seed(0)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for step in range(6):
        loss = model(**batch).loss
        loss.backward()
        if step == 0:  # the audio reaches the loss: the audio tower gets gradients
            tower = [p.grad for n, p in model.named_parameters() if n.startswith(t.spec.model_parts["vision_tower"][0])]
            assert tower and any(g is not None and float(g.abs().sum()) > 0 for g in tower)
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(loss))
    assert all(np.isfinite(losses)) and losses[-1] < losses[0] * 0.8, losses

    model.eval()
    prompt = t.template.encode_prompt_inputs(None, rows[0][0][:1], media=rows[0][1])
    ids = torch.tensor([prompt["input_ids"]])
    out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=4, do_sample=False,
                         **t.processor.collate([prompt["media_inputs"]], ids))
    assert out.shape[1] > ids.shape[1]
    # the audio changes the answer's logits: the model reads it
    with torch.no_grad():
        quiet = dict(prompt["media_inputs"], input_features=prompt["media_inputs"]["input_features"] * 0)
        a = model(input_ids=ids, **t.processor.collate([prompt["media_inputs"]], ids)).logits[0, -1]
        b = model(input_ids=ids, **t.processor.collate([quiet], ids)).logits[0, -1]
    assert not torch.allclose(a, b)


def test_tiny_checkpoint_has_the_feature_extractor_and_other_rates_are_resampled(tiny):
    import json

    for t in tiny.values():
        config = json.loads((t.folder / "preprocessor_config.json").read_text())
        assert config["feature_extractor_type"] == "WhisperFeatureExtractor" and config["feature_size"] == 128
        assert t.processor.feature_extractor.chunk_length == config["chunk_length"]
        assert t.processor.sampling_rate == 16000
    import pickle

    for t in tiny.values():  # the data pipeline hands processors to worker processes
        copy = pickle.loads(pickle.dumps(t.processor))
        assert copy.process(_media(1))["feature_attention_mask"].sum() == 60
    p = tiny["qwen2_audio"].processor
    tone = sine(440, 1.0, 16000)
    at_8k = p.process(Media(audios=[resample(tone, 16000, 8000)], sampling_rate=8000))
    at_16k = p.process(Media(audios=[tone], sampling_rate=16000))
    assert at_8k["feature_attention_mask"].sum() == at_16k["feature_attention_mask"].sum() == 100
    with pytest.raises(ValueError, match=r"audios\[0\] is too short"):
        p.expand("audio", 0, p.process(Media(audios=[tone[:200]], sampling_rate=16000)))
    with pytest.raises(ValueError, match="reads audio, not image"):
        tiny["qwen2_audio"].template.encode_prompt_inputs(None, [{"role": "user", "content": "<image>"}],
                                                          media=_media(0, image=True))


def test_swift_sft_trains_qwen2_audio_on_audio_rows_and_the_pt_engine_hears_them(tiny, tmp_path):
    """The whole path with audio files: `swift sft` (LoRA) reads rows whose ``audios`` are WAV and
    MP3 files (half the rows without an ``<audio>`` tag: it is prepended), and the checkpoint served
    by the pt engine gives different first-token scores for two different tones. (The shared
    multimodal matrix trains on images, which Qwen2-Audio does not read.)"""
    import json
    import math

    import soundfile

    from swiftkit.core.config import build_config
    from swiftkit.core.engines.interface import ChatRequest, SamplingOptions
    from swiftkit.core.registry import get_registry
    from swiftkit.infer.factory import create_engine, default_adapter
    from swiftkit.train.run import run_training

    (tmp_path / "a").mkdir()
    soundfile.write(tmp_path / "a" / "low.wav", sine(220, 0.8, 22050), 22050)
    (tmp_path / "a" / "high.mp3").write_bytes(encode_av(sine(1760, 0.8, 44100), 44100, "mp3", "mp3"))
    rows = [{"messages": [{"role": "user", "content": ("<audio>" if i % 2 else "") + "Low or high?"},
                          {"role": "assistant", "content": name}], "audios": [f"a/{file}"]}
            for i, (name, file) in enumerate([("low", "low.wav"), ("high", "high.mp3")] * 3)]
    (tmp_path / "rows.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    registry = get_registry()
    args = ["--model", str(tiny["qwen2_audio"].folder), "--dataset", str(tmp_path / "rows.jsonl"),
            "--output_dir", str(tmp_path / "run"), "--add_version", "false", "--train_type", "lora",
            "--max_steps", "3", "--save_steps", "3", "--per_device_train_batch_size", "2", "--logging_steps", "1",
            "--learning_rate", "1e-3", "--torch_dtype", "float32", "--report_to", "none"]
    result = run_training(build_config(registry, command="sft", cli_args=args), command="sft", registry=registry)
    losses = [r["loss"] for r in result.log if "loss" in r]
    assert len(losses) == 3 and all(math.isfinite(v) for v in losses)
    assert result.data_report.train.rows == 6 and result.data_report.skipped == 0

    engine, resolved = create_engine({"model": result.last_checkpoint, "infer_backend": "pt"}, registry)
    try:
        sampling = SamplingOptions(max_tokens=3, temperature=0.0, logprobs=True)
        answers = engine.infer([ChatRequest(messages=[{"role": "user", "content": "<audio>Low or high?"}],
                                            audios=[str(tmp_path / "a" / f)], sampling=sampling,
                                            adapter=default_adapter(resolved)) for f in ("low.wav", "high.mp3")])
    finally:
        engine.close()
    assert all(0 < a.completion_tokens <= 3 for a in answers)
    assert answers[0].logprobs[0].logprob != answers[1].logprobs[0].logprob
