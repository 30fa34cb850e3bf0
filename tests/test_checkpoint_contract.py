"""The tuner owns its checkpoints, and engines load through the family's loader.

- ``freeze`` saves only the weights it trained; ``swift infer`` reads the checkpoint back onto the
  base (greedy answers identical to the model at the end of training), ``swift export`` writes
  the complete model, and ``--resume_from_checkpoint`` continues the run exactly.
- A third-party tuner (a fixture plugin) with its own checkpoint files is honoured by
  ``swift infer``.
- A third-party model family whose loader does something observable is served through it.
- Engines that load a folder themselves refuse a checkpoint only its tuner can read.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from swiftkit.core.config import build_config
from swiftkit.core.engines.interface import ChatRequest, InferEngine, ModelSource, SamplingOptions
from swiftkit.core.errors import SwiftkitError
from swiftkit.core.methods.interface import Tuner
from swiftkit.core.registry import set_registry
from swiftkit.core.specs import EngineSpec
from swiftkit.models.hf import HFCausalLMLoader
from swiftkit.testing import PluginHarness
from swiftkit.testing.harness import make_plugin
from swiftkit.testing.tiny import build_tiny_model
from swiftkit.train.run import run_training

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest

MODEL = "qwen2.5-0.5b-instruct"
QUESTIONS = ["What is your name?", "Say hello.", "What is two plus two?", "Capital of France?"]
ANSWERS = ["I am Tiny.", "Hello there!", "Four.", "Paris."]
HERE = "tests.test_checkpoint_contract"


# ----------------------------------------------------------------------------- the fixture plugin


class HeadOnlyTuner(Tuner):
    """Trains the output head only and keeps it in its own file, ``head.safetensors``."""

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        for name, param in model.named_parameters():
            param.requires_grad_(name.startswith("lm_head."))
        return model

    def save_pretrained(self, model: Any, output_dir: str, state_dict: dict[str, Any] | None = None) -> None:
        from safetensors.torch import save_file

        save_file({"weight": model.lm_head.weight.detach().contiguous()}, os.path.join(output_dir, "head.safetensors"))

    def _copy_head(self, model: Any, checkpoint_dir: str) -> Any:
        import torch
        from safetensors.torch import load_file

        with torch.no_grad():
            model.lm_head.weight.copy_(load_file(os.path.join(checkpoint_dir, "head.safetensors"))["weight"])
        return model

    def restore_checkpoint(self, model: Any, checkpoint_dir: str) -> bool:
        self._copy_head(model, checkpoint_dir)
        return True

    def trained_model_dir(self, checkpoint_dir: str) -> str | None:
        return None

    def load_trained(self, model: Any, checkpoint_dir: str) -> Any:
        LOADED.append(checkpoint_dir)
        return self._copy_head(model, checkpoint_dir)


#: checkpoints HeadOnlyTuner.load_trained read (what the test checks swift infer went through)
LOADED: list[str] = []


class MarkingLoader(HFCausalLMLoader):
    """The default loader, plus an observable mark on the config and the tokenizer."""

    def load(self, model_dir: str, **kwargs: Any) -> tuple[Any, Any]:
        model, tokenizer = super().load(model_dir, **kwargs)
        model.config.loaded_by = "MarkingLoader"
        tokenizer.loaded_by = "MarkingLoader"
        return model, tokenizer


def fixture_plugin():
    return make_plugin(
        "contract_fixture",
        swift_register_methods=lambda: [{"id": "headonly", "kind": "tuner", "impl": f"{HERE}:HeadOnlyTuner"}],
        swift_register_models=lambda: [{
            "id": "marked-qwen", "family": "marked", "architecture": "Qwen2ForCausalLM", "hf_model_type": "qwen2",
            "template": "qwen2_5", "loader": f"{HERE}:MarkingLoader",
        }],
    )


@pytest.fixture(scope="module")
def registry():
    harness = PluginHarness(include_installed=True)
    harness.add(fixture_plugin(), dist="swiftkit-contract-fixture")
    reg = harness.registry()
    old = set_registry(reg)  # the CLI commands below use the process-wide registry
    yield reg
    set_registry(old)


@pytest.fixture(scope="module")
def base_model(tmp_path_factory, registry) -> str:
    return str(build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny") / MODEL, registry=registry))


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("data")
    rows = [{"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]}
            for q, a in zip(QUESTIONS, ANSWERS, strict=True)]
    train, val = root / "train.jsonl", root / "val.jsonl"
    train.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    val.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return {"train": str(train), "val": str(val)}


class KeepModel:
    """A Trainer callback that keeps the model as it is at the end of training."""

    def __init__(self):
        from transformers import TrainerCallback

        keeper = self

        class _Callback(TrainerCallback):
            def on_train_end(self, args, state, control, model=None, **kwargs):
                keeper.model = model

        self.callback = _Callback()
        self.model = None


def train(registry, base_model: str, data_file: str, out: Path, *args: str, callbacks=None, steps: int = 12):
    config = build_config(registry, command="sft", cli_args=[
        "--model", base_model, "--dataset", data_file, "--output_dir", str(out), "--add_version", "false",
        "--learning_rate", "1e-2", "--lr_scheduler_type", "constant", "--max_steps", str(steps),
        "--save_steps", str(steps), "--per_device_train_batch_size", "4", "--max_length", "64",
        "--logging_steps", "5", "--report_to", "none", *args,
    ])
    return run_training(config, command="sft", registry=registry, callbacks=callbacks)


def greedy(engine) -> list[str]:
    requests = [ChatRequest([{"role": "user", "content": q}], SamplingOptions(max_tokens=12)) for q in QUESTIONS]
    return [r.text for r in engine.infer(requests)]


def answers_of(registry, base_model: str, model: Any) -> list[str]:
    """Greedy answers of an in-memory model, through the pt engine."""
    from transformers import AutoTokenizer

    from swiftkit.plugins.engines.pt_engine import PtEngine

    spec = registry.get("engine", "pt").spec
    engine = PtEngine(spec, base_model, registry.template("qwen2_5"), {"torch_dtype": "float32"},
                      model=model, tokenizer=AutoTokenizer.from_pretrained(base_model))
    try:
        return greedy(engine)
    finally:
        engine.close()


def swift(*args: str):
    from swiftkit.cli import cli

    result = CliRunner().invoke(cli, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result


def infer_results(checkpoint: str, val: str, out: Path) -> list[str]:
    swift("infer", "--model", checkpoint, "--val_dataset", val, "--max_new_tokens", "12", "--torch_dtype", "float32",
          "--result_path", str(out))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["response"] for r in rows]


# ----------------------------------------------------------------------------- freeze


@pytest.fixture(scope="module")
def freeze_run(registry, base_model, data, tmp_path_factory):
    keep = KeepModel()
    result = train(registry, base_model, data["train"], tmp_path_factory.mktemp("freeze"),
                   "--train_type", "freeze", "--freeze_trainable_layers", "1", callbacks=[keep.callback])
    return result, answers_of(registry, base_model, keep.model.eval())


def test_freeze_checkpoint_holds_only_the_trained_weights(freeze_run, base_model, registry):
    from safetensors.torch import load_file

    result, trained = freeze_run
    checkpoint = os.path.join(result.run_dir, "checkpoint-12")
    files = set(os.listdir(checkpoint))
    assert "trained_weights.safetensors" in files and "args.json" in files
    assert not files & {"model.safetensors", "config.json", "adapter_config.json"}
    names = set(load_file(os.path.join(checkpoint, "trained_weights.safetensors")))
    assert names and all(n.startswith("model.layers.1.") for n in names)
    from transformers import AutoModelForCausalLM

    base = answers_of(registry, base_model, AutoModelForCausalLM.from_pretrained(base_model).eval())
    assert trained != base  # training changed the answers: the comparisons below can fail


def test_freeze_checkpoint_infers_and_exports_like_the_trained_model(freeze_run, data, tmp_path):
    result, trained = freeze_run
    checkpoint = os.path.join(result.run_dir, "checkpoint-12")
    assert infer_results(checkpoint, data["val"], tmp_path / "infer.jsonl") == trained

    swift("export", "--model", checkpoint, "--output_dir", str(tmp_path / "merged"))
    merged = tmp_path / "merged"
    assert (merged / "config.json").is_file() and (merged / "model.safetensors").is_file()
    merged_from = json.loads((merged / "args.json").read_text())["merged_from"]
    assert merged_from["adapter"] == checkpoint and merged_from["tuner"] == "freeze"
    assert infer_results(str(merged), data["val"], tmp_path / "merged.jsonl") == trained


def test_freeze_resume_continues_the_same_run(registry, base_model, data, tmp_path):
    import torch
    from safetensors.torch import load_file

    args = ("--train_type", "freeze", "--freeze_trainable_layers", "1", "--save_steps", "3")
    whole = train(registry, base_model, data["train"], tmp_path / "whole", *args, steps=6)
    cut = tmp_path / "cut"
    shutil.copytree(whole.run_dir, cut)
    shutil.rmtree(cut / "checkpoint-6")
    resumed = train(registry, base_model, data["train"], cut, *args, "--resume_from_checkpoint", str(cut / "checkpoint-3"),
                    steps=6)
    assert resumed.global_step == 6
    a = load_file(os.path.join(whole.run_dir, "checkpoint-6", "trained_weights.safetensors"))
    b = load_file(str(cut / "checkpoint-6" / "trained_weights.safetensors"))
    start = load_file(str(cut / "checkpoint-3" / "trained_weights.safetensors"))
    assert not all(torch.equal(a[k], start[k]) for k in a)  # steps 4-6 moved the weights
    for key in a:
        torch.testing.assert_close(b[key], a[key])


# ----------------------------------------------------------------------------- a third-party tuner


def test_third_party_tuner_checkpoint_is_read_back_by_its_tuner(registry, base_model, data, tmp_path):
    keep = KeepModel()
    result = train(registry, base_model, data["train"], tmp_path / "run", "--train_type", "headonly",
                   callbacks=[keep.callback])
    trained = answers_of(registry, base_model, keep.model.eval())
    from transformers import AutoModelForCausalLM

    assert trained != answers_of(registry, base_model, AutoModelForCausalLM.from_pretrained(base_model).eval())
    checkpoint = os.path.join(result.run_dir, "checkpoint-12")
    assert "head.safetensors" in os.listdir(checkpoint) and "model.safetensors" not in os.listdir(checkpoint)
    # the registry imports the plugin as `tests.test_checkpoint_contract`, pytest perhaps under another name
    loaded = sys.modules[registry.impl("method", "headonly").__module__].LOADED
    loaded.clear()
    assert infer_results(checkpoint, data["val"], tmp_path / "infer.jsonl") == trained
    assert loaded == [checkpoint]


# ----------------------------------------------------------------------------- the family's loader


def test_pt_engine_loads_through_the_family_loader(registry, base_model):
    from swiftkit.infer.factory import create_engine

    engine, resolved = create_engine({"model": base_model, "model_type": "marked-qwen", "infer_backend": "pt"}, registry)
    try:
        assert resolved.model_id == "marked-qwen"
        assert engine.model.config.loaded_by == "MarkingLoader"
        assert engine.tokenizer.loaded_by == "MarkingLoader"
        assert len(greedy(engine)) == len(QUESTIONS)
    finally:
        engine.close()


class PathEngine(InferEngine):
    """An engine that reads the model folder itself (as vLLM does): the default ``create``."""

    def infer(self, requests):
        return []


def test_engines_that_load_by_path_get_the_folder_or_refuse(registry, base_model, tmp_path):
    spec = EngineSpec(id="by-path", impl=f"{HERE}:PathEngine")
    loader = registry.model_loader(MODEL)
    engine = PathEngine.create(spec, ModelSource(model_dir=base_model, loader=loader), None, {})
    assert engine.model_dir == base_model
    tuner = registry.impl("method", "freeze")(registry.get("method", "freeze").spec, {})
    source = ModelSource(model_dir=base_model, loader=loader, tuner=tuner, checkpoint_dir=str(tmp_path))
    with pytest.raises(SwiftkitError, match=r"engine 'by-path' loads a model folder itself.*swift export --model"):
        PathEngine.create(spec, source, None, {})


# ----------------------------------------------------------------------------- LoRA with PiSSA


def test_pissa_resume_reads_the_training_form(registry, base_model, data, tmp_path):
    """The checkpoint's adapter is converted for the original base; resuming restores the
    adapter in its training form (kept beside it) and continues the same run."""
    import torch
    from safetensors.torch import load_file

    args = ("--train_type", "lora", "--init_lora_weights", "pissa", "--lora_rank", "4", "--save_steps", "3")
    whole = train(registry, base_model, data["train"], tmp_path / "whole", *args, steps=6)
    form = os.path.join(whole.run_dir, "checkpoint-3", "training_form")
    assert os.path.isfile(os.path.join(form, "adapter_model.safetensors"))
    cut = tmp_path / "cut"
    shutil.copytree(whole.run_dir, cut)
    shutil.rmtree(cut / "checkpoint-6")
    train(registry, base_model, data["train"], cut, *args, "--resume_from_checkpoint", str(cut / "checkpoint-3"), steps=6)
    a = load_file(os.path.join(whole.run_dir, "checkpoint-6", "training_form", "adapter_model.safetensors"))
    b = load_file(str(cut / "checkpoint-6" / "training_form" / "adapter_model.safetensors"))
    for key in a:
        torch.testing.assert_close(b[key], a[key])


def test_checkpoint_of_an_uninstalled_tuner(registry, base_model, tmp_path):
    """A complete model folder is served whatever tuner wrote it; a checkpoint only its tuner
    can read names the missing tuner."""
    from swiftkit.core.errors import ConfigError
    from swiftkit.infer.factory import resolve_model

    run_args = {"train_type": "gone", "model_dir": base_model, "model_id": MODEL, "template": "qwen2_5"}
    complete = tmp_path / "complete" / "checkpoint-1"
    shutil.copytree(base_model, complete)
    (complete / "args.json").write_text(json.dumps(run_args))
    resolved = resolve_model({"model": str(complete)}, registry)
    assert resolved.trained_checkpoint is None and resolved.model_dir == str(complete)

    partial = tmp_path / "partial" / "checkpoint-1"
    partial.mkdir(parents=True)
    (partial / "args.json").write_text(json.dumps(run_args))
    (partial / "head.safetensors").write_bytes(b"")
    with pytest.raises(ConfigError, match=r"trained with tuner 'gone'.*not installed"):
        resolve_model({"model": str(partial)}, registry)
