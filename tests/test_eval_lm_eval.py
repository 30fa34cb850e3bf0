"""The ``lm_eval`` backend (lm-evaluation-harness) end to end on a tiny model: scores before and
after a short LoRA training on a local task it learns (the acceptance figure), the same scores
through ``swift deploy``'s API (``/v1/completions`` scoring token ids for multiple choice,
``/v1/chat/completions`` for open QA), and what that route answers."""

from __future__ import annotations

import json
import math

import pytest

pytest.importorskip("lm_eval", reason="the lm_eval backend needs the eval extra: pip install 'swiftkit[eval]'")

from click.testing import CliRunner  # noqa: E402

from swiftkit.cli import cli  # noqa: E402
from swiftkit.core.config import build_config  # noqa: E402
from swiftkit.core.eval.interface import EvalDataset  # noqa: E402
from swiftkit.core.registry import get_registry  # noqa: E402
from swiftkit.evaluate.datasets import offline_message  # noqa: E402
from swiftkit.evaluate.report import read_report  # noqa: E402
from swiftkit.evaluate.runner import create_backend, run_eval  # noqa: E402
from swiftkit.testing.eval_task import LORA_FLAGS, tokenizer_corpus, write_colour_task  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest

STEPS = 30
GENERATION = '{"max_tokens": 4}'


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    from swiftkit.testing.tiny import build_tiny_model

    root = tmp_path_factory.mktemp("colours")
    model = build_tiny_model("qwen2.5-0.5b-instruct", root / "qwen2.5-0.5b-instruct", registry=get_registry(refresh=True),
                             tokenizer_corpus=tokenizer_corpus())
    return {"model": str(model), "root": root, **write_colour_task(str(root / "data"))}


def _eval(*args: str) -> dict:
    registry = get_registry()
    config = build_config(registry, command="eval", cli_args=[*args, "--eval_backend", "lm-eval",
                                                               "--eval_generation_config", GENERATION])
    run = run_eval(config, registry)
    return read_report(run.run_dir)


@pytest.fixture(scope="module")
def trained(task):
    """The before-score, then ``swift sft`` (LoRA) on the same facts; the checkpoint."""
    # the command itself, once: it prints the table and where the report went
    shown = CliRunner().invoke(cli, ["eval", "--model", task["model"], "--eval_dataset", task["mcq"], task["qa"],
                                     "--eval_backend", "lm_eval", "--eval_generation_config", GENERATION,
                                     "--eval_output_dir", str(task["root"] / "eval-before")], catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert "| dataset | metric | score | rows |" in shown.output and "exact_match" in shown.output
    before = read_report(shown.output.rsplit(": ", 1)[1].strip())
    out = task["root"] / "run"
    result = CliRunner().invoke(cli, ["sft", "--model", task["model"], "--dataset", task["train"], "--max_steps", str(STEPS),
                                      "--save_steps", str(STEPS), "--logging_steps", str(STEPS), "--output_dir", str(out),
                                      "--add_version", "false", *LORA_FLAGS], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return before, str(out / f"checkpoint-{STEPS}")


def test_scores_rise_after_training_on_the_task(task, trained):
    before, checkpoint = trained
    assert (task["root"] / "run" / f"checkpoint-{STEPS}" / "adapter_config.json").is_file()  # evaluated with adapters
    after = _eval("--model", checkpoint, "--eval_dataset", task["mcq"], task["qa"],
                  "--eval_output_dir", str(task["root"] / "eval-after"))
    mcq, qa = task["mcq"], task["qa"]
    assert set(before["metrics"]) == set(after["metrics"]) == {mcq, qa}
    assert after["metrics"][mcq]["acc"] > before["metrics"][mcq]["acc"], (before["metrics"], after["metrics"])
    assert after["metrics"][mcq]["acc"] >= 0.75  # it learned which kind of word answers (chance: 0.25)
    assert "exact_match" in after["metrics"][qa] and after["counts"] == {mcq: 8, qa: 8}
    assert after["target_detail"]["adapters"] == [checkpoint]
    rows = [json.loads(line) for line in open(after["samples"][mcq])]
    assert len(rows) == 8 and all(len(r["filtered_resps"]) == 4 for r in rows)  # 4 choices scored per question


def test_server_scores_match_the_local_model(task, trained):
    """The same checkpoint behind swift deploy's app: multiple choice through /v1/completions
    (token ids, echo, logprobs) scores each choice as the in-process model does."""
    from swiftkit.infer.factory import create_engine
    from swiftkit.serve.server import create_app, run_in_thread

    _, checkpoint = trained
    engine, resolved = create_engine({"model": checkpoint, "infer_backend": "pt"})
    server = run_in_thread(create_app(engine, resolved, max_concurrency=8))
    try:
        remote = _eval("--eval_url", server.base_url, "--model", task["model"], "--eval_num_proc", "4",
                       "--eval_dataset", task["mcq"], task["qa"], "--eval_output_dir", str(task["root"] / "eval-url"))
        _check_completions_route(server.base_url, engine)
        live = _live(engine, task)  # evaluation during training hands the backend its engine
    finally:
        server.stop()
        engine.close()
    local = _eval("--model", checkpoint, "--eval_dataset", task["mcq"], "--eval_output_dir",
                  str(task["root"] / "eval-local"))
    assert remote["target"] == "run/checkpoint-30"  # the deployed adapter, as a client naming none gets
    assert list(remote["metrics"]) == [task["mcq"], task["qa"]]  # the order given, whichever route ran first
    assert remote["metrics"][task["mcq"]] == local["metrics"][task["mcq"]]
    assert live.metrics[task["mcq"]] == local["metrics"][task["mcq"]] and "exact_match" in live.metrics[task["qa"]]
    in_process = [json.loads(line)["filtered_resps"] for line in open(local["samples"][task["mcq"]])]
    for samples in (remote["samples"][task["mcq"]], live.samples[task["mcq"]]):
        other = [json.loads(line)["filtered_resps"] for line in open(samples)]
        for a, b in zip(other, in_process, strict=True):
            assert [x[0] for x in a] == pytest.approx([x[0] for x in b], abs=1e-3)


def _live(engine, task):
    from swiftkit.core.eval.interface import EvalTarget
    from swiftkit.evaluate.runner import eval_options, evaluate

    registry = get_registry()
    datasets = [EvalDataset(task["mcq"], path=task["mcq"], subset="colours_mcq"),
                EvalDataset(task["qa"], path=task["qa"], subset="colours_qa")]
    options = eval_options({"eval_generation_config": json.loads(GENERATION)}, str(task["root"] / "eval-live"))
    return evaluate(registry, "lm_eval", EvalTarget(engine=engine, template="qwen2_5"), datasets, options)


def _check_completions_route(base_url: str, engine) -> None:
    import httpx

    ids = engine.tokenizer("What colour is snow?", add_special_tokens=False)["input_ids"]
    with httpx.Client(base_url=base_url, timeout=60) as h:
        scored = h.post("/completions", json={"model": "run/checkpoint-30", "prompt": [ids, ids[:3]], "echo": True,
                                              "logprobs": 1, "max_tokens": 0}).json()
        first = scored["choices"][0]["logprobs"]
        assert first["token_logprobs"][0] is None and len(first["token_logprobs"]) == len(ids)
        assert all(v <= 0 for v in first["token_logprobs"][1:]) and first["top_logprobs"][0] is None
        assert all(max(top.values()) >= v - 1e-6 for top, v in zip(first["top_logprobs"][1:], first["token_logprobs"][1:],
                                                                   strict=True))
        assert scored["choices"][0]["text"] == "What colour is snow?" and scored["usage"]["completion_tokens"] == 0
        direct = engine.prompt_logprobs(ids, adapter="run/checkpoint-30")
        assert [round(t.logprob, 4) for t in direct[1:]] == [round(v, 4) for v in first["token_logprobs"][1:]]
        # lm-eval's request: the prompt's tokens plus one generated, whose log-probability comes last
        one = h.post("/completions", json={"prompt": [ids], "echo": True, "logprobs": 1, "max_tokens": 1,
                                           "temperature": 0}).json()["choices"][0]["logprobs"]
        assert len(one["token_logprobs"]) == len(ids) + 1 and math.isfinite(one["token_logprobs"][-1])
        for body, param in [({"prompt": "x", "max_tokens": 0}, "max_tokens"),
                            ({"prompt": "x", "echo": True, "logprobs": 1, "stream": True}, "stream"),
                            ({"prompt": [10**9]}, "prompt"), ({"prompt": [[]]}, "prompt")]:
            r = h.post("/completions", json=body)
            assert r.status_code == 400 and r.json()["error"]["param"] == param, (body, r.text)


def test_checks_before_anything_loads(task, tmp_path):
    registry = get_registry()
    backend = create_backend(registry, "lm_eval", {})
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"question": "q", "choices": ["a", "b"], "answer": 5}) + "\n")
    problems = backend.check_datasets([EvalDataset("gsm8k"), EvalDataset("bad.jsonl", path=str(bad)),
                                       EvalDataset("mcq", path=task["mcq"])], offline=True)
    assert problems[0] == offline_message("gsm8k")
    assert problems[1].startswith(f"eval dataset bad.jsonl: {bad}, row 1: key 'answer' is 5") and len(problems) == 2
    assert backend.check_datasets([EvalDataset("gsm8k")], offline=False) == []  # online: lm-eval resolves it


def test_hub_benchmarks_are_named_to_lm_eval():
    """Online, a benchmark name goes to lm-eval as it is (its --eval_dataset_args as the task's
    overrides); a name lm-eval does not know is refused with the closest ones. (lm-eval's own
    index of ~15,000 tasks takes about a minute to build here, so a stand-in with its shape.)"""
    from types import SimpleNamespace

    from swiftkit.core.errors import ConfigError
    from swiftkit.plugins.eval.lm_eval_impl import LmEvalBackend

    manager = SimpleNamespace(all_tasks=["arc_easy", "gsm8k", "gsm8k_cot", "mmlu"],
                              task_index={"gsm8k": SimpleNamespace(cfg={"output_type": "generate_until"}),
                                          "arc_easy": SimpleNamespace(cfg={"output_type": "multiple_choice"}),
                                          "mmlu": SimpleNamespace(cfg=None)})
    assert LmEvalBackend._hub_task(manager, EvalDataset("gsm8k")) == "gsm8k"
    assert LmEvalBackend._hub_task(manager, EvalDataset("gsm8k", args={"num_fewshot": 0})) == {"task": "gsm8k",
                                                                                              "num_fewshot": 0}
    with pytest.raises(ConfigError, match="'gsm8kk': lm-evaluation-harness has no such task or group; did you mean gsm8k"):
        LmEvalBackend._hub_task(manager, EvalDataset("gsm8kk"))
    # through a server: generation benchmarks go to /chat/completions, the others are scored by /completions
    assert [LmEvalBackend._hub_kind(manager, n) for n in ("gsm8k", "arc_easy", "mmlu")] == ["qa", "mcq", "mcq"]
