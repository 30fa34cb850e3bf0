"""ms-swift's base flags reach what they control: TrainingArguments, the model loader, the tuner,
the data pipeline, the callbacks, swift infer's sampling and results, swift deploy's defaults,
swift export's shards. Each test fails if its flags were accepted and ignored."""

from __future__ import annotations

import importlib.util
import json
import os
from types import SimpleNamespace
from typing import Any

import pytest

from swiftkit.core.config import build_config
from swiftkit.core.errors import ConfigError
from swiftkit.core.registry import get_registry
from swiftkit.train.run import DEFAULTS

pytestmark = pytest.mark.usefixtures("one_torch_thread")

MODEL = "qwen2.5-0.5b-instruct"
CHATS = [("What is your name?", "I am Tiny."), ("Say hello.", "Hello there!"), ("Two plus two?", "Four."),
         ("Name a color.", "Blue."), ("What do cows say?", "Moo."), ("Capital of France?", "Paris.")]
_BASE = ["--model", "m", "--dataset", "d.jsonl", "--learning_rate", "1e-4"]


@pytest.fixture(scope="module")
def registry():
    return get_registry(refresh=True)


def _sft(registry: Any, *flags: str) -> dict[str, Any]:
    return build_config(registry, command="sft", cli_args=[*_BASE, *flags])


# ------------------------------------------------------------------ TrainingArguments

_TRAINER_FLAGS = [
    (["--adam_epsilon", "1e-6"], {"adam_epsilon": 1e-6}),
    (["--lr_scheduler_type", "cosine_with_min_lr", "--lr_scheduler_kwargs", '{"min_lr": 1e-6}'],
     {"lr_scheduler_kwargs": {"min_lr": 1e-6}}),
    (["--optim", "adamw_torch", "--optim_args", "foreach=False"], {"optim_args": "foreach=False"}),
    (["--full_determinism", "true"], {"full_determinism": True}),
    (["--logging_first_step", "true"], {"logging_first_step": True}),
    (["--metric_for_best_model", "loss", "--greater_is_better", "false"],
     {"metric_for_best_model": "loss", "greater_is_better": False}),
    (["--save_on_each_node", "true", "--save_only_model", "true", "--ignore_data_skip", "true"],
     {"save_on_each_node": True, "save_only_model": True, "ignore_data_skip": True}),
    (["--dataloader_num_workers", "2", "--dataloader_pin_memory", "false", "--dataloader_persistent_workers", "true",
      "--dataloader_prefetch_factor", "4"],
     {"dataloader_pin_memory": False, "dataloader_persistent_workers": True, "dataloader_prefetch_factor": 4}),
    (["--neftune_noise_alpha", "5"], {"neftune_noise_alpha": 5}),
    (["--average_tokens_across_devices", "true"], {"average_tokens_across_devices": True}),
    (["--push_to_hub", "true", "--hub_model_id", "me/tiny", "--hub_private_repo", "true", "--hub_token", "hf_x"],
     {"push_to_hub": True, "hub_model_id": "me/tiny", "hub_private_repo": True, "hub_token": "hf_x"}),
    (["--train_dataloader_shuffle", "false"], {"train_sampling_strategy": "sequential"}),
    (["--group_by_length", "true"], {"train_sampling_strategy": "group_by_length"}),
    (["--split_dataset_ratio", "0.2", "--eval_on_start", "true"], {"eval_on_start": True}),
]


@pytest.mark.parametrize(("flags", "fields"), _TRAINER_FLAGS, ids=[f[0][0] for f in _TRAINER_FLAGS])
def test_trainer_flags_reach_training_arguments(registry, tmp_path, flags, fields):
    from swiftkit.train.arguments import training_arguments

    args = training_arguments({**DEFAULTS, **_sft(registry, *flags)}, run_dir=str(tmp_path), env=None, strategy=None,
                              model_spec=None)
    for name, value in fields.items():
        got = getattr(args, name)
        assert (got.value if hasattr(got, "value") else got) == value, name


def test_logging_dir_moves_tensorboards_folder(registry, tmp_path, monkeypatch):
    from transformers.integrations import TensorBoardCallback

    from swiftkit.train.arguments import training_arguments

    monkeypatch.delenv("TENSORBOARD_LOGGING_DIR", raising=False)
    training_arguments({**DEFAULTS, **_sft(registry, "--logging_dir", str(tmp_path / "tb"))}, run_dir=str(tmp_path),
                       env=None, strategy=None, model_spec=None)
    assert os.environ["TENSORBOARD_LOGGING_DIR"] == str(tmp_path / "tb")  # what transformers' callback reads
    if importlib.util.find_spec("tensorboard"):
        assert TensorBoardCallback().logging_dir == str(tmp_path / "tb")


def test_dft_loss_weights_tokens_by_their_probability(registry):
    import torch
    import torch.nn.functional as F

    from swiftkit.train.losses import causal_lm_loss

    logits = torch.tensor([[[2.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]])
    labels = torch.tensor([[-100, 0, 1]])  # position 0 predicts token 0, position 1 predicts token 1
    plain, _ = causal_lm_loss(logits, labels)
    dft, _ = causal_lm_loss(logits, labels, dft=True)
    ce = F.cross_entropy(logits[0, :2], torch.tensor([0, 1]), reduction="none")
    assert torch.isclose(plain, ce.mean()) and torch.isclose(dft, (ce * torch.exp(-ce)).mean())
    assert not torch.isclose(plain, dft)
    # the sft objective applies it when the run config says so
    from swiftkit.plugins.methods.sft.objective import SftObjective

    spec = registry.get("method", "sft").spec
    model = lambda **_: SimpleNamespace(logits=logits)  # noqa: E731 - a model that returns fixed logits
    batch = {"input_ids": torch.zeros(1, 3, dtype=torch.long), "labels": labels}
    for flag, expected in (("true", dft), ("false", plain)):
        options = {"enable_dft_loss": _sft(registry, "--enable_dft_loss", flag)["enable_dft_loss"]}
        assert torch.isclose(SftObjective(spec, options).compute_loss(model, batch)[0], expected)


def test_trainer_fields_left_out_keep_transformers_defaults(registry, tmp_path):
    from transformers import TrainingArguments

    from swiftkit.train.arguments import training_arguments

    args = training_arguments({**DEFAULTS, **_sft(registry)}, run_dir=str(tmp_path), env=None, strategy=None,
                              model_spec=None)
    plain = TrainingArguments(output_dir=str(tmp_path), use_cpu=True)
    for name in ("adam_epsilon", "dataloader_pin_memory", "save_only_model", "push_to_hub", "train_sampling_strategy"):
        assert getattr(args, name) == getattr(plain, name), name


# ------------------------------------------------------------------ the loader's flags

def test_model_load_kwargs(tmp_path):
    from swiftkit.models.load_options import model_load_kwargs

    (tmp_path / "config.json").write_text(json.dumps({"max_position_embeddings": 512,
                                                      "rope_parameters": {"rope_type": "default", "rope_theta": 1e4}}))
    folder = str(tmp_path)
    assert model_load_kwargs({"attn_impl": "flash_attn"}, folder) == {"attn_implementation": "flash_attention_2"}
    assert model_load_kwargs({"experts_impl": "grouped_mm"}, folder) == {"experts_implementation": "grouped_mm"}
    yarn = model_load_kwargs({"rope_scaling": "yarn", "max_model_len": 2048}, folder)
    assert yarn == {"rope_parameters": {"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 512,
                                        "rope_theta": 1e4}, "max_position_embeddings": 2048}
    given = model_load_kwargs({"rope_scaling": {"type": "linear", "factor": 2.0}}, folder)
    assert given == {"rope_parameters": {"rope_type": "linear", "factor": 2.0, "rope_theta": 1e4}}
    with pytest.raises(ConfigError, match="needs --max_model_len"):
        model_load_kwargs({"rope_scaling": "linear"}, folder)
    assert model_load_kwargs({}, folder) == {}


# ------------------------------------------------------------------ an sft run with many flags at once

@pytest.fixture(scope="module")
def tiny(tmp_path_factory, registry) -> str:
    from swiftkit.testing.tiny import build_tiny_model

    return str(build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny") / MODEL, registry=registry))


@pytest.fixture(scope="module")
def chat_file(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("data") / "chat.jsonl"
    path.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]})
                            + "\n" for q, a in CHATS), encoding="utf-8")
    return str(path)


class _Seen:
    """A trainer callback that records the model and the first batch the Trainer hands out."""

    def __init__(self) -> None:
        from transformers import TrainerCallback

        outer = self

        class Callback(TrainerCallback):
            def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
                outer.model = model
                outer.batch = next(iter(kwargs["train_dataloader"]))

        self.callback = Callback()
        self.model: Any = None
        self.batch: Any = None


@pytest.fixture(scope="module")
def flagged_run(registry, tiny, chat_file, tmp_path_factory):
    from swiftkit.train.run import run_training

    out = tmp_path_factory.mktemp("run")
    config = build_config(registry, command="sft", cli_args=[
        "--model", tiny, "--dataset", chat_file, "--output_dir", str(out), "--add_version", "false",
        "--tuner_type", "lora", "--target_regex", r".*\.(q_proj|v_proj)$", "--lora_dtype", "bfloat16",
        "--attn_impl", "eager", "--rope_scaling", '{"type": "linear", "factor": 2.0}',
        "--max_steps", "100", "--max_epochs", "1", "--per_device_train_batch_size", "2", "--save_steps", "100",
        "--padding_side", "left", "--create_checkpoint_symlink", "true", "--dataset_shuffle", "false",
        "--train_dataloader_shuffle", "false", "--gradient_checkpointing", "true",
        "--gradient_checkpointing_kwargs", '{"use_reentrant": false}', "--logging_steps", "1", "--report_to", "none",
        "--check_model", "false", "--tuner_backend", "peft",
    ])
    seen = _Seen()
    result = run_training(config, command="sft", registry=registry, callbacks=[seen.callback])
    return config, result, seen


def test_flags_shape_an_sft_run(flagged_run):
    config, result, seen = flagged_run
    assert config["train_type"] == "lora"
    model = seen.model
    base = model.get_base_model()
    assert base.config._attn_implementation == "eager"
    assert base.config.rope_parameters["rope_type"] == "linear" and base.config.rope_parameters["factor"] == 2.0
    lora = {n: p for n, p in model.named_parameters() if "lora_" in n}
    assert lora and {p.dtype for p in lora.values()} == {__import__("torch").bfloat16}
    adapted = {n.split(".lora_")[0].rsplit(".", 1)[-1] for n in lora}
    assert adapted == {"q_proj", "v_proj"}  # --target_regex, not the default all-linear
    # --max_epochs 1 ends the run after one pass (3 steps of 2 rows), not at --max_steps 100
    assert result.global_step == 3
    assert os.path.realpath(os.path.join(result.run_dir, "last")) == os.path.realpath(result.last_checkpoint)
    # --padding_side left: the shorter row of the first batch is padded in front, positions count from its start
    mask, pos = seen.batch["attention_mask"], seen.batch["position_ids"]
    short = int(mask.sum(dim=1).argmin())
    assert mask[short, 0] == 0 and mask[short, -1] == 1
    first = int(mask[short].tolist().index(1))
    assert pos[short, first] == 0 and pos[short, -1] == mask[short].sum() - 1


def test_export_writes_shards_of_max_shard_size(flagged_run, registry, tmp_path):
    from swiftkit.core.config import build_config as build
    from swiftkit.export.merge import merge_lora

    _, result, _ = flagged_run
    out = tmp_path / "merged"
    config = build(registry, command="export", cli_args=["--model", result.last_checkpoint, "--merge_lora", "true",
                                                          "--output_dir", str(out), "--max_shard_size", "200KB",
                                                          "--safe_serialization", "true"])
    merge_lora(config, registry)
    shards = sorted(p.name for p in out.glob("*.safetensors"))
    assert len(shards) > 1 and (out / "model.safetensors.index.json").exists()
    with pytest.raises(ConfigError, match="safe_serialization"):
        build(registry, command="export", cli_args=["--model", "m", "--safe_serialization", "false"])


# ------------------------------------------------------------------ the compat plugin's own options

def test_template_backend_jinja_means_the_tokenizers_template(registry, tiny):
    from swiftkit.infer.factory import resolve_model

    def template(*flags: str) -> str:
        return resolve_model(build_config(registry, command="infer", cli_args=["--model", tiny, *flags]), registry).template

    assert template() == "qwen2_5"
    assert template("--template_backend", "jinja") == template("--template", "tokenizer") == "tokenizer"
    assert template("--template_backend", "swift") == "qwen2_5"
    with pytest.raises(ConfigError, match="cannot be combined with --template qwen"):
        template("--template_backend", "jinja", "--template", "qwen")


@pytest.mark.parametrize(("flag", "value", "allowed"), [
    ("--check_model", "true", "False"), ("--tuner_backend", "unsloth", "peft")])
def test_flags_accept_only_what_swiftkit_does(registry, flag, value, allowed):
    with pytest.raises(ConfigError, match=f"is not one of {allowed}"):
        _sft(registry, flag, value)


def test_quant_method_is_qlora_bitsandbytes(registry):
    # --quant_method is shared with `swift export` (a core key); the qlora plugin's config hook
    # refuses any method but bnb for training
    from swiftkit.cli.run_args import adjust_config

    assert adjust_config(registry, "sft", _sft(registry, "--train_type", "qlora", "--quant_method", "bnb"))["quant_method"] == "bnb"
    from swiftkit.core.errors import PluginHookError

    with pytest.raises(PluginHookError, match="--quant_method hqq with --train_type qlora"):
        adjust_config(registry, "sft", _sft(registry, "--train_type", "qlora", "--quant_method", "hqq"))


# ------------------------------------------------------------------ data: packing, padding

def test_packing_length_and_processes(tiny, chat_file, registry):
    from transformers import AutoTokenizer

    from swiftkit.data import prepare_datasets

    tokenizer = AutoTokenizer.from_pretrained(tiny)
    template = registry.template("qwen2_5", tokenizer=tokenizer)
    common = dict(dataset=[chat_file], registry=registry, template=template, tokenizer=tokenizer, max_length=64,
                  packing=True, shuffle=False)
    by_max = prepare_datasets(**common).train
    longest = max(by_max["length"]) if "length" in by_max.column_names else None
    wide = prepare_datasets(**common, packing_length=512, packing_num_proc=2).train
    assert len(wide) < len(by_max)  # longer packed rows hold more samples each
    assert all(len(ids) <= 512 for ids in wide["input_ids"]) and any(len(ids) > 64 for ids in wide["input_ids"])
    with pytest.raises(Exception, match="packing_length 8 is shorter"):
        prepare_datasets(**common, packing_length=8)
    assert longest is None or longest <= 64


def test_left_padding_collator():
    from swiftkit.data.collator import DataCollator

    batch = DataCollator(0, padding_side="left")([{"input_ids": [5, 6, 7], "labels": [-100, 6, 7]},
                                                   {"input_ids": [8], "labels": [8]}])
    assert batch["input_ids"].tolist() == [[5, 6, 7], [0, 0, 8]]
    assert batch["labels"].tolist() == [[-100, 6, 7], [-100, -100, 8]]
    assert batch["attention_mask"].tolist() == [[1, 1, 1], [0, 0, 1]]
    assert batch["position_ids"].tolist() == [[0, 1, 2], [0, 0, 0]]
    right = DataCollator(0)([{"input_ids": [5, 6], "labels": [5, 6]}, {"input_ids": [8], "labels": [8]}])
    assert right["input_ids"].tolist() == [[5, 6], [8, 0]] and "position_ids" not in right


# ------------------------------------------------------------------ stopping callbacks

def test_early_stop_after_interval_evaluations_without_improvement():
    from swiftkit.train.stopping import EarlyStop

    stop = EarlyStop(2)
    args = SimpleNamespace(metric_for_best_model=None, greater_is_better=None)
    control = SimpleNamespace(should_training_stop=False)
    for loss in (1.0, 0.8, 0.9, 0.85):
        stop.on_evaluate(args, None, control, metrics={"eval_loss": loss})
    assert control.should_training_stop  # 0.9 and 0.85 did not beat 0.8
    stop, control = EarlyStop(2), SimpleNamespace(should_training_stop=False)
    for acc in (0.5, 0.6, 0.55, 0.7):
        stop.on_evaluate(SimpleNamespace(metric_for_best_model="acc", greater_is_better=True), None, control,
                         metrics={"eval_acc": acc})
    assert not control.should_training_stop


# ------------------------------------------------------------------ swift infer

def test_generation_flags_become_sampling_options(registry):
    from swiftkit.cli.infer_cmd import sampling_options

    config = build_config(registry, command="infer", cli_args=[
        "--model", "m", "--temperature", "0.7", "--top_k", "20", "--top_p", "0.8", "--repetition_penalty", "1.2",
        "--stop_words", "END", "###", "--logprobs", "true", "--top_logprobs", "3", "--max_new_tokens", "9"])
    s = sampling_options(config)
    assert (s.temperature, s.top_k, s.top_p, s.repetition_penalty, s.stop, s.logprobs, s.top_logprobs, s.max_tokens) \
        == (0.7, 20, 0.8, 1.2, ["END", "###"], True, 3, 9)
    plain = sampling_options(build_config(registry, command="infer", cli_args=["--model", "m"]))
    assert (plain.top_k, plain.top_p, plain.repetition_penalty, plain.stop, plain.logprobs) == (0, 1.0, 1.0, [], False)


def test_repetition_penalty_steers_the_pt_sampler():
    import torch

    from swiftkit.plugins.engines.pt_batch import BatchHooks, Row

    def pick(penalty: float) -> int:
        row = Row(request=None, prompt_ids=[3], stops=[], max_new=5, adapter=None, repetition_penalty=penalty)
        row.start(lambda ids: "", frozenset())
        hooks = BatchHooks([row], lambda i: "", {"tokens": 0, "cancelled": 0})
        hooks.choose(torch.zeros(1, 1), torch.tensor([[0.0, 1.0, 0.0, 2.0, -1.0]]))
        return row.tokens[-1]

    assert pick(1.0) == 3  # the prompt's token scores highest
    assert pick(4.0) == 1  # 2.0 / 4 < 1.0: the repeat loses


class _Recorder:
    """An engine that answers 'ok' and keeps the requests."""

    def __new__(cls) -> Any:
        from swiftkit.core.engines.interface import ChatResponse, InferEngine, TokenLogprob
        from swiftkit.core.specs import EngineSpec

        class Engine(InferEngine):
            def __init__(self) -> None:
                super().__init__(EngineSpec(id="rec", impl="tests.test_msswift_flags:_Recorder"), "/m", None)
                self.seen: list[Any] = []

            def render(self, request: Any) -> str:
                return "\n".join(m["content"] for m in request.messages)

            def infer(self, requests: list[Any]) -> list[Any]:
                self.seen.extend(requests)
                return [ChatResponse("ok", "stop", 1, 1, logprobs=[TokenLogprob("ok", -0.1, [("ok", -0.1)])])
                        for _ in requests]

            async def infer_async(self, request: Any) -> Any:
                return self.infer([request])[0]

        return Engine()


def test_infer_writes_logprobs_every_write_batch_size_rows(tmp_path):
    from swiftkit.cli.infer_cmd import sample_rows
    from swiftkit.core.engines.interface import SamplingOptions
    from swiftkit.data.rows import ConversationRow
    from swiftkit.infer.batch import infer_rows

    rows = [ConversationRow([{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": "a"}], "f", i + 1)
            for i in range(7)]
    picked = sample_rows(rows, 4, 42)
    assert len(picked) == 4 and picked == sorted(picked, key=lambda r: r.row) and sample_rows(rows, 9, 1) == rows
    path = tmp_path / "out.jsonl"
    written: list[int] = []
    infer_rows(_Recorder(), rows, sampling=SamplingOptions(logprobs=True, top_logprobs=1), result_path=str(path),
               batch_size=2, write_batch_size=4,
               on_batch=lambda done, total: written.append(len(path.read_text().splitlines())))
    assert written == [0, 4, 4, 7]  # flushed after 4 rows (two batches), then at the end
    first = json.loads(path.read_text().splitlines()[0])
    assert first["logprobs"] == [{"token": "ok", "logprob": -0.1, "top_logprobs": [["ok", -0.1]]}]


# ------------------------------------------------------------------ swift deploy

def test_deploy_generation_defaults_owned_by_and_max_logprobs():
    pytest.importorskip("fastapi")
    httpx = pytest.importorskip("httpx")
    from swiftkit.infer.factory import ResolvedModel
    from swiftkit.serve.server import create_app, run_in_thread

    engine = _Recorder()
    config = {"temperature": 0.6, "top_p": 0.9, "top_k": 7, "repetition_penalty": 1.3, "stop_words": ["END"],
              "owned_by": "my-team", "max_logprobs": 2}
    app = create_app(engine, ResolvedModel("/m", "base", "qwen"), config=config, max_length=4096)
    hello = [{"role": "user", "content": "hi"}]
    with run_in_thread(app) as srv:
        models = httpx.get(f"{srv.url}/v1/models").json()["data"]
        assert {m["owned_by"] for m in models} == {"my-team"}
        assert httpx.post(f"{srv.url}/v1/chat/completions", json={"messages": hello}).status_code == 200
        assert httpx.post(f"{srv.url}/v1/chat/completions",
                          json={"messages": hello, "top_p": 0.5, "stop": ["X"], "repetition_penalty": 1.0}).status_code == 200
        too_many = httpx.post(f"{srv.url}/v1/chat/completions", json={"messages": hello, "logprobs": True, "top_logprobs": 3})
        assert app.state.gauge.tokens == 2  # the completion tokens --log_interval reports (one per answer)
    assert too_many.status_code == 400 and "--max_logprobs" in too_many.json()["error"]["message"]
    defaults, given = engine.seen[0].sampling, engine.seen[1].sampling
    assert (defaults.temperature, defaults.top_p, defaults.top_k, defaults.repetition_penalty, defaults.stop) \
        == (0.6, 0.9, 7, 1.3, ["END"])
    assert (given.top_p, given.repetition_penalty, given.stop) == (0.5, 1.0, ["END", "X"])


@pytest.mark.parametrize(("verbose", "access_log"), [(None, True), (True, True), (False, False)])
def test_deploy_verbose_is_the_access_log(monkeypatch, verbose, access_log):
    pytest.importorskip("fastapi")
    from swiftkit.infer import factory
    from swiftkit.infer.factory import ResolvedModel
    from swiftkit.serve import server

    seen: dict[str, Any] = {}

    def fake_server(app: Any, host: str, port: int, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return SimpleNamespace(run=lambda: None)

    monkeypatch.setattr(factory, "create_engine", lambda cfg, registry=None: (_Recorder(), ResolvedModel("/m", "b", "qwen")))
    monkeypatch.setattr(server, "_uvicorn_server", fake_server)
    server.serve({"port": 0, **({} if verbose is None else {"verbose": verbose})}, echo=lambda line: None)
    assert seen["access_log"] is access_log


def test_log_interval_prints_throughput():
    import time

    from swiftkit.serve.server import _Gauge, throughput_log

    gauge, lines = _Gauge(limit=4), []
    stop = throughput_log(gauge, 0.1, lines.append)

    def rate(line: str) -> float:
        return float(line.split("swift deploy: ")[1].split(" tokens/s")[0])

    deadline = time.monotonic() + 10
    while not lines and time.monotonic() < deadline:
        time.sleep(0.02)
    gauge.tokens, gauge.total = 50, 3  # after the first line: the next one sees them
    while not any(rate(line) > 0 for line in lines) and time.monotonic() < deadline:
        time.sleep(0.02)
    stop()
    count = len(lines)
    time.sleep(0.3)
    assert len(lines) == count  # stopped
    busy = [line for line in lines if rate(line) > 0]
    assert busy and "tokens/s over the last 0.1 s; 3 requests served, 0 running" in busy[0]
