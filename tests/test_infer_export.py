"""`swift infer` (terminal chat and batch over --val_dataset), `swift export --merge_lora` and the
template parity check, on a tiny Qwen2.5 trained with LoRA offline.

The acceptance path: train a LoRA, export it merged, deploy the merged folder, and get the same
greedy answers as `swift infer` with the adapter, token for token.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from swiftkit.core.config import build_config
from swiftkit.core.engines.interface import ChatRequest, ChatResponse, InferEngine, SamplingOptions
from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.train.run import run_training

MODEL = "qwen2.5-0.5b-instruct"
TEMPLATE = "qwen2_5"

CHATS = [
    ("What is your name?", "I am Tiny."),
    ("Say hello.", "Hello there!"),
    ("What is two plus two?", "Four."),
    ("Name a color.", "Blue."),
    ("What do cows say?", "Moo."),
    ("Capital of France?", "Paris."),
    ("Opposite of up?", "Down."),
    ("A fruit, please.", "Apple."),
]

#: run-config keys and commands these tests need (added to the core tables when not there yet)
@pytest.fixture(scope="module")
def registry():
    return get_registry(refresh=True)


def _write_jsonl(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def _messages(q: str, a: str) -> dict:
    return {"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("data")
    val = [_messages(q, a) for q, a in CHATS[:5]]
    val.append({"messages": [{"role": "system", "content": "Be brief."}, *_messages(*CHATS[5])["messages"]]})
    return {
        "train": _write_jsonl(root / "chat.jsonl", [_messages(q, a) for q, a in CHATS]),
        "val": _write_jsonl(root / "val.jsonl", val),
        "val_alpaca": _write_jsonl(root / "val_alpaca.jsonl", [{"instruction": q, "output": a} for q, a in CHATS[:3]]),
    }


#: training steps: at lr 5e-3 a tiny model answers every prompt with "." after 30 steps, and with
#: the dataset's replies after 60, which makes comparing answers meaningful
STEPS = 60


def _train(registry, model_dir: str, data_file: str, out: Path, steps: int = STEPS, extra: tuple[str, ...] = ()) -> Path:
    config = build_config(registry, command="sft", cli_args=[
        "--model", model_dir, "--dataset", data_file, "--output_dir", str(out), "--add_version", "false",
        "--train_type", "lora", "--target_modules", "all-linear", "lm_head", "--lora_rank", "16",
        "--learning_rate", "5e-3", "--lr_scheduler_type", "constant", "--max_steps", str(steps),
        "--save_steps", str(steps), "--per_device_train_batch_size", "4", "--max_length", "128",
        "--logging_steps", "5", "--report_to", "none", *extra,
    ])
    result = run_training(config, command="sft", registry=registry)
    checkpoint = Path(result.run_dir) / f"checkpoint-{steps}"
    assert (checkpoint / "adapter_config.json").exists() and (checkpoint / "args.json").exists()
    return checkpoint


@pytest.fixture(scope="module")
def base_model(tmp_path_factory, registry) -> str:
    return str(build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny") / MODEL, registry=registry))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory, registry, base_model, data) -> str:
    return str(_train(registry, base_model, data["train"], tmp_path_factory.mktemp("run")))


def swift(*args: str, input: str | None = None):
    from swiftkit.cli import cli

    result = CliRunner().invoke(cli, list(args), input=input)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def _read_jsonl(path: str | Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def adapter_results(checkpoint, data, tmp_path_factory) -> list[dict]:
    """`swift infer --model <checkpoint>` over the val set: the adapter's greedy answers."""
    path = tmp_path_factory.mktemp("results") / "adapter.jsonl"
    result = swift("infer", "--model", checkpoint, "--val_dataset", data["val"], "--max_new_tokens", "24",
                   "--max_batch_size", "4", "--result_path", str(path))
    assert result.exit_code == 0, result.output
    return _read_jsonl(path)


@pytest.fixture(scope="module")
def merged(checkpoint) -> str:
    result = swift("export", "--model", checkpoint, "--merge_lora")
    assert result.exit_code == 0, result.output
    out = checkpoint + "-merged"
    assert os.path.isdir(out), result.output
    return out


# ------------------------------------------------------------------------------ swift infer (batch)


def test_batch_infer_writes_results_and_throughput(checkpoint, data, adapter_results):
    expected = _read_jsonl(data["val"])
    assert len(adapter_results) == len(expected)
    for row, source in zip(adapter_results, expected, strict=True):
        assert set(row) >= {"messages", "response", "reference", "finish_reason", "prompt_tokens", "completion_tokens"}
        assert row["messages"] == source["messages"][:-1]  # the prompt: the conversation minus its reply
        assert row["reference"] == source["messages"][-1]["content"]
        assert row["finish_reason"] in ("stop", "length")
        assert row["prompt_tokens"] > 0 and 0 < row["completion_tokens"] <= 24
    assert [r["row"] for r in adapter_results] == list(range(1, len(expected) + 1))
    # the adapter learned the data: answers are replies of the training set
    hits = sum(r["response"] == r["reference"] for r in adapter_results)
    print(f"adapter answers equal to the reference: {hits}/{len(adapter_results)}")
    assert hits >= 1 and len({r["response"] for r in adapter_results}) >= 2


def test_batch_infer_default_result_path_and_summary(checkpoint, data):
    result = swift("infer", "--model", checkpoint, "--val_dataset", data["val_alpaca"], "--max_new_tokens", "8")
    assert result.exit_code == 0, result.output
    assert "tokens/s" in result.output and "requests/s" in result.output and "3 rows in" in result.output
    (path,) = (Path(checkpoint) / "infer_result").glob("*.jsonl")
    rows = _read_jsonl(path)
    assert [r["reference"] for r in rows] == [a for _, a in CHATS[:3]]
    assert rows[0]["messages"] == [{"role": "user", "content": CHATS[0][0]}]
    assert str(path) in result.output.replace("\n", "")


def test_first_adapter_is_the_default(base_model, checkpoint, data, adapter_results, tmp_path):
    """`--model base --adapters ckpt` answers like `--model ckpt`: requests use the served adapter."""
    path = tmp_path / "r.jsonl"
    result = swift("infer", "--model", base_model, "--adapters", checkpoint, "--val_dataset", data["val"],
                   "--max_new_tokens", "24", "--result_path", str(path))
    assert result.exit_code == 0, result.output
    assert [r["response"] for r in _read_jsonl(path)] == [r["response"] for r in adapter_results]


def test_bad_val_row_is_reported_before_loading(checkpoint, tmp_path):
    bad = _write_jsonl(tmp_path / "bad.jsonl", [_messages("Hi", "Hello"), {"messages": [{"role": "robot", "content": "x"}]}])
    from swiftkit.core.data.errors import DatasetRowError

    with pytest.raises(DatasetRowError, match="bad.jsonl row 2: field 'messages\\[0\\].role'"):
        swift("infer", "--model", checkpoint, "--val_dataset", bad)


# ------------------------------------------------------------------------------ swift infer (terminal)


class RecordingEngine(InferEngine):
    """Answers with a counter and records the conversations it was asked."""

    def __init__(self):
        super().__init__(spec=None, model_dir="", template=None)
        self.asked: list[list[dict]] = []

    def infer(self, requests):
        out = []
        for r in requests:
            self.asked.append(r.messages)
            out.append(ChatResponse(f"answer {len(self.asked)}", "stop", 1, 2))
        return out


def test_chat_loop_history_clear_exit_and_system():
    from swiftkit.infer.interactive import chat_loop

    engine = RecordingEngine()
    lines: list[str] = []
    n = chat_loop(engine, sampling=SamplingOptions(), system="Be kind.", stream=True,
                  stdin=io.StringIO("Hello\nHow are you?\n\nclear\nHi\nexit\nnever asked\n"),
                  echo=lambda text="", nl=True: lines.append(text))
    assert n == 3
    sys_msg = {"role": "system", "content": "Be kind."}
    assert engine.asked == [
        [sys_msg, {"role": "user", "content": "Hello"}],
        [sys_msg, {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "answer 1"},
         {"role": "user", "content": "How are you?"}],
        [sys_msg, {"role": "user", "content": "Hi"}],  # after clear
    ]
    assert "answer 3" in lines and "(history cleared)" in lines
    # end of input leaves too
    assert chat_loop(RecordingEngine(), sampling=SamplingOptions(), stdin=io.StringIO("Hello\n"),
                     echo=lambda *a, **k: None) == 1


@pytest.mark.parametrize("stream", [False, True])
def test_interactive_cli(checkpoint, adapter_results, stream):
    extra = ["--stream"] if stream else []
    result = swift("infer", "--model", checkpoint, "--max_new_tokens", "24", *extra, input="Hello\nclear\nHi\nexit\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("<<< ") == 4  # Hello, clear, Hi, exit
    assert "(history cleared)" in result.output
    question = CHATS[0][0]
    result = swift("infer", "--model", checkpoint, "--max_new_tokens", "24", *extra, input=f"{question}\n")
    assert result.exit_code == 0, result.output
    assert adapter_results[0]["response"] in result.output  # the same greedy answer as the batch run


# ------------------------------------------------------------------------------ swift export --merge_lora


def test_merged_folder_loads_with_the_exported_template(merged, registry):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(merged)
    assert type(model).__name__ == "Qwen2ForCausalLM"
    assert not os.path.exists(os.path.join(merged, "adapter_config.json"))
    tokenizer = AutoTokenizer.from_pretrained(merged)
    assert tokenizer.chat_template == registry.template(TEMPLATE).chat_template()
    args = json.loads(Path(merged, "args.json").read_text())
    assert args["template"] == TEMPLATE and args["model_id"] == MODEL and args["merge_lora"] is True
    assert args["merged_from"]["adapter"].endswith(f"checkpoint-{STEPS}")
    assert not [p for p in os.listdir(os.path.dirname(merged)) if ".partial-" in p]


def _assert_same_logits(merged_dir: str, base_dir: str, adapter_dir: str) -> None:
    """The merged model's logits equal base + adapter's (float32, CPU)."""
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(merged_dir)
    text = tokenizer.apply_chat_template([{"role": "user", "content": q} for q, _ in CHATS[:1]], tokenize=False,
                                         add_generation_prompt=True) + "I am Tiny. Four. Paris."
    ids = tokenizer(text, return_tensors="pt", add_special_tokens=False)["input_ids"]
    merged = AutoModelForCausalLM.from_pretrained(merged_dir, dtype=torch.float32)
    reference = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32), adapter_dir)
    with torch.no_grad():
        torch.testing.assert_close(merged(ids).logits, reference(ids).logits, atol=1e-4, rtol=1e-4)
        base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32)
        assert not torch.allclose(base(ids).logits, reference(ids).logits, atol=1e-2)  # the adapter does something


def _greedy(engine, prompts: list[list[dict]], adapter: str | None = None) -> list[ChatResponse]:
    sampling = SamplingOptions(max_tokens=24, temperature=0.0)
    return engine.infer([ChatRequest(messages=p, sampling=sampling, adapter=adapter) for p in prompts])


def test_merged_answers_equal_adapter_answers(merged, base_model, data, adapter_results, registry, tmp_path):
    """Acceptance: deploy the merged folder and get `swift infer`'s greedy answers with the adapter."""
    args = json.loads(Path(merged, "args.json").read_text())
    _assert_same_logits(merged, base_model, args["merged_from"]["adapter"])
    prompts = [r["messages"] for r in adapter_results]
    # swift infer on the merged folder, no adapter
    path = tmp_path / "merged.jsonl"
    result = swift("infer", "--model", merged, "--val_dataset", data["val"], "--max_new_tokens", "24",
                   "--result_path", str(path))
    assert result.exit_code == 0, result.output
    merged_rows = _read_jsonl(path)
    for a, m in zip(adapter_results, merged_rows, strict=True):
        assert (m["response"], m["completion_tokens"], m["finish_reason"]) == (
            a["response"], a["completion_tokens"], a["finish_reason"])
    # the adapter changed the answers (otherwise the comparison proves nothing)
    from swiftkit.infer.factory import create_engine

    engine, _ = create_engine({"model": base_model}, registry)
    base = [r.text for r in _greedy(engine, prompts)]
    engine.close()
    assert base != [a["response"] for a in adapter_results]
    # swift deploy of the merged folder: the OpenAI-compatible server answers the same
    server = pytest.importorskip("swiftkit.serve.server")
    pytest.importorskip("fastapi")
    import httpx

    engine, resolved = create_engine({"model": merged}, registry)
    try:
        app = server.create_app(engine, resolved)
        with server.run_in_thread(app) as running:
            for a in adapter_results:
                reply = httpx.post(f"{running.base_url}/chat/completions", timeout=60, json={
                    "model": resolved.model_id, "messages": a["messages"], "max_tokens": 24, "temperature": 0})
                assert reply.status_code == 200, reply.text
                body = reply.json()
                assert body["choices"][0]["message"]["content"] == a["response"]
                assert body["usage"]["completion_tokens"] == a["completion_tokens"]
    finally:
        engine.close()


def test_export_refuses_to_overwrite(merged, checkpoint):
    with pytest.raises(Exception, match="already exists; pass --overwrite"):
        swift("export", "--model", checkpoint, "--merge_lora")
    marker = Path(merged, "stale-file")
    marker.write_text("x")
    result = swift("export", "--model", checkpoint, "--merge_lora", "--overwrite")
    assert result.exit_code == 0, result.output
    assert not marker.exists() and Path(merged, "config.json").exists()
    assert sorted(p for p in os.listdir(os.path.dirname(merged)) if p.startswith(".")) == []


def test_failed_export_leaves_no_folder(checkpoint, tmp_path, monkeypatch):
    from transformers import PreTrainedModel

    out = tmp_path / "merged"
    original = PreTrainedModel.save_pretrained

    def broken(self, save_directory, *args, **kwargs):
        original(self, save_directory, *args, **kwargs)  # half the folder is written, then the disk fills up
        raise OSError("No space left on device")

    monkeypatch.setattr(PreTrainedModel, "save_pretrained", broken)
    with pytest.raises(OSError, match="No space left"):
        swift("export", "--model", checkpoint, "--merge_lora", "--output_dir", str(out))
    assert not out.exists()
    assert os.listdir(tmp_path) == []


def test_killed_export_partial_is_cleaned_up(checkpoint, tmp_path):
    out = tmp_path / "merged"
    leftover = tmp_path / ".merged.partial-12345-deadbeef"  # what a killed export leaves
    leftover.mkdir()
    (leftover / "model.safetensors").write_bytes(b"half")
    result = swift("export", "--model", checkpoint, "--merge_lora", "--output_dir", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(tmp_path)) == ["merged"]


def test_export_needs_an_adapter(base_model, tmp_path):
    with pytest.raises(Exception, match="needs a LoRA adapter"):
        swift("export", "--model", base_model, "--merge_lora", "--output_dir", str(tmp_path / "x"))
    with pytest.raises(Exception, match="nothing to export: .* holds no sharded training state"):
        swift("export", "--model", base_model)  # no --merge_lora and no ZeRO shards: nothing to do


# ------------------------------------------------------------------------------ template parity


def test_parity_check_passes_on_the_export_and_detects_tampering(merged, registry, tmp_path):
    from transformers import AutoTokenizer

    from swiftkit.templates.parity import TemplateParityError, check_model_dir_parity

    assert check_model_dir_parity(merged, registry=registry) is True
    tampered = tmp_path / "tampered"
    shutil.copytree(merged, tampered)
    tokenizer = AutoTokenizer.from_pretrained(tampered)
    tokenizer.chat_template = tokenizer.chat_template.replace("<|im_start|>assistant\\n", "<|im_start|>assistant:\\n")
    assert tokenizer.chat_template != registry.template(TEMPLATE).chat_template()
    tokenizer.save_pretrained(tampered)
    with pytest.raises(TemplateParityError) as info:
        check_model_dir_parity(str(tampered), registry=registry)
    message = str(info.value)
    assert "first difference at character" in message
    assert "<|im_start|>assistant\n" in info.value.template_text
    assert "<|im_start|>assistant:\n" in info.value.tokenizer_text
    assert info.value.template_text in message and info.value.tokenizer_text in message  # both renderings shown


def test_deploy_parity_is_strict_for_exports_only(merged, base_model, registry, tmp_path):
    from transformers import AutoTokenizer

    from swiftkit.templates.parity import TemplateParityError, check_deploy_parity

    template = registry.template(TEMPLATE)
    assert check_deploy_parity(merged, template) is True
    assert check_deploy_parity("Qwen/Qwen2.5-7B-Instruct", template) is False  # a hub id: not checked
    for name, source in (("export", merged), ("base", base_model)):
        folder = tmp_path / name
        shutil.copytree(source, folder)
        tokenizer = AutoTokenizer.from_pretrained(folder)
        tokenizer.chat_template = tokenizer.chat_template.replace("<|im_end|>", "<|im_end|> ")
        tokenizer.save_pretrained(folder)
    with pytest.raises(TemplateParityError):
        check_deploy_parity(str(tmp_path / "export"), template)
    warnings: list[str] = []
    assert check_deploy_parity(str(tmp_path / "base"), template, warn=warnings.append) is False
    assert len(warnings) == 1 and "chat template mismatch" in warnings[0]


def test_export_with_mismatching_template_fails_and_writes_nothing(checkpoint, tmp_path, monkeypatch):
    from swiftkit.templates.base import FormatTemplate
    from swiftkit.templates.parity import TemplateParityError

    original = FormatTemplate.chat_template

    def drifted(self, **kwargs):
        return original(self, **kwargs).replace("<|im_end|>", "<|im_end|> ")

    monkeypatch.setattr(FormatTemplate, "chat_template", drifted)
    out = tmp_path / "merged"
    with pytest.raises(TemplateParityError, match="render it differently"):
        swift("export", "--model", checkpoint, "--merge_lora", "--output_dir", str(out))
    assert os.listdir(tmp_path) == []


def test_parity_for_every_builtin_template(registry):
    from swiftkit.templates.parity import check_template_parity
    from swiftkit.testing.tokenizer import build_tokenizer

    for entry in registry.entries("template"):
        if entry.id == "tokenizer":
            continue
        check_template_parity(registry.template(entry.id), build_tokenizer(entry.id, registry=registry))


# ------------------------------------------------------------------------------ tied embeddings


def test_merge_with_tied_embeddings_matches_adapter(tmp_path, registry, data):
    """Qwen2.5-0.5B and Llama-3.2-1B tie lm_head to the embeddings: a LoRA on lm_head must not
    leak into the embeddings when merged."""
    from swiftkit.infer.factory import create_engine

    base = str(build_tiny_model(MODEL, tmp_path / MODEL, registry=registry, tie_word_embeddings=True))
    checkpoint = str(_train(registry, base, data["train"], tmp_path / "run", steps=10))
    out = tmp_path / "merged"
    result = swift("export", "--model", checkpoint, "--merge_lora", "--output_dir", str(out))
    assert result.exit_code == 0, result.output
    assert "untied" in result.output
    assert json.loads((out / "config.json").read_text()).get("tie_word_embeddings") is False
    _assert_same_logits(str(out), base, checkpoint)
    prompts = [[{"role": "user", "content": q}] for q, _ in CHATS]
    engine, resolved = create_engine({"model": checkpoint}, registry)
    with_adapter = _greedy(engine, prompts, adapter=next(iter(resolved.adapters)))
    engine.close()
    engine, _ = create_engine({"model": str(out)}, registry)
    from_merged = _greedy(engine, prompts)
    engine.close()
    assert [(r.text, r.completion_tokens) for r in from_merged] == [(r.text, r.completion_tokens) for r in with_adapter]


# ------------------------------------------------------------------------------ PiSSA checkpoints


@pytest.mark.parametrize("init", ["pissa", "pissa_niter_4"])
def test_pissa_checkpoint_merges_or_is_refused(init, base_model, data, registry, tmp_path):
    """Training checkpoints go through the LoRA tuner's save_pretrained, which converts a PiSSA
    adapter (trained on the base minus the initial adapter) into a plain adapter of the original
    base: even a randomised SVD (``pissa_niter_*``), which cannot be redone on loading, merges
    right. The training form stays beside it for resume. An adapter still in training form with
    a randomised SVD is refused."""
    import json

    from swiftkit.core.errors import SwiftkitError

    checkpoint = str(_train(registry, base_model, data["train"], tmp_path / "run", steps=8,
                            extra=("--target_modules", "all-linear", "--lora_rank", "8", "--init_lora_weights", init)))
    assert os.path.isfile(os.path.join(checkpoint, "training_form", "adapter_config.json"))
    out = tmp_path / "merged"
    assert swift("export", "--model", checkpoint, "--merge_lora", "--output_dir", str(out)).exit_code == 0
    _assert_same_logits(str(out), base_model, checkpoint)
    if init != "pissa":
        training_form = os.path.join(checkpoint, "training_form")
        with open(os.path.join(training_form, "adapter_config.json")) as fh:
            assert json.load(fh)["init_lora_weights"] == init
        with pytest.raises(SwiftkitError, match="cannot be redone"):
            swift("export", "--model", base_model, "--adapters", training_form, "--merge_lora",
                  "--output_dir", str(tmp_path / "refused"))
        assert not (tmp_path / "refused").exists()


# ------------------------------------------------------------------------------ reading rows


def test_read_conversations_formats_sampling_and_errors(data, tmp_path, registry):
    from swiftkit.core.data.errors import DatasetRowError
    from swiftkit.data.rows import read_conversations, split_prompt

    rows = read_conversations([data["val_alpaca"], data["val"] + "#2"], registry=registry).rows
    assert len(rows) == 5 and rows[0].source == data["val_alpaca"] and rows[0].row == 1
    assert split_prompt(rows[0].messages) == ([{"role": "user", "content": CHATS[0][0]}], CHATS[0][1])
    assert split_prompt([{"role": "user", "content": "x"}]) == ([{"role": "user", "content": "x"}], None)
    bad = _write_jsonl(tmp_path / "bad.jsonl", [_messages("a", "b"), {"messages": [{"role": "robot", "content": "x"}]}])
    with pytest.raises(DatasetRowError, match=r"bad.jsonl row 2"):
        read_conversations(bad, registry=registry)
    lenient = read_conversations(bad, registry=registry, strict=False)
    assert len(lenient.rows) == 1 and lenient.skipped == 1
