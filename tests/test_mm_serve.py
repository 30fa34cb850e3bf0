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
    from tests.test_server import ScriptedEngine

    from swiftkit.infer.factory import ResolvedModel

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
