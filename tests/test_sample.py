"""`swift sample`: N completions per prompt scored by a reward plugin, best-of-N kept, written as
rows `swift sft` / `swift rlhf` read; the closing loop (sample -> train on the accepted rows ->
fresh samples score higher); selection rules; a running OpenAI-compatible server as the engine
(distillation), resumption, --cache_files and --override_exist_file."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.registry import get_registry
from swiftkit.sample.prompts import Prompt
from swiftkit.sample.select import select_rows
from swiftkit.testing.tiny import build_tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")

PROMPTS = ["Pick a number.", "Say something.", "Count to ten.", "What is your favourite digit?",
           "Write a code.", "Name a year.", "Give me a number.", "Tell me a secret."]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    return str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("m") / "qwen2.5-0.5b-instruct",
                                registry=get_registry(refresh=True)))


@pytest.fixture
def prompts(tmp_path):
    data = tmp_path / "prompts.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q}]}) + "\n" for q in PROMPTS))
    return str(data)


def swift(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def read_jsonl(path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def mean_score(path) -> float:
    scores = [s for r in read_jsonl(str(path) + ".progress.jsonl") for s in r["scores"]]
    return sum(scores) / len(scores)


def test_sample_then_train_on_the_accepted_rows_raises_the_reward(tiny, prompts, tmp_path):
    """The closing loop. Reward: the completion contains 'o' (about 20% of a random tiny model's
    3-token completions do). 8 completions per prompt, those scoring below 1 rejected, the best 2
    kept -> SFT rows -> the model trained on them -> fresh samples (same seeds, so only the model
    changed) contain 'o' about twice as often."""
    sample = ["--orm_model", "contains", "--contains_text", "o", "--num_return_sequences", "8",
              "--max_new_tokens", "3", "--seed", "3"]
    swift("sample", "--model", tiny, "--dataset", prompts, *sample, "--prm_threshold", "1", "--n_best_to_keep", "2",
          "--output_dir", str(tmp_path / "s0"))
    rows = read_jsonl(tmp_path / "s0" / "sample.jsonl")
    assert len(PROMPTS) <= len(rows) <= 2 * len(PROMPTS)
    assert {r["messages"][0]["content"] for r in rows} <= set(PROMPTS)
    assert all(r["messages"][-1]["role"] == "assistant" and "o" in r["messages"][-1]["content"] for r in rows)
    before = mean_score(tmp_path / "s0" / "sample.jsonl")

    run = tmp_path / "run"
    swift("sft", "--model", tiny, "--dataset", str(tmp_path / "s0" / "sample.jsonl"), "--train_type", "full",
          "--max_steps", "24", "--learning_rate", "1e-2", "--per_device_train_batch_size", "4", "--save_steps", "24",
          "--report_to", "none", "--seed", "1", "--output_dir", str(run), "--add_version", "false",
          "--logging_steps", "24")
    swift("sample", "--model", str(run / "checkpoint-24"), "--dataset", prompts, *sample,
          "--output_dir", str(tmp_path / "s1"))
    after = mean_score(tmp_path / "s1" / "sample.jsonl")
    print(f"mean reward of 64 samples: {before:.3f} before, {after:.3f} after training on the accepted rows")
    assert 0.05 < before < 0.35 and after > before + 0.12, (before, after)


def test_preference_rows_train_dpo(tiny, prompts, tmp_path):
    """--sample_format preference: best vs worst of each prompt, read by swift rlhf --rlhf_type dpo."""
    swift("sample", "--model", tiny, "--dataset", prompts, "--orm_model", "contains", "--contains_text", "o",
          "--num_return_sequences", "4", "--max_new_tokens", "6", "--sample_format", "preference",
          "--output_dir", str(tmp_path / "p"))
    rows = read_jsonl(tmp_path / "p" / "sample.jsonl")
    assert rows and all(r["score"] > r["rejected_score"] and r["chosen"] != r["rejected"] for r in rows)
    assert all("o" in r["chosen"] and "o" not in r["rejected"] for r in rows)
    assert {r["prompt"][0]["content"] for r in rows} <= set(PROMPTS)
    swift("rlhf", "--rlhf_type", "dpo", "--model", tiny, "--dataset", str(tmp_path / "p" / "sample.jsonl"),
          "--train_type", "lora", "--max_steps", "1", "--per_device_train_batch_size", "2", "--report_to", "none",
          "--output_dir", str(tmp_path / "dpo"), "--add_version", "false", "--save_steps", "1")
    assert (tmp_path / "dpo" / "checkpoint-1" / "adapter_config.json").is_file()


def P(text: str) -> Prompt:
    return Prompt(messages=[{"role": "user", "content": text}], source="t", row=1)


def test_selection_best_of_n_rejection_and_easy_prompts():
    texts, scores = ["a", "b", "c", "d"], [0.2, 0.9, 0.5, 0.9]
    keep2 = select_rows(P("q"), texts, scores, fmt="sft", keep=2, threshold=None, easy_threshold=None)
    assert [r["messages"][-1]["content"] for r in keep2.rows] == ["b", "d"]  # ties keep generation order
    cut = select_rows(P("q"), texts, scores, fmt="sft", keep=4, threshold=0.5, easy_threshold=None)
    assert [r["messages"][-1]["content"] for r in cut.rows] == ["b", "d", "c"] and cut.accepted == 3
    easy = select_rows(P("q"), texts, scores, fmt="sft", keep=4, threshold=0.5, easy_threshold=0.7)
    assert easy.easy and not easy.rows  # 3 of 4 pass > 0.7
    assert not select_rows(P("q"), texts, scores, fmt="sft", keep=4, threshold=0.5, easy_threshold=0.8).easy
    pairs = select_rows(P("q"), texts, scores, fmt="preference", keep=3, threshold=None, easy_threshold=None)
    assert [(r["chosen"], r["rejected"]) for r in pairs.rows] == [("b", "a"), ("d", "c")]  # the third pair (c, d) would not be a preference
    none = select_rows(P("q"), ["x", "y"], [1.0, 1.0], fmt="preference", keep=1, threshold=None, easy_threshold=None)
    assert none.rows == []  # equal scores: no preference to learn
    distilled = select_rows(P("q"), ["t1", "t2"], None, fmt="sft", keep=2, threshold=None, easy_threshold=None)
    assert [r["messages"][-1]["content"] for r in distilled.rows] == ["t1", "t2"] and "score" not in distilled.rows[0]


class _Teacher(BaseHTTPRequestHandler):
    """A stand-in OpenAI-compatible server: the answer names the question and the seed."""

    calls: list[dict] = []

    def log_message(self, *args):
        pass

    def _answer(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self._answer({"object": "list", "data": [{"id": "teacher-7b", "object": "model"}]})

    def do_POST(self):
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).calls.append({**request, "auth": self.headers.get("Authorization")})
        question = request["messages"][-1]["content"]
        self._answer({"choices": [{"index": 0, "message": {"role": "assistant",
                                                           "content": f"{question} -> {request['seed'] % 97}"}}]})


@pytest.fixture
def teacher():
    _Teacher.calls = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Teacher)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_distill_from_a_server_resumes_and_skips_cached_prompts(teacher, prompts, tmp_path):
    out = tmp_path / "d"
    base = ["sample", "--sampler_type", "distill", "--sampler_engine", "client", "--base_url", teacher,
            "--api_key", "k", "--dataset", prompts, "--output_dir", str(out), "--num_sampling_batch_size", "3",
            "--max_new_tokens", "32"]
    swift(*base, "--num_sampling_batches", "1")  # stopped after the first batch of 3 prompts
    first = read_jsonl(out / "distill.jsonl")
    assert [r["messages"][0]["content"] for r in first] == PROMPTS[:3]
    assert _Teacher.calls[0]["model"] == "teacher-7b" and _Teacher.calls[0]["auth"] == "Bearer k"
    assert _Teacher.calls[0]["temperature"] == 0.0 and _Teacher.calls[0]["max_tokens"] == 32  # one answer: greedy
    assert all(r["messages"][1]["content"].startswith(r["messages"][0]["content"] + " -> ") for r in first)
    _Teacher.calls = []
    text = swift(*base)  # run again: continues with the 5 prompts left
    assert "3 of 8 prompts already sampled" in text and len(_Teacher.calls) == 5
    rows = read_jsonl(out / "distill.jsonl")
    assert [r["messages"][0]["content"] for r in rows] == PROMPTS
    again = read_jsonl(out / "distill.jsonl")
    _Teacher.calls = []
    swift(*base)  # nothing left
    assert _Teacher.calls == [] and read_jsonl(out / "distill.jsonl") == again

    other = tmp_path / "other"
    swift(*base[:-4], "--output_dir", str(other), "--cache_files", str(out / "distill.jsonl"),
          "--num_return_sequences", "2", "--max_new_tokens", "32")
    assert not (other / "distill.jsonl").exists() or read_jsonl(other / "distill.jsonl") == []
    swift(*base[:-4], "--output_dir", str(other), "--override_exist_file", "true", "--num_return_sequences", "2",
          "--max_new_tokens", "32", "--seed", "5")
    rows = read_jsonl(other / "distill.jsonl")
    assert len(rows) == 2 * len(PROMPTS)  # every teacher answer kept; sampled (temperature 1) with 2 seeds each
    assert _Teacher.calls[-1]["temperature"] == 1.0
    assert len({r["messages"][1]["content"] for r in rows}) == 2 * len(PROMPTS)


def test_refusals_name_the_flag(prompts, tmp_path):
    from swiftkit.core.errors import SwiftkitError

    for args, words in [(["--model", "m"], "needs --orm_model"),
                        (["--sampler_type", "distill", "--sample_format", "preference"], "needs scores"),
                        (["--sampler_type", "distill", "--prm_threshold", "0.5"], "--prm_threshold filters by score")]:
        with pytest.raises(SwiftkitError, match=words):
            CliRunner().invoke(cli, ["sample", "--dataset", prompts, *args], catch_exceptions=False)


def test_a_sequence_classification_checkpoint_scores_as_reward_model(tiny, prompts, tmp_path):
    """--orm_model FOLDER: a one-label seq_cls checkpoint's value of prompt + completion ranks
    them; negating its head negates every score (the score is the model's, nothing else)."""
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from swiftkit.sample.prompts import read_prompts
    from swiftkit.sample.scoring import RewardModel

    def reward_model(folder, sign):
        torch.manual_seed(0)
        model = AutoModelForSequenceClassification.from_pretrained(tiny, num_labels=1)
        tokenizer = AutoTokenizer.from_pretrained(tiny)
        model.config.pad_token_id = tokenizer.pad_token_id
        with torch.no_grad():
            model.score.weight.mul_(sign)
        model.save_pretrained(folder)
        tokenizer.save_pretrained(folder)
        (folder / "args.json").write_text(json.dumps({"model": tiny, "model_dir": tiny, "model_id": "qwen2.5-0.5b-instruct",
                                                      "template": "qwen2_5", "task_type": "seq_cls", "num_labels": 1,
                                                      "train_type": "full"}))
        return str(folder)

    rm = reward_model(tmp_path / "rm", 1.0)
    swift("sample", "--model", tiny, "--dataset", prompts, "--orm_model", rm, "--num_return_sequences", "3",
          "--max_new_tokens", "4", "--num_sampling_batch_size", "2", "--num_sampling_batches", "1",
          "--output_dir", str(tmp_path / "o"))
    rows = read_jsonl(tmp_path / "o" / "sample.jsonl")
    progress = read_jsonl(str(tmp_path / "o" / "sample.jsonl") + ".progress.jsonl")
    assert len(rows) == 2 and [r["score"] for r in rows] == [max(p["scores"]) for p in progress]
    assert all(len(set(p["scores"])) == 3 for p in progress)
    registry = get_registry()
    batch = read_prompts({"dataset": [prompts]}, registry)[:2]
    completions = [["hello there", "7 7 7"], ["no", "yes"]]
    plain = RewardModel(rm, {}, registry, "--orm_model")
    negated = RewardModel(reward_model(tmp_path / "neg", -1.0), {}, registry, "--orm_model")
    try:
        a, b = plain(batch, completions), negated(batch, completions)
    finally:
        plain.close()
        negated.close()
    assert all(abs(x + y) < 1e-5 and abs(x) > 0 for ra, rb in zip(a, b, strict=True)
               for x, y in zip(ra, rb, strict=True))
