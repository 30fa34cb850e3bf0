"""A new user's first minutes, run as they run them (fresh interpreters, output to a pipe):
a tiny model kept in a folder of their choosing, model commands free of third-party noise,
tables that fit the terminal without breaking an id, and `swift info` on a local folder."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

#: lines third-party libraries print on import or load that a swiftkit user can do nothing about
NOISE = re.compile(r"kernels-community|Setting accelerator to CPU|Setting ds_accelerator|Loading weights|"
                   r"Writing model shards|real_accelerator\.py")


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory):
    """`swift tiny-model` itself builds the module's model: that is what a user runs."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("practice") / "tiny"
    proc = subprocess.run([sys.executable, "-m", "swiftkit", "tiny-model", "--model", "qwen2.5-0.5b-instruct",
                           "--output_dir", str(folder)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert f"written to {folder.resolve()}" in proc.stdout, proc.stdout
    assert not NOISE.search(proc.stdout + proc.stderr), proc.stdout + proc.stderr
    return folder


def test_tiny_model_folder_loads_and_sft_trains_on_it_quietly(run_swift, tiny_folder, tmp_path):
    assert {"config.json", "model.safetensors", "tokenizer.json", "generation_config.json"} <= {p.name for p in tiny_folder.iterdir()}
    run = run_swift("sft", "--model", str(tiny_folder), "--dataset", "swift-demo", "--max_steps", "2",
                    "--per_device_train_batch_size", "2", "--output_dir", str(tmp_path / "out"), "--report_to", "none",
                    env={"OMP_NUM_THREADS": "1"}, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert list((tmp_path / "out").glob("v*/checkpoint-2/args.json")), run.stdout[-2000:]
    # DeepSpeed's accelerator line goes to stdout, bitsandbytes' kernel notice to stderr: neither may appear
    noise = [line for line in (run.stdout + run.stderr).splitlines() if NOISE.search(line)]
    assert not noise, noise
    assert "transformers" in run.modules and "peft" in run.modules
    # a plain LoRA run keeps out what transformers/peft/accelerate would import merely because it is installed
    assert not {"bitsandbytes", "sklearn", "deepspeed"} & set(run.modules), "swiftkit.train.lean_imports"


def test_tiny_model_refuses_a_folder_that_holds_files(run_swift, tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    run = run_swift("tiny-model", "--model", "qwen2.5-0.5b-instruct", "--output_dir", str(tmp_path))
    assert run.returncode == 2 and "is not empty" in run.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def test_info_model_resolves_a_local_folder_like_sft(run_swift, tiny_folder):
    run = run_swift("info", "model", str(tiny_folder), "--json")
    assert run.returncode == 0, run.stderr
    info = json.loads(run.stdout)
    assert info["spec"]["architecture"] == "Qwen2ForCausalLM" and info["spec"]["template"] == "qwen2_5"
    assert info["matched"]["folder"] == str(tiny_folder.resolve())
    assert "model_type='qwen2'" in info["matched"]["how"]
    table = run_swift("info", "model", str(tiny_folder))
    assert table.returncode == 0 and f"local folder {tiny_folder.resolve()} is {info['spec']['id']}" in table.stdout
    assert "transformers" not in table.modules  # a folder is matched from its files, not by loading it


def _cells(line: str) -> list[str]:
    return [c.strip() for c in re.split(r"[│┃]", line)]


@pytest.mark.parametrize("kind", ["models", "datasets", "templates", "methods"])
@pytest.mark.parametrize("columns", ["80", "120", ""])  # "" is a pipe without COLUMNS: 120
def test_tables_fit_the_width_and_never_break_an_id(run_swift, kind, columns):
    ids = [r["id"] for r in json.loads(run_swift("list", kind, "--json").stdout)]
    run = run_swift("list", kind, env={"COLUMNS": columns})
    assert run.returncode == 0, run.stderr
    width = int(columns or 120)
    lines = run.stdout.splitlines()
    assert max(len(line) for line in lines) <= width, max(lines, key=len)
    first_cells = [_cells(line)[1] for line in lines if line.startswith("│")]
    # each id whole, on one line, in order: a split id would leave its tail on a continuation row
    assert [c for c in first_cells if c] == ids
    if kind == "models" and width == 80:
        header = _cells(next(line for line in lines if line.startswith("┃")))
        # the catalogue's longest id is 43 characters: at 80 the id, its support level and size stay
        assert {"ID", "SUPPORT", "PARAMS (B)"} <= set(header) and "HUB ID" not in header
        assert "not shown at 80 columns: HUB ID" in " ".join(run.stdout.split())


def test_demo_prints_where_its_model_and_run_are(tmp_path):
    from click.testing import CliRunner

    from swiftkit.cli import cli

    result = CliRunner().invoke(cli, ["demo", "--max_steps", "1", "--output_dir", str(tmp_path / "d")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    model = re.search(r"^tiny model: (\S+) \(--output_dir\)$", result.output, re.M)
    run = re.search(r"^run folder: (\S+) ", result.output, re.M)
    assert model and run, result.output[-2000:]
    assert Path(model[1]) == (tmp_path / "d" / "tiny-model").resolve() and (Path(model[1]) / "config.json").is_file()
    assert Path(run[1]).parent == (tmp_path / "d" / "output").resolve() and (Path(run[1]) / "args.json").is_file()
