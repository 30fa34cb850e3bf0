"""`swift export` with export steps (swiftkit.export.pipeline) and the shared quality figures
(swiftkit.export.quality), on a tiny Qwen2.5 with three recording exporters: one per stage.

What matters: every check runs before anything loads, steps run by stage on the folder the
previous one wrote, nothing half-written survives a failure, the merge comes first, calibration
rows are the dataset as training encodes it, and export.json records every step.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from swiftkit.core.config import build_config
from swiftkit.core.errors import ConfigError
from swiftkit.core.export.interface import ExportContext, Exporter, ExportResult
from swiftkit.testing.harness import make_plugin
from swiftkit.testing.tiny import build_tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")

MODEL = "qwen2.5-0.5b-instruct"
#: what each fake step saw, in run order: (id, ExportContext, files in its source folder)
SEEN: list[tuple[str, ExportContext, list[str]]] = []


def _files(folder: str) -> list[str]:
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


class FakeConvert(Exporter):
    """Copies the weights and marks the folder; ``--fake_mode`` makes it refuse or fail."""

    def check(self, config: dict[str, Any]) -> list[str]:
        return ["--fake_mode check: refused as asked"] if self.options.get("fake_mode") == "check" else []

    def export(self, ctx: ExportContext) -> ExportResult:
        SEEN.append(("fake4", ctx, _files(ctx.source_dir)))
        if ctx.calibration is not None:
            ctx.log(f"calibrating on {len(ctx.calibration(self.options['fake_rows']))} rows")
        if ctx.dry_run:
            return ExportResult(ctx.output_dir, ["model.safetensors", "marker.txt"], {"bits": 4})
        for name in ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"):
            shutil.copy2(os.path.join(ctx.source_dir, name), os.path.join(ctx.output_dir, name))
        Path(ctx.output_dir, "marker.txt").write_text("fake4", encoding="utf-8")
        if self.options.get("fake_mode") == "raise":
            raise RuntimeError("fake4: tensor model.layers.0 cannot be quantized")
        return ExportResult(ctx.output_dir, _files(ctx.output_dir), {"bits": 4}, ["lm_head kept in float32"])

    def load_exported(self, output_dir: str) -> Any:
        from swiftkit.export.quality import load_source

        return load_source(output_dir)


class FakePackage(Exporter):
    def export(self, ctx: ExportContext) -> ExportResult:
        SEEN.append(("fakepkg", ctx, _files(ctx.source_dir)))
        if not ctx.dry_run:
            Path(ctx.output_dir, "Modelfile").write_text("FROM ./model\n", encoding="utf-8")
        return ExportResult(ctx.output_dir, ["Modelfile"])


class FakePublish(Exporter):
    def export(self, ctx: ExportContext) -> ExportResult:
        SEEN.append(("fakepub", ctx, _files(ctx.source_dir)))
        if ctx.options["fake_publish_fail"]:
            raise RuntimeError("fakepub: upload refused by the server")
        return ExportResult(ctx.source_dir, _files(ctx.source_dir), {"url": "http://hub/me/m"})


def _specs() -> list[dict[str, Any]]:
    return [
        {"id": "fake4", "impl": f"{__name__}:FakeConvert", "selected_by": {"quant_method": ["fake4"]},
         "options": {"type": "object", "properties": {
             "fake_mode": {"enum": ["ok", "check", "raise"], "default": "ok"},
             "fake_rows": {"type": "integer", "default": 3}}}},
        {"id": "fake8", "impl": f"{__name__}:FakeConvert", "selected_by": {"fake_second": [True]},
         "options": {"type": "object", "properties": {"fake_second": {"type": "boolean", "default": False}}}},
        {"id": "fakepkg", "impl": f"{__name__}:FakePackage", "stage": "package", "selected_by": {"fake_package": [True]},
         "options": {"type": "object", "properties": {"fake_package": {"type": "boolean", "default": False}}}},
        {"id": "fakepub", "impl": f"{__name__}:FakePublish", "stage": "publish", "selected_by": {"fake_publish": [True]},
         "options": {"type": "object", "properties": {"fake_publish": {"type": "boolean", "default": False},
                                                      "fake_publish_fail": {"type": "boolean", "default": False}}}},
    ]


@pytest.fixture(scope="module")
def module_registry(tmp_path_factory):
    """Everything installed plus the fake exporters, discovered once for the module and made the
    process-wide registry (what swift_registry_with does per test, at 1-2 s a discovery)."""
    from swiftkit.core import plugins
    from swiftkit.core.registry import set_registry
    from swiftkit.testing.harness import PluginHarness

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(plugins.ENV_CACHE_DIR, str(tmp_path_factory.mktemp("swiftkit-cache")))
        mp.setenv(plugins.ENV_NO_INDEX, "1")
        harness = PluginHarness(include_installed=True)
        harness.add(make_plugin("fake_exporters", api="1.5", swift_register_exporters=_specs), dist="test-plugin")
        registry = harness.registry()
        previous = set_registry(registry)
        yield registry
        set_registry(previous)


@pytest.fixture
def registry(module_registry):
    SEEN.clear()
    return module_registry


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    return str(build_tiny_model(MODEL, tmp_path_factory.mktemp("tiny") / "tiny"))


@pytest.fixture
def model(tiny, tmp_path) -> str:
    """A private copy of the tiny model, so default output folders land in this test's tmp."""
    return shutil.copytree(tiny, tmp_path / "m")


def export(registry, *args: str):
    from swiftkit.export.pipeline import run_export_pipeline

    config = build_config(registry, command="export", cli_args=list(args))
    lines: list[str] = []
    return run_export_pipeline(config, registry, log=lines.append), lines


def _no_partials(parent: Path) -> None:
    assert [p.name for p in parent.iterdir() if ".partial-" in p.name or ".replaced-" in p.name] == []


def test_steps_run_by_stage_into_one_folder_with_export_json(registry, model):
    result, _ = export(registry, "--model", str(model), "--fake_publish", "true", "--fake_package", "true",
                       "--quant_method", "fake4")
    out = Path(str(model) + "-fake4-fakepkg")  # the default name: source + the steps that write
    assert result.output_dir == str(out) and out.is_dir()
    assert [s[0] for s in SEEN] == ["fake4", "fakepkg", "fakepub"]
    convert, package, publish = (s[1] for s in SEEN)
    assert convert.source_dir == str(model) and convert.model_id == MODEL and convert.template == "qwen2_5"
    assert convert.calibration is None  # no --dataset
    # the packager adds to what the converter wrote; the publisher sees both, before the rename
    assert package.source_dir == package.output_dir == convert.output_dir != str(out)
    assert "marker.txt" in SEEN[1][2] and {"marker.txt", "Modelfile"} <= set(SEEN[2][2])
    assert {"marker.txt", "Modelfile", "export.json"} <= set(_files(str(out)))
    record = json.loads((out / "export.json").read_text(encoding="utf-8"))
    assert [s["exporter"] for s in record["steps"]] == ["fake4", "fakepkg", "fakepub"]
    fake4 = record["steps"][0]
    assert fake4["metrics"]["bits"] == 4 and fake4["notes"] == ["lm_head kept in float32"]
    assert fake4["metrics"]["size_bytes"] == os.path.getsize(out / "model.safetensors")
    assert fake4["metrics"]["size_ratio"] == pytest.approx(1.0)
    assert record["steps"][2]["metrics"]["url"] == "http://hub/me/m" and record["model_id"] == MODEL
    _no_partials(out.parent)


def test_every_check_runs_before_anything_loads(registry, tmp_path):
    # the model does not exist: the refusal must come from the checks, before resolving it
    with pytest.raises(ConfigError) as info:
        export(registry, "--model", str(tmp_path / "missing"), "--quant_method", "fake4", "--fake_mode", "check",
               "--fake_second", "true")
    text = str(info.value)
    assert "fake4: --fake_mode check: refused as asked" in text
    assert "fake4 and fake8 both convert" in text  # and the conflict, in the same message
    assert SEEN == []


def test_a_failing_step_leaves_nothing_behind(registry, model):
    with pytest.raises(RuntimeError, match="upload refused"):
        export(registry, "--model", str(model), "--quant_method", "fake4", "--fake_publish", "true",
               "--fake_publish_fail", "true")
    assert not os.path.exists(str(model) + "-fake4")
    with pytest.raises(RuntimeError, match="model.layers.0"):
        export(registry, "--model", str(model), "--quant_method", "fake4", "--fake_mode", "raise")
    assert not os.path.exists(str(model) + "-fake4")
    _no_partials(Path(model).parent)
    # an existing output survives a failed --overwrite run untouched
    out = Path(model).parent / "kept"
    out.mkdir()
    (out / "old.txt").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        export(registry, "--model", str(model), "--quant_method", "fake4", "--fake_mode", "raise", "--output_dir",
               str(out), "--overwrite", "true")
    assert _files(str(out)) == ["old.txt"]
    with pytest.raises(ConfigError, match="already exists"):
        export(registry, "--model", str(model), "--quant_method", "fake4", "--output_dir", str(out))


def test_dry_run_asks_every_step_and_writes_nothing(registry, model):
    result, _ = export(registry, "--model", str(model), "--quant_method", "fake4", "--fake_package", "true",
                       "--dry_run", "true")
    assert result.dry_run and all(s[1].dry_run for s in SEEN)
    assert [(s.exporter, s.files) for s in result.steps] == [("fake4", ["model.safetensors", "marker.txt"]),
                                                             ("fakepkg", ["Modelfile"])]
    assert result.output_dir == str(model) + "-fake4-fakepkg" and not os.path.exists(result.output_dir)
    assert not os.path.exists(SEEN[0][1].output_dir)  # the scratch folder is gone too
    _no_partials(Path(model).parent)


def test_publish_only_reads_the_model_folder_and_writes_none(registry, model):
    before = _files(str(model))
    result, _ = export(registry, "--model", str(model), "--fake_publish", "true")
    assert result.output_dir is None and SEEN[0][1].source_dir == str(model)
    assert _files(str(model)) == before


def test_unknown_quant_method_names_the_installed_ones(registry, model):
    with pytest.raises(ConfigError, match=r"--quant_method gptq9: no installed exporter takes it .*bnb.*fake4"):
        export(registry, "--model", str(model), "--quant_method", "gptq9")


def test_calibration_rows_are_the_dataset_encoded_by_the_template(registry, model, tmp_path):
    from transformers import AutoTokenizer

    rows = [{"messages": [{"role": "user", "content": f"Question number {i} is rather long, isn't it?"},
                          {"role": "assistant", "content": f"Answer {i}."}]} for i in range(5)]
    data = tmp_path / "calib.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    export(registry, "--model", str(model), "--quant_method", "fake4", "--dataset", str(data), "--max_length", "24",
           "--fake_rows", "2", "--dataset_shuffle", "false")
    ctx = SEEN[0][1]
    calib = ctx.calibration(10)
    assert len(calib) == 5 and all(len(ids) == 24 for ids in calib)  # long rows cut, not dropped
    text = AutoTokenizer.from_pretrained(model).decode(calib[0])
    assert text.startswith("<|im_start|>system\nYou are Qwen")  # the template's default system prompt
    assert len(ctx.calibration(2)) == 2
    record = json.loads(Path(str(model) + "-fake4", "export.json").read_text(encoding="utf-8"))
    assert record["config"]["max_length"] == 24


def test_a_lora_checkpoint_is_merged_first(registry, tiny, tmp_path):
    from swiftkit.train.run import run_training

    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": q}, {"role": "assistant", "content": a}]})
                            + "\n" for q, a in [("Hi", "Hello."), ("Name?", "Tiny.")] * 2), encoding="utf-8")
    config = build_config(registry, command="sft", cli_args=[
        "--model", tiny, "--dataset", str(data), "--output_dir", str(tmp_path / "run"), "--add_version", "false",
        "--train_type", "lora", "--max_steps", "1", "--save_steps", "1", "--per_device_train_batch_size", "2",
        "--report_to", "none", "--max_length", "64"])
    checkpoint = Path(run_training(config, command="sft", registry=registry).run_dir) / "checkpoint-1"
    result, _ = export(registry, "--model", str(checkpoint), "--quant_method", "fake4", "--quality_check", "true")
    out = Path(result.output_dir)
    assert out == Path(str(checkpoint) + "-fake4") and result.merged_from == str(checkpoint)
    source = SEEN[0][1].source_dir
    assert "adapter_config.json" not in SEEN[0][2] and "model.safetensors" in SEEN[0][2]  # a merged model folder
    assert not os.path.exists(source)  # the merge was a scratch folder, removed
    assert json.loads((out / "args.json").read_text(encoding="utf-8"))["template"] == "qwen2_5"  # carried over
    metrics = json.loads((out / "export.json").read_text(encoding="utf-8"))["steps"][0]["metrics"]
    # FakeConvert copies the weights: the quality check must see a perfect export
    assert metrics["greedy_agreement"] == 1.0 and metrics["max_abs_logit_diff"] == 0.0
    assert metrics["perplexity_change"] == pytest.approx(0.0, abs=1e-9)
    _no_partials(out.parent)


def test_quality_figures_see_a_perturbed_model(tiny):
    import torch

    from swiftkit.export.quality import compare_models, load_source, size_on_disk

    def perturbed():
        model = load_source(tiny)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(torch.randn_like(p) * 0.5)
        return model

    report = compare_models(tiny, perturbed, export_dir=tiny, max_new_tokens=4)
    assert report.max_abs_logit_diff > 0.05 and report.perplexity_change != 0.0
    assert 0.0 <= report.greedy_agreement < 1.0 and report.prompts == 6
    assert report.size_bytes == report.source_size_bytes == size_on_disk(tiny) == os.path.getsize(
        os.path.join(tiny, "model.safetensors"))
    assert set(report.metrics()) >= {"greedy_agreement", "perplexity_source", "perplexity_export", "max_abs_logit_diff"}
    # an identical export; the perplexity counted from the 5th token on differs from the whole text's
    texts = [list(range(10, 30))]
    same = compare_models(tiny, lambda: load_source(tiny), texts=texts, max_new_tokens=2)
    tail = compare_models(tiny, lambda: load_source(tiny), texts=texts, max_new_tokens=2, scored_from=[5])
    assert same.greedy_agreement == same.greedy_match == 1.0 and same.max_abs_logit_diff == 0.0
    assert same.perplexity_change == tail.perplexity_change == 0.0 and same.perplexity_source != tail.perplexity_source


def test_cli_routes_export_steps_and_keeps_dry_run_honest(registry, model):
    from click.testing import CliRunner

    from swiftkit.cli import cli

    result = CliRunner().invoke(cli, ["export", "--model", str(model), "--quant_method", "fake4", "--dry_run", "true"])
    assert result.exit_code == 0, result.output
    assert "fake4 (convert" in result.output and "would write model.safetensors, marker.txt" in result.output
    assert "nothing written" in result.output
    result = CliRunner().invoke(cli, ["export", "--model", str(model), "--dry_run", "true"])
    assert isinstance(result.exception, ConfigError) and "add one" in str(result.exception)
