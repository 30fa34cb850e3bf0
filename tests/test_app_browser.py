"""``swift app`` in a real headless browser (Chromium driven by Playwright; skipped with the reason
when either is missing), on tiny random models built offline.

The page's answers are checked against the engine's own greedy answers to the same
conversations, so they prove what the page sends: the history (second turn), the system prompt
box, the uploaded image. Screenshots are kept under ``$SWIFTKIT_TEST_ARTIFACTS`` or
``test-artifacts/`` (``app-*.png``).
"""

from __future__ import annotations

import os
import time
from typing import Any

import pytest
from click.testing import CliRunner

from swiftkit.core.engines.interface import ChatRequest
from swiftkit.testing.browser import save_screenshot, unavailable_reason

pytest.importorskip("gradio", reason="swift app needs the app extra: pip install 'swiftkit[app]'")
pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest

MODEL = "qwen2.5-0.5b-instruct"
VLM = "qwen2-vl-2b-instruct"
MAX_TOKENS = "12"

#: records every text the last answer shows, to see it grow while the answer streams
_WATCH = """() => {
  window.__answers = [];
  const root = document.querySelector('#swift-chatbot');
  new MutationObserver(() => {
    const bots = root.querySelectorAll('[data-testid="bot"]');
    if (bots.length) window.__answers.push(bots[bots.length - 1].innerText);
  }).observe(root, {subtree: true, childList: true, characterData: true});
}"""
_LAST_ANSWER = """() => { const bots = document.querySelectorAll('#swift-chatbot [data-testid="bot"]');
  return bots.length ? bots[bots.length - 1].innerText : null; }"""


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


@pytest.fixture(scope="module")
def registry():
    from swiftkit.core.registry import get_registry

    return get_registry(refresh=True)


def _app_config(registry: Any, *args: str) -> tuple[dict, Any]:
    from swiftkit.cli.app_cmd import app_config
    from swiftkit.cli.infer_cmd import sampling_options

    config = app_config(["--server_port", "0", "--max_new_tokens", MAX_TOKENS, *args], registry)
    return config, sampling_options(config)


def _random_lora(model_dir: str, out: Any) -> str:
    """A LoRA adapter with random (not zero) weights: it changes the model's answers."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    config = LoraConfig(r=8, lora_alpha=64, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    get_peft_model(model, config).save_pretrained(str(out))
    return str(out)


@pytest.fixture(scope="module")
def text_app(tmp_path_factory, registry):
    """``swift app --model <tiny qwen2.5> --adapters <a LoRA>`` launched in this process on a free port."""
    from swiftkit.testing.tiny import build_tiny_model
    from swiftkit.ui.app import run_app

    model = build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny") / MODEL, registry=registry)
    adapter = _random_lora(str(model), tmp_path_factory.mktemp("lora") / "my-lora")
    config, sampling = _app_config(registry, "--model", str(model), "--adapters", adapter, "--studio_title", "Tiny chat")
    launched = run_app(config, sampling, registry=registry, echo=lambda line: None, block=False)
    backend = launched.backend.backend
    original = backend.stream

    def paced(messages: list, images: list) -> Any:  # a tiny model answers in milliseconds: let the page show the pieces
        for piece in original(messages, images):
            time.sleep(0.05)
            yield piece

    backend.stream = paced
    yield launched, sampling
    launched.close()
    launched.backend.close()


def _expected(engine: Any, sampling: Any, messages: list[dict], images: list | None = None,
              adapter: str | None = None) -> str:
    request = ChatRequest(messages=messages, sampling=sampling, images=list(images or []), adapter=adapter)
    return engine.infer([request])[0].text


def _send(page: Any, text: str, expected: str) -> list[str]:
    """Type ``text``, press Enter, wait for ``expected`` to be the last answer; the texts it showed on the way."""
    page.evaluate(_WATCH)
    box = page.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")
    page.wait_for_function(f"() => {{ const t = ({_LAST_ANSWER})(); return t !== null && "
                           f"t.split(/\\s+/).join(' ').trim() === {_norm(expected)!r}; }}", timeout=60_000)
    return [_norm(t) for t in page.evaluate("() => window.__answers")]


def test_chat_with_an_adapter_streams_keeps_history_and_uses_the_system_prompt(browser_page, text_app):
    launched, sampling = text_app
    engine = launched.backend.backend.engine

    def expected(messages: list[dict]) -> str:  # what the engine answers with the adapter
        return _expected(engine, sampling, messages, adapter="my-lora")

    page = browser_page
    elsewhere: list[str] = []  # the page must not phone home (analytics, fonts, CDNs)
    page.on("request", lambda r: None if r.url.startswith((launched.url, "data:", "blob:")) else elsewhere.append(r.url))
    page.goto(launched.url)
    page.get_by_text("Tiny chat").first.wait_for()  # --studio_title
    page.get_by_text("adapter my-lora").wait_for()  # --adapters: requests use it
    assert os.environ["GRADIO_ANALYTICS_ENABLED"] == "False"  # no version check or telemetry from the server

    first = [{"role": "user", "content": "Hello there"}]
    answer1 = expected(first)
    assert answer1 != _expected(engine, sampling, first)  # the adapter matters
    shown = _send(page, "Hello there", answer1)
    grown = [t for t in dict.fromkeys(shown) if t and _norm(answer1).startswith(t)]
    assert len(grown) >= 3 and grown[-1] == _norm(answer1), shown  # streamed: growing prefixes, then the answer
    save_screenshot(page, "app-turn1")

    second = [*first, {"role": "assistant", "content": answer1}, {"role": "user", "content": "Tell me more"}]
    answer2 = expected(second)
    assert answer2 != expected(second[-1:])  # else this turn could not tell history from none
    _send(page, "Tell me more", answer2)
    assert page.locator('#swift-chatbot [data-testid="user"]').count() == 2
    save_screenshot(page, "app-turn2")

    page.get_by_label("System prompt", exact=True).fill("You are a pirate.")
    third = [{"role": "system", "content": "You are a pirate."}, *second,
             {"role": "assistant", "content": answer2}, {"role": "user", "content": "Who are you?"}]
    answer3 = expected(third)
    assert answer3 != expected(third[1:])
    _send(page, "Who are you?", answer3)
    save_screenshot(page, "app-system-prompt")

    page.locator("#swift-clear").click()  # a new conversation: no history sent
    page.wait_for_function("() => !document.querySelector('#swift-chatbot [data-testid=\"user\"]')")
    fresh = [{"role": "system", "content": "You are a pirate."}, {"role": "user", "content": "Tell me more"}]
    _send(page, "Tell me more", expected(fresh))
    assert not elsewhere, elsewhere


def _png(path: Any, color: tuple[int, int, int]) -> str:
    from PIL import Image

    Image.new("RGB", (56, 56), color).save(path, format="PNG")
    return str(path)


def test_base_url_chat_with_image_upload_against_a_deploy_server(tmp_path_factory, registry, browser_page):
    """``swift app --base_url`` on a ``swift deploy`` app (in-process, with an API key) serving a
    tiny Qwen2-VL: the page offers image upload (the model takes images) and the answer is the
    engine's answer about that image."""
    from swiftkit.serve.server import create_app, run_in_thread
    from swiftkit.testing.tiny import build_tiny_model
    from swiftkit.ui.app import open_backend, run_app

    model = str(build_tiny_model(VLM, tmp_path_factory.mktemp("tiny-vl") / VLM, registry=registry))
    local, sampling = _app_config(registry, "--model", model)
    opened = open_backend(local, sampling, registry)  # the model's modalities turn image upload on
    engine = opened.backend.engine
    assert opened.backend.multimodal is True
    folder = tmp_path_factory.mktemp("images")
    red, blue = _png(folder / "red.png", (220, 20, 20)), _png(folder / "blue.png", (20, 20, 220))
    asked = [{"role": "user", "content": "<image>What is this?"}]
    answer = _expected(engine, sampling, asked, [red])
    assert answer != _expected(engine, sampling, asked, [blue])  # the image matters to this model
    with run_in_thread(create_app(engine, opened.resolved, api_key="sk-app-test")) as server:
        config, sampling = _app_config(registry, "--base_url", server.base_url, "--api_key", "sk-app-test",
                                       "--is_multimodal", "true", "--lang", "zh")
        launched = run_app(config, sampling, registry=registry, echo=lambda line: None, block=False)
        try:
            page = browser_page
            page.goto(launched.url)
            page.locator("#swift-message input[type=file]").set_input_files(red)
            page.locator("#swift-message").get_by_role("img").first.wait_for()  # the upload's preview
            page.locator("#swift-message textarea").fill("What is this?")
            page.locator("#swift-send").click()
            page.wait_for_function(f"() => {{ const t = ({_LAST_ANSWER})(); return t !== null && "
                                   f"t.split(/\\s+/).join(' ').trim() === {_norm(answer)!r}; }}", timeout=60_000)
            assert page.get_by_text("输入").count() >= 1  # --lang zh
            save_screenshot(page, "app-base-url-image")
        finally:
            browser_page.close()  # an open page holds the server's event stream: closing would wait for it
            launched.close()
    opened.close()


def _refusal(*args: str) -> str:
    """The :class:`ConfigError` ``swift app ARGS`` stops with (``swift`` prints it as ``error: ...``)."""
    from swiftkit.cli import cli
    from swiftkit.core.errors import ConfigError

    result = CliRunner().invoke(cli, ["app", *args])
    assert isinstance(result.exception, ConfigError), (result.exception, result.output)
    return str(result.exception)


def test_share_is_refused_offline_before_anything_loads():
    message = _refusal("--model", "no/such-model", "--share", "true")  # a model that cannot load: never reached
    assert "--share true needs the network" in message and "HF_HUB_OFFLINE" in message


def test_base_url_refuses_local_model_flags_and_names_a_dead_server():
    from swiftkit.ui.runtime import free_port

    message = _refusal("--base_url", "http://127.0.0.1:9/v1", "--infer_backend", "pt")
    assert "--infer_backend" in message and "running server" in message
    message = _refusal("--base_url", f"http://127.0.0.1:{free_port()}/v1")
    assert "GET /models failed" in message and "is the server running" in message
    assert "needs --model" in _refusal("--lang", "zh")


def test_help_imports_no_gradio(run_swift):
    run = run_swift("app", "--help")
    assert run.returncode == 0, run.stderr
    for flag in ("--base_url", "--studio_title", "--server_port", "--is_multimodal", "--share"):
        assert flag in run.stdout
    assert not [m for m in run.modules if m.split(".")[0] in ("gradio", "torch", "transformers")]


def test_openai_messages_put_images_where_their_tags_stand(tmp_path):
    from swiftkit.ui.chat import openai_messages

    image = _png(tmp_path / "x.png", (0, 0, 0))
    out = openai_messages([{"role": "system", "content": "s"}, {"role": "user", "content": "a<image>b"}], [image])
    assert out[0] == {"role": "system", "content": "s"}
    parts = out[1]["content"]
    assert [p["type"] for p in parts] == ["text", "image_url", "text"]
    assert parts[1]["image_url"]["url"].startswith("data:image/png;base64,")
    with pytest.raises(Exception, match="more <image> tags than there are images"):
        openai_messages([{"role": "user", "content": "<image><image>"}], [image])


def test_browser_fixture_reports_why_it_cannot_run(monkeypatch, tmp_path):
    monkeypatch.setenv("SWIFTKIT_CHROMIUM", str(tmp_path / "missing-chromium"))
    reason = unavailable_reason()
    assert reason is not None and ("missing-chromium" in reason or "playwright" in reason)
    monkeypatch.setenv("SWIFTKIT_TEST_ARTIFACTS", str(tmp_path / "art"))
    from swiftkit.testing.browser import artifacts_dir

    assert artifacts_dir() == (tmp_path / "art").resolve() and artifacts_dir().is_dir()


class _Slow:
    """A backend answering word by word until stopped; it records what it was asked."""

    name = "slow words"
    multimodal = False

    def __init__(self) -> None:
        self.asked: list[list[dict]] = []
        self.closed = 0

    def stream(self, messages: list[dict], images: list) -> Any:
        self.asked.append(messages)
        try:
            for i in range(200):
                time.sleep(0.05)
                yield f"w{i} "
        finally:
            self.closed += 1


def test_stop_ends_the_answer_and_the_history_keeps_what_was_shown(browser_page):
    from swiftkit.ui.app import build_app
    from swiftkit.ui.runtime import launch

    backend = _Slow()
    launched = launch(build_app(backend), server_port=0)
    try:
        page = browser_page
        page.goto(launched.url)
        box = page.get_by_label("Message", exact=True)
        box.fill("count")
        box.press("Enter")
        page.locator('#swift-chatbot [data-testid="bot"]').get_by_text("w3 ").wait_for()
        page.locator("#swift-stop").click()
        deadline = time.monotonic() + 10
        while not backend.closed and time.monotonic() < deadline:
            time.sleep(0.05)
        assert backend.closed == 1  # the generation was stopped, not left running
        shown = _norm(page.evaluate(_LAST_ANSWER))
        assert shown.startswith("w0 w1 w2 w3") and not shown.endswith("w199")
        box.fill("again")
        box.press("Enter")
        page.locator('#swift-chatbot [data-testid="user"]').nth(1).wait_for()
        deadline = time.monotonic() + 30
        while len(backend.asked) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [m["role"] for m in backend.asked[1]] == ["user", "assistant", "user"]
        assert _norm(backend.asked[1][1]["content"]) == shown  # what the page showed is what the history holds
        save_screenshot(page, "app-stopped")
        page.locator("#swift-stop").click()
    finally:
        browser_page.close()  # an open page holds the server's event stream: closing would wait for it
        launched.close()
