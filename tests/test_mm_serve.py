"""Inference and serving with media (issue 14, item 5): ``swift deploy``'s OpenAI content parts
and media limits, the ``pt`` engine batching requests with images, ``swift infer`` with media,
and the vllm engine's request mapping.

One tiny random Qwen2-VL (its real architecture) serves every model test of the module.
"""

from __future__ import annotations

import base64
import http.server
import io
import json
import os
import threading
import time
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the server needs the serve extra: pip install 'swiftkit[serve]'")
pytest.importorskip("PIL", reason="media need pillow: pip install 'swiftkit[multimodal]'")
openai = pytest.importorskip("openai", reason="these tests drive the server with the openai client")
httpx = pytest.importorskip("httpx")

from swiftkit.core.engines.interface import ChatRequest, SamplingOptions  # noqa: E402
from swiftkit.serve.media import MediaLimits, MediaRequestError, parse_messages, read_media  # noqa: E402
from swiftkit.serve.server import create_app, run_in_thread  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest

VLM = "qwen2-vl-2b-instruct"
MAX_MEDIA_BYTES = 100_000


def _png(color: Any, size: tuple[int, int] = (56, 56)) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()


def _noise_png(size: int = 256) -> bytes:
    """A PNG that does not compress: larger than MAX_MEDIA_BYTES."""
    from PIL import Image

    buf = io.BytesIO()
    Image.frombytes("RGB", (size, size), os.urandom(size * size * 3)).save(buf, format="PNG")
    data = buf.getvalue()
    assert len(data) > MAX_MEDIA_BYTES
    return data


def _data_url(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


def _ask(text: str, *urls: str) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"type": "image_url", "image_url": {"url": u}} for u in urls]
    return [{"role": "user", "content": [*parts, {"type": "text", "text": text}]}]


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("media")
    (folder / "red.png").write_bytes(_png("red"))
    (folder / "blue.png").write_bytes(_png("blue"))
    (folder / "big.png").write_bytes(_noise_png())
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.png").write_bytes(_png("green"))
    os.symlink(outside / "secret.png", folder / "link.png")
    return folder, outside


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Files of the media folder, plus /stream-big (no Content-Length, endless) and /slow."""

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        if self.path == "/stream-big":  # no Content-Length: the limit must stop the read
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            try:
                for _ in range(1000):
                    self.wfile.write(b"\0" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if self.path == "/slow":
            time.sleep(3)
            self.send_response(200)
            self.end_headers()
            return
        super().do_GET()


@pytest.fixture(scope="module")
def http_media(media_dir):
    """A tiny http.server on 127.0.0.1 serving the media folder."""
    folder, _ = media_dir
    handler = lambda *a, **k: _Handler(*a, directory=str(folder), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def vlm_dir(tmp_path_factory):
    from swiftkit.testing.tiny import build_tiny_model

    return build_tiny_model(VLM, tmp_path_factory.mktemp("tiny-qwen2-vl"))


@pytest.fixture(scope="module")
def served(vlm_dir):
    from swiftkit.infer.factory import create_engine

    engine, resolved = create_engine({"model": str(vlm_dir), "infer_backend": "pt"})
    yield engine, resolved
    engine.close()


def _server(served: Any, **config: Any) -> Any:
    engine, resolved = served
    app = create_app(engine, resolved, served_model_name="tiny-vl", max_tokens_limit=64,
                     config={"max_media_bytes": MAX_MEDIA_BYTES, "max_media_per_request": 3,
                             "media_fetch_timeout": 1.0, **config})
    return run_in_thread(app)


@pytest.fixture(scope="module")
def client(served):
    with _server(served) as srv:
        yield openai.OpenAI(base_url=srv.base_url, api_key="none", max_retries=0, timeout=60)


@pytest.fixture(scope="module")
def local_client(served, media_dir):
    with _server(served, allow_local_media=str(media_dir[0])) as srv:
        yield openai.OpenAI(base_url=srv.base_url, api_key="none", max_retries=0, timeout=60)


def _refused(c: Any, messages: list[dict[str, Any]], status: int, model: str = "tiny-vl") -> dict[str, Any]:
    with pytest.raises(openai.APIStatusError) as info:
        c.chat.completions.create(model=model, messages=messages, max_tokens=4)
    assert info.value.status_code == status, info.value.response.text
    return info.value.response.json()["error"]


# ----------------------------------------------------------------------------- the acceptance list


def test_image_as_data_url_is_answered(client):
    r = client.chat.completions.create(model="tiny-vl", messages=_ask("What colour?", _data_url(_png("red"))),
                                       max_tokens=6)
    text_only = client.chat.completions.create(model="tiny-vl", messages=_ask("What colour?"), max_tokens=6)
    assert r.choices[0].finish_reason in ("stop", "length") and r.usage.completion_tokens > 0
    # the image's pad tokens are in the prompt: a 56x56 image is 4x4 patches merged 2x2 -> 4 pads + 2 markers
    assert r.usage.prompt_tokens == text_only.usage.prompt_tokens + 6


def test_image_over_http_from_localhost_is_answered(client, http_media):
    by_url = client.chat.completions.create(model="tiny-vl", messages=_ask("Describe", f"{http_media}/red.png"),
                                            max_tokens=8)
    by_data = client.chat.completions.create(model="tiny-vl", messages=_ask("Describe", _data_url(_png("red"))),
                                             max_tokens=8)
    assert by_url.choices[0].message.content == by_data.choices[0].message.content  # the same pixels, greedy
    assert by_url.usage == by_data.usage


def test_streamed_answer_with_an_image(client):
    messages = _ask("Describe", _data_url(_png("blue")))
    whole = client.chat.completions.create(model="tiny-vl", messages=messages, max_tokens=8)
    chunks = client.chat.completions.create(model="tiny-vl", messages=messages, max_tokens=8, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == whole.choices[0].message.content


def _mp4(frames: int = 8, size: int = 56) -> bytes:
    """A tiny mpeg4 video of grey frames getting lighter (PyAV)."""
    av = pytest.importorskip("av")
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=4)
        stream.width, stream.height, stream.pix_fmt = size, size, "yuv420p"
        for i in range(frames):
            frame = av.VideoFrame.from_ndarray(np.full((size, size, 3), i * 30, np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()


def test_video_url_is_answered(client):
    """A video_url part (vLLM's extension) as a data URL: decoded and sampled by
    swiftkit.data.video, its frames' pad tokens in the prompt."""
    video = {"type": "video_url", "video_url": {"url": _data_url(_mp4(), "video/mp4")}}
    r = client.chat.completions.create(model="tiny-vl", messages=[{"role": "user", "content": [
        video, {"type": "text", "text": "What happens?"}]}], max_tokens=5)
    text_only = client.chat.completions.create(model="tiny-vl", messages=_ask("What happens?"), max_tokens=5)
    assert r.usage.completion_tokens > 0 and r.usage.prompt_tokens > text_only.usage.prompt_tokens + 2


def test_oversized_image_is_refused(client, http_media):
    for url in (_data_url(_noise_png()), f"{http_media}/big.png", f"{http_media}/stream-big"):
        err = _refused(client, _ask("Describe", _data_url(_png("red")), url), 413)
        assert err["code"] == "media_too_large" and err["param"] == "messages.0.content.1", err
        assert "messages[0].content[1]" in err["message"] and "--max_media_bytes" in err["message"], err


def test_local_files_need_allow_local_media(client, local_client, media_dir):
    folder, outside = media_dir
    for url in (str(folder / "red.png"), (folder / "red.png").as_uri()):
        err = _refused(client, _ask("Describe", url), 403)
        assert err["code"] == "local_media_not_allowed" and "--allow_local_media" in err["message"], err
    # inside the allowed folder: answered, as the same image sent inline
    inline = client.chat.completions.create(model="tiny-vl", messages=_ask("Describe", _data_url(_png("red"))),
                                            max_tokens=6).choices[0].message.content
    for url in (str(folder / "red.png"), (folder / "red.png").as_uri(), "red.png"):
        r = local_client.chat.completions.create(model="tiny-vl", messages=_ask("Describe", url), max_tokens=6)
        assert r.choices[0].message.content == inline
    # out of it: by path, by .., and by a symlink that points out
    for url in (str(outside / "secret.png"), "../" + outside.name + "/secret.png", str(folder / "link.png")):
        err = _refused(local_client, _ask("Describe", url), 403)
        assert "outside the folder" in err["message"], err


def test_media_limits_and_malformed_parts(client, http_media):
    red = _data_url(_png("red"))
    err = _refused(client, _ask("Describe", red, red, red, red), 400)
    assert err["code"] == "too_many_media" and "--max_media_per_request" in err["message"] \
        and err["param"] == "messages.0.content.3", err
    err = _refused(client, _ask("Describe", f"{http_media}/slow"), 400)
    assert err["code"] == "media_fetch_timeout" and "--media_fetch_timeout" in err["message"], err
    err = _refused(client, _ask("Describe", f"{http_media}/missing.png"), 400)
    assert err["code"] == "media_fetch_failed" and "HTTP 404" in err["message"], err
    err = _refused(client, _ask("Describe", _data_url(b"not an image")), 400)
    assert err["code"] == "invalid_media" and "messages[0].content[0]" in err["message"], err
    err = _refused(client, _ask("Describe", "ftp://example.com/x.png"), 400)
    assert "scheme 'ftp'" in err["message"], err
    # a literal tag in a client's text would take a medium's place: refused for a multimodal model
    err = _refused(client, [{"role": "user", "content": "<image> hi"}], 400)
    assert err["code"] == "media_tag_in_text" and err["param"] == "messages.0.content", err
    # the model reads images and videos, not audio
    audio = {"type": "input_audio", "input_audio": {"data": base64.b64encode(b"RIFF....").decode(), "format": "wav"}}
    err = _refused(client, [{"role": "user", "content": [audio]}], 400)
    assert err["code"] == "media_not_supported" and "'tiny-vl'" in err["message"] and "audio" in err["message"], err


def test_text_model_refuses_media_naming_it():
    """A text model (scripted engine, no media processor) answers media with a 400 naming it."""
    from swiftkit.infer.factory import ResolvedModel
    from tests.test_server import ScriptedEngine

    engine = ScriptedEngine()
    resolved = ResolvedModel(model_dir="/models/scripted", model_id="text-model", template="qwen")
    with run_in_thread(create_app(engine, resolved, max_tokens_limit=8)) as srv:
        c = openai.OpenAI(base_url=srv.base_url, api_key="none", max_retries=0)
        err = _refused(c, _ask("hi", _data_url(_png("red"))), 400, model="text-model")
        assert "'text-model' reads text only" in err["message"] and "messages[0].content[0]" in err["message"], err
        # a literal <image> in a text model's conversation is text
        c.chat.completions.create(model="text-model", messages=[{"role": "user", "content": "<image> hi"}], max_tokens=4)
        assert engine.seen[-1].messages[-1]["content"] == "<image> hi" and engine.seen[-1].images == []


# ----------------------------------------------------------------------------- content parts (no model)


def test_content_parts_become_tags_in_order():
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [
            {"type": "text", "text": "first"}, {"type": "text", "text": "second"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA", "detail": "low"}},
            {"type": "text", "text": "Compare with"},
            {"type": "video_url", "video_url": {"url": "http://h/v.mp4"}},
            {"type": "input_audio", "input_audio": {"data": base64.b64encode(b"abc").decode(), "format": "wav"}},
            {"type": "image_url", "image_url": "http://h/b.png"},
        ]},
    ]
    parsed = parse_messages(messages, tags_are_text=False)
    assert parsed.messages[0] == {"role": "system", "content": "Be brief."}
    assert parsed.messages[1]["content"] == "first\nsecond<image>Compare with<video><audio><image>"
    assert [(p.kind, p.where) for p in parsed.parts] == [
        ("image", "messages[1].content[2]"), ("video", "messages[1].content[4]"),
        ("audio", "messages[1].content[5]"), ("image", "messages[1].content[6]")]
    assert parsed.parts[2].data == b"abc" and parsed.parts[2].fmt == "wav"
    assert parsed.counts() == {"image": 2, "video": 1, "audio": 1}
    with pytest.raises(MediaRequestError, match=r"messages\[0\].content\[0\]: image_url must be"):
        parse_messages([{"role": "user", "content": [{"type": "image_url", "image_url": {}}]}])
    with pytest.raises(MediaRequestError, match="not valid base64"):
        parse_messages([{"role": "user", "content": [{"type": "input_audio", "input_audio": {"data": "@@"}}]}])


def test_media_are_read_as_bytes_within_limits(tmp_path):
    red = _png("red")
    parsed = parse_messages(_ask("x", _data_url(red), _data_url(red)))
    assert read_media(parsed, MediaLimits()) == {"images": [red, red], "videos": [], "audios": []}
    with pytest.raises(MediaRequestError) as info:
        read_media(parsed, MediaLimits(max_bytes=len(red) - 1))
    assert info.value.status == 413 and info.value.param == "messages.0.content.0"
    with pytest.raises(Exception, match="not a folder"):
        MediaLimits.from_config({"allow_local_media": str(tmp_path / "nope")})


# ----------------------------------------------------------------------------- the pt engine


def test_batched_greedy_equals_one_by_one_with_different_images(served):
    from PIL import Image

    engine, _ = served
    images = [Image.new("RGB", (56, 56), "red"), Image.new("RGB", (84, 56), "blue"),
              Image.new("RGB", (56, 112), (0, 200, 30))]

    def request(content: str, media: list[Any]) -> ChatRequest:
        return ChatRequest(messages=[{"role": "user", "content": content}], images=media,
                           sampling=SamplingOptions(max_tokens=10, logprobs=True))

    requests = [request("<image>What is it?", [im]) for im in images]
    requests += [request("No image, just text.", []), request("<image><image>Two?", images[:2])]
    alone = [engine.infer([r])[0] for r in requests]
    calls = engine.stats["generate_calls"]
    together = engine.infer(requests)
    assert engine.stats["generate_calls"] == calls + 1  # one left-padded batch, media collated
    for a, b in zip(alone, together, strict=True):
        assert a.token_ids == b.token_ids and a.text == b.text
    # the pixels reach the model: the same text with other images gives other first-token scores
    first = [a.logprobs[0].logprob for a in alone[:3]]
    assert len(set(first)) == 3, first
    # a tag without its image names the mismatch
    with pytest.raises(ValueError, match="1 <image> tag"):
        engine.infer([request("<image>Where is it?", [])])


def test_pt_engine_reads_paths_and_names_bad_media(served, media_dir):
    engine, _ = served
    folder, _ = media_dir
    ok = engine.infer([ChatRequest(messages=[{"role": "user", "content": "<image>?"}], images=[str(folder / "red.png")],
                                   sampling=SamplingOptions(max_tokens=3))])[0]
    assert ok.completion_tokens > 0
    with pytest.raises(ValueError, match=r"images\[0\]: file not found"):
        engine.infer([ChatRequest(messages=[{"role": "user", "content": "<image>?"}],
                                  images=[str(folder / "nope.png")])])


# ----------------------------------------------------------------------------- swift infer


def test_swift_infer_val_dataset_with_images(vlm_dir, tmp_path, run_swift):
    """Rows with images (relative paths read from the dataset's folder, a row without tags gets
    them prepended as in training) are answered; a missing image names file, row and field."""
    (tmp_path / "pics").mkdir()
    (tmp_path / "pics" / "red.png").write_bytes(_png("red"))
    (tmp_path / "pics" / "blue.png").write_bytes(_png("blue", (84, 56)))
    rows = [
        {"messages": [{"role": "user", "content": "<image>What colour?"}, {"role": "assistant", "content": "red"}],
         "images": ["pics/red.png"]},
        {"messages": [{"role": "user", "content": "Compare."}, {"role": "assistant", "content": "both"}],
         "images": ["pics/red.png", str(tmp_path / "pics" / "blue.png")]},
        {"messages": [{"role": "user", "content": "Just text."}, {"role": "assistant", "content": "ok"}]},
    ]
    data = tmp_path / "val.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "results.jsonl"
    run = run_swift("infer", "--model", str(vlm_dir), "--val_dataset", str(data), "--result_path", str(out),
                    "--max_new_tokens", "4", timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["row"] for r in results] == [1, 2, 3]
    assert results[1]["messages"][0]["content"] == "<image><image>Compare."
    assert results[0]["images"] == [str(tmp_path / "pics" / "red.png")]
    assert "images" not in results[2]
    # image pads are in the prompt: two images cost more prompt tokens than one, one more than none
    assert results[1]["prompt_tokens"] > results[0]["prompt_tokens"] > results[2]["prompt_tokens"]
    assert all(r["completion_tokens"] > 0 for r in results)

    # a missing image is named before any model loads (file, row, field), or skipped with --strict false
    from swiftkit.core.data.errors import DatasetRowError
    from swiftkit.data.rows import read_conversations

    rows[1]["images"][0] = "pics/missing.png"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(DatasetRowError, match=r"val.jsonl row 2: field 'images\[0\]'.*missing.png"):
        read_conversations([str(data)])
    kept = read_conversations([str(data)], strict=False)
    assert [r.row for r in kept.rows] == [1, 3] and kept.skipped == 1


def test_interactive_chat_attaches_an_image(served, media_dir):
    """`/image PATH` before a question sends the image with it; it stays with the history."""
    from swiftkit.infer.interactive import chat_loop

    engine, _ = served
    folder, _ = media_dir
    seen: list[ChatRequest] = []
    infer = engine.infer

    def recording(requests: list[Any]) -> Any:
        seen.extend(requests)
        return infer(requests)

    engine.infer = recording
    lines: list[str] = []
    try:
        stdin = io.StringIO(f"/image {folder / 'red.png'}\nWhat is it?\nAnd now?\n/image\n"
                            f"/image {folder / 'nope.png'}\nBad one\nclear\nText only\nexit\n")
        answers = chat_loop(engine, sampling=SamplingOptions(max_tokens=3), stdin=stdin,
                            echo=lambda text="", nl=True: lines.append(str(text)))
    finally:
        del engine.infer
    assert answers == 3
    first, second, third = seen[0], seen[1], seen[-1]
    assert first.messages[-1]["content"] == "<image>What is it?" and first.images == [str(folder / "red.png")]
    assert second.messages[0]["content"] == "<image>What is it?" and second.images == first.images  # the history's
    assert third.messages == [{"role": "user", "content": "Text only"}] and third.images == []
    shown = "\n".join(lines)
    assert "image attached" in shown and "error: images[1]: file not found" in shown and "/image PATH" in shown


# ----------------------------------------------------------------------------- the vllm engine


class _FakeLLM:
    """vllm.LLM's offline API as the engine calls it: records the prompts, answers 'ok'."""

    instances: list[_FakeLLM] = []

    def __init__(self, **kwargs: Any):
        from types import SimpleNamespace

        self.kwargs, self.prompts, self._ns = kwargs, [], SimpleNamespace
        _FakeLLM.instances.append(self)

    def generate(self, prompts: list[Any], params: list[Any], use_tqdm: bool = False, lora_request: Any = None) -> Any:
        self.prompts.extend(prompts)
        ns = self._ns
        return [ns(prompt_token_ids=p["prompt_token_ids"],
                   outputs=[ns(text="ok", token_ids=[1, 2], finish_reason="stop", logprobs=None)]) for p in prompts]


def test_vllm_engine_sends_media_as_multi_modal_data(served, media_dir, monkeypatch):
    """The request mapping over a fake ``vllm`` module. (A real vLLM-CPU run of the tiny
    Qwen2-VL is not part of the suite: see the report / docs for what blocked it.)"""
    import sys
    import types

    from swiftkit.core.registry import get_registry
    from swiftkit.plugins.engines.vllm_engine import VllmEngine

    engine, resolved = served
    fake = types.ModuleType("vllm")
    fake.LLM = _FakeLLM
    fake.SamplingParams = lambda **kw: types.SimpleNamespace(**kw)
    monkeypatch.setitem(sys.modules, "vllm", fake)
    spec = get_registry().get("engine", "vllm").spec
    vllm = VllmEngine(spec, str(resolved.model_dir), engine.template.configure(media_options=None),
                      {"vllm_mode": "offline", "max_pixels": 50176, "max_media_per_request": 3},
                      tokenizer=engine.tokenizer)
    assert vllm.media_kinds() == ("image", "video")
    assert vllm.template.media_options.processor_dir == str(resolved.model_dir)
    args = vllm.engine_args()
    assert args["limit_mm_per_prompt"] == {"image": 3, "video": 3}
    assert args["mm_processor_kwargs"] == {"max_pixels": 50176}
    folder, _ = media_dir
    frames = [_png("red"), _png("blue")]
    responses = vllm.infer([
        ChatRequest(messages=[{"role": "user", "content": "<image>Compare <image> and <video>"}],
                    images=[str(folder / "red.png"), _png("blue")], videos=[frames]),
        ChatRequest(messages=[{"role": "user", "content": "Just text"}]),
    ])
    assert [r.text for r in responses] == ["ok", "ok"]
    with_media, text_only = _FakeLLM.instances[-1].prompts
    data = with_media["multi_modal_data"]
    assert [im.getpixel((0, 0)) for im in data["image"]] == [(255, 0, 0), (0, 0, 255)]
    assert len(data["video"]) == 1 and len(data["video"][0]) == 2
    # one unexpanded placeholder per medium: vLLM's processor expands it
    tokenizer = engine.tokenizer
    ids = with_media["prompt_token_ids"]
    pad = tokenizer.convert_tokens_to_ids("<|image_pad|>")
    assert ids.count(pad) == 2 and ids.count(tokenizer.convert_tokens_to_ids("<|video_pad|>")) == 1
    assert "<|vision_start|><|image_pad|><|vision_end|>Compare" in tokenizer.decode(ids)
    assert "multi_modal_data" not in text_only
    with pytest.raises(ValueError, match="1 <image> tag"):
        vllm.infer([ChatRequest(messages=[{"role": "user", "content": "<image>?"}], videos=[frames])])
