"""``swift web-ui`` in a real headless Chromium: the sft form (composed from the run-config
schema: choosing another tuner swaps its options in), the exact command, a tiny training
started from the form whose loss curve grows on the page until it finishes, a second run typed
into the editable command box and stopped, and a chat with the trained checkpoint.

Screenshots go to the test artifacts folder (``$SWIFTKIT_TEST_ARTIFACTS`` or ``test-artifacts/``).
"""

from __future__ import annotations

import json
import os
import re
import time

import pytest

from swiftkit.testing.browser import save_screenshot

pytestmark = [pytest.mark.usefixtures("one_torch_thread"),
              pytest.mark.filterwarnings("ignore::DeprecationWarning"),  # gradio's pandas calls
              pytest.mark.filterwarnings("ignore:.*(no_silent_downcasting|copy keyword).*")]

MODEL = "qwen2.5-0.5b-instruct"


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    """The board serving on a free port, its runs working in a temporary folder, and a tiny model."""
    from swiftkit.core.registry import get_registry
    from swiftkit.testing.tiny import build_tiny_model
    from swiftkit.ui.runtime import launch
    from swiftkit.ui.web_ui.page import ChatHolder, build_web_ui
    from swiftkit.ui.web_ui.runs import RunManager

    root = tmp_path_factory.mktemp("web-ui")
    registry = get_registry()
    model = build_tiny_model(MODEL, root / MODEL, registry=registry)
    # one thread per run: the tiny model gains nothing from more on a busy machine
    manager = RunManager(str(root / "logs"), cwd=str(root), env={**os.environ, "OMP_NUM_THREADS": "1"})
    chat = ChatHolder(registry)
    launched = launch(build_web_ui(registry, manager, title="swiftkit board (test)", chat=chat), server_port=0)
    try:
        yield launched, manager, str(model), root
    finally:
        manager.stop_all()
        launched.close()
        chat.close()


def _select(page, elem_id: str, option: str) -> None:
    page.locator(f"#{elem_id} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def _fill(page, elem_id: str, text: str) -> None:
    page.locator(f"#{elem_id} textarea, #{elem_id} input").first.fill(text)


def _command(page, command: str) -> str:
    return page.locator(f"#{command}-command textarea").input_value()


def _wait_command(page, command: str, *parts: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    while True:
        line = _command(page, command)
        if all(p in line for p in parts) or time.monotonic() > deadline:
            assert all(p in line for p in parts), f"command box: {line!r}, wanted {parts}"
            return line
        time.sleep(0.1)


def _summary(page) -> str:
    return page.locator("#run-summary").inner_text()


def _wait_summary(page, pattern: str, timeout: float, abort: str | None = r"run 1: (failed|stopped)") -> re.Match:
    deadline = time.monotonic() + timeout
    while True:
        text = _summary(page)
        found = re.search(pattern, text)
        if found:
            return found
        if time.monotonic() > deadline or (abort and re.search(abort, text)):
            log = page.locator("#run-log textarea").input_value()
            raise AssertionError(f"run summary {text!r} never matched {pattern!r}; log:\n{log[-3000:]}")
        time.sleep(0.2)


def test_train_from_the_form_watch_the_loss_and_chat(board, browser_page):
    launched, manager, model, root = board
    page = browser_page
    started = time.monotonic()
    marks: dict[str, float] = {}

    def mark(name: str) -> None:
        marks[name] = round(time.monotonic() - started, 1)

    page.goto(launched.url)
    page.locator("#sft-model textarea").wait_for()

    # the tuner's options come from its plugin's schema: lora's at first, vera's when chosen
    page.locator("#sft-lora_rank").wait_for()
    _select(page, "sft-train_type", "vera")
    page.locator("#sft-vera_rank").wait_for()
    assert page.locator("#sft-lora_rank").count() == 0
    _select(page, "sft-train_type", "lora")
    page.locator("#sft-lora_rank").wait_for()
    assert page.locator("#sft-vera_rank").count() == 0

    # search finds a key in the collapsed sections
    page.locator("#sft-more").get_by_text("More options").click()
    _fill(page, "sft-search", "warmup")
    page.locator("#sft-search textarea").press("Enter")
    page.locator("#sft-warmup_ratio").wait_for()

    _fill(page, "sft-model", model)
    _fill(page, "sft-dataset", "swift-demo")
    _fill(page, "sft-max_steps", "20")
    _fill(page, "sft-logging_steps", "2")
    _fill(page, "sft-output_dir", "out")
    _fill(page, "sft-lora_rank", "4")
    _fill(page, "sft-warmup_ratio", "0.1")
    _fill(page, "sft-learning_rate", "0.02")
    line = _wait_command(page, "sft", f"--model {model}", "--dataset swift-demo", "--max_steps 20",
                         "--logging_steps 2", "--output_dir out", "--lora_rank 4", "--warmup_ratio 0.1",
                         "--learning_rate 0.02")
    assert line.startswith("swift sft ")
    shots = [save_screenshot(page, "web-ui-1-sft-form")]
    mark("form filled")

    page.locator("#sft-run").click()
    page.locator("#run-summary").wait_for()
    first = _wait_summary(page, r"(\d+) loss points", timeout=90)
    points = int(_wait_summary(page, r"([2-9]|\d\d+) loss points", timeout=90).group(1))
    mark("2+ loss points shown")
    assert points >= 2
    shots.append(save_screenshot(page, "web-ui-2-training"))
    finished = _wait_summary(page, r"finished \(exit 0\).*?(\d+) loss points", timeout=120)
    assert int(finished.group(1)) >= max(points, int(first.group(1)))
    assert int(finished.group(1)) == 10  # 20 steps, a record every 2
    assert page.locator("#run-loss").locator("canvas, svg").count() > 0  # the plot was drawn
    run = manager.runs()[0]
    assert run.status == "finished" and run.run_dir and run.run_dir.startswith(str(root / "out"))
    with open(os.path.join(run.run_dir, "logging.jsonl")) as fh:  # what the page shows is the run's log
        logged = [r for r in map(json.loads, fh) if "loss" in r]
    assert f"last: step {logged[-1]['step']}, loss {logged[-1]['loss']:.4f}" in _summary(page)
    assert run.args[run.args.index("--lora_rank") + 1] == "4"
    table = page.locator("#runs-table").inner_text()
    assert "finished" in table and "sft" in table
    shots.append(save_screenshot(page, "web-ui-3-finished"))
    mark("training finished")

    # the editable command: a longer run typed into the box, started, then stopped
    page.locator("#tab-sft-button, button[role=tab]:has-text('sft')").first.click()
    box = page.locator("#sft-command textarea")
    box.fill(box.input_value().replace("--max_steps 20", "--max_steps 100000"))
    page.locator("#sft-run").click()
    _wait_summary(page, r"run 2: running", timeout=30, abort=r"run 2: (failed|stopped)")
    page.locator("#run-stop").click()
    _wait_summary(page, r"run 2: stopped", timeout=30, abort=r"run 2: (failed|finished)")
    assert manager.get(2).status == "stopped" and manager.get(2).returncode is not None
    mark("second run stopped")

    # chat with the first run's last checkpoint
    page.locator("#run-pick input").click()
    page.get_by_role("option", name="1: swift sft", exact=True).click()
    _wait_summary(page, r"run 1: finished", timeout=30)
    page.locator("#tab-chat-button, button[role=tab]:has-text('Chat')").first.click()
    page.locator("#chat-max-new-tokens input").fill("24")
    page.locator("#tab-runs-button, button[role=tab]:has-text('Runs')").first.click()
    page.locator("#run-chat").click()
    status = page.locator("#chat-status")
    deadline = time.monotonic() + 60
    while "chatting with" not in status.inner_text():
        assert time.monotonic() < deadline and "not loaded" not in status.inner_text(), status.inner_text()
        time.sleep(0.2)
    assert "checkpoint-20" in page.locator("#chat-model textarea").input_value()
    mark("chat model loaded")
    page.locator("#swift-message textarea").fill("What is your name?")
    page.locator("#swift-send").click()
    bot = page.locator("#swift-chatbot .message.bot, #swift-chatbot [data-testid=bot]")
    bot.first.wait_for(timeout=60_000)
    deadline = time.monotonic() + 60
    while not page.locator("#swift-chatbot").inner_text().replace("What is your name?", "").strip():
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert "[error]" not in page.locator("#swift-chatbot").inner_text()
    shots.append(save_screenshot(page, "web-ui-4-chat"))
    mark("chat answered")
    for shot in shots:
        assert shot.stat().st_size > 10_000
    print(f"\nweb-ui browser flow (s since the page was opened): {marks}; screenshots: {', '.join(map(str, shots))}")
