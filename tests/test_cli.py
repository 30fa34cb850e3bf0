"""The `swift` discovery commands, in process (click's runner) and, for exit codes, as a user runs them."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.registry import get_registry


@pytest.fixture(scope="module")
def runner():
    get_registry(refresh=True)
    return CliRunner()


def invoke(runner, *args):
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_list_models_table_has_provenance(runner):
    # wide enough for every column: narrower consoles hide the hub id first (test_newcomer_path)
    result = runner.invoke(cli, ["list", "models", "--family", "qwen2"], env={"COLUMNS": "200"}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "qwen2.5-7b-instruct" in out and "Qwen/Qwen2.5-7B-Instruct" in out
    assert "swiftkit 0.1.0" in out
    assert "llama" not in out.lower()


def test_list_models_json_and_filters(runner):
    rows = json.loads(invoke(runner, "list", "models", "--json"))
    assert len(rows) >= 40
    families = {r["family"] for r in rows}
    assert {"qwen2", "qwen3", "llama", "mistral", "gemma", "gemma2", "phi3"} <= families
    for r in rows:
        assert r["plugin"]["distribution"] and r["plugin"]["version"]
        assert r["architecture"] and r["template"] and r["max_length"], r["id"]
        if not r.get("modalities"):  # a multimodal checkpoint may be of unpublished size
            assert r["params_billion"], r["id"]
        if r["support"] not in ("remote_code", "unsupported"):  # nothing swiftkit trains goes without targets
            assert r["lora_target_modules"], r["id"]
    searched = json.loads(invoke(runner, "list", "models", "Llama-3.1", "--json"))
    assert searched and all("3.1" in r["id"] or "3.1" in r.get("hf_id", "") for r in searched)
    tagged = json.loads(invoke(runner, "list", "models", "--tag", "base", "--json"))
    assert tagged and all("base" in r["tags"] for r in tagged)
    by_plugin = json.loads(invoke(runner, "list", "models", "--plugin", "gemma", "--json"))
    assert {r["family"] for r in by_plugin} == {"gemma", "gemma2", "gemma3_text", "gemma_emb", "gemma_reward",
                                                "gemma3_vision", "paligemma", "gemma3n", "gemma4", "gemma4_unified",
                                                "diffusion_gemma"}


@pytest.mark.parametrize("kind,expected", [
    ("templates", {"chatml", "llama3", "llama2", "mistral", "gemma", "phi3"}),
    ("formats", {"messages", "sharegpt", "alpaca"}),
    ("methods", {"lora", "full", "sft"}),
    ("engines", {"pt"}),
])
def test_list_other_kinds(runner, kind, expected):
    rows = json.loads(invoke(runner, "list", kind, "--json"))
    assert expected <= {r["id"] for r in rows}


def test_unknown_kind_is_a_usage_error(runner):
    result = runner.invoke(cli, ["list", "modles"])
    assert result.exit_code == 2
    assert "'modles' is not a kind" in result.output and "Did you mean 'models'?" in result.output


def test_info_shows_spec_options_requirements(runner):
    data = json.loads(invoke(runner, "info", "model", "qwen/qwen3-8b", "--json"))
    assert data["spec"]["id"] == "qwen3-8b"
    assert data["plugin"]["distribution"] == "swiftkit"
    assert data["requirements"] and all(r["met"] for r in data["requirements"]), data["requirements"]
    lora = json.loads(invoke(runner, "info", "method", "lora", "--json"))
    assert "lora_rank" in lora["options"]["properties"]
    text = invoke(runner, "info", "method", "lora")
    assert "lora_rank" in text and "from plugin lora" in text
    template = invoke(runner, "info", "template", "llama2")
    assert "[INST]" in template  # literal text, not rich markup


def test_plugins_table_and_check(runner):
    rows = json.loads(invoke(runner, "plugins", "--json"))
    builtin = [r for r in rows if r["distribution"] == "swiftkit"]
    assert builtin and all(r["status"] == "ok" for r in builtin), [(r["name"], r["reason"]) for r in builtin if r["status"] != "ok"]
    qwen = next(r for r in rows if r["name"] == "qwen")
    assert qwen["counts"]["model"] >= 20
    out = invoke(runner, "plugins", "check", "qwen")
    assert "0 failed" in out
    checks = json.loads(invoke(runner, "plugins", "check", "builtin-templates", "--json"))
    assert checks and all(c["ok"] for c in checks)


def test_config_schema_composes(runner):
    schema = json.loads(invoke(runner, "config-schema", "--train_type", "lora"))
    props = schema["properties"]
    assert "lora_rank" in props and props["train_type"]["enum"]
    assert "model" in props and "dataset" in props
    assert "lora_rank:" in invoke(runner, "config-schema", "--yaml")


def test_errors_as_the_user_sees_them(run_swift):
    miss = run_swift("info", "model", "qwen2.5-7b-instruc")
    assert miss.returncode == 2
    assert miss.stderr.startswith("error: no model named 'qwen2.5-7b-instruc'; did you mean 'qwen2.5-7b-instruct'")
    typo = run_swift("lsit", "models")
    assert typo.returncode == 2 and "No such command 'lsit'. Did you mean 'list'?" in typo.stderr
    unknown = run_swift("plugins", "check", "no-such-plugin")
    assert unknown.returncode == 2 and "error: no plugin named 'no-such-plugin'" in unknown.stderr


def test_demo_trains_and_answers_match_afterwards(runner, tmp_path):
    out = invoke(runner, "demo", "--output_dir", str(tmp_path / "demo"), "--max_steps", "400")
    assert "Qwen/Qwen2.5-0.5B-Instruct -> qwen2.5-0.5b-instruct" in out
    import re

    found = re.search(r"loss ([\d.]+) -> ([\d.]+) over 400 steps \(full\); answers matching the dataset: "
                      r"before (\d)/8, after (\d)/8", out)
    assert found, out[-2000:]
    first, last, before, after = float(found[1]), float(found[2]), int(found[3]), int(found[4])
    assert last < first / 10 and after >= before + 6
    runs = list((tmp_path / "demo" / "output").iterdir())
    assert len(runs) == 1 and (runs[0] / "loss_curve.png").exists() and (runs[0] / "checkpoint-400").is_dir()
