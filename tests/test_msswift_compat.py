"""ms-swift 4 compatibility: the generated table of its parameters is current, no parameter owned by
the base-flags work is missing, and the alias / refusal mechanics behave on the command line and in
config files."""

from __future__ import annotations

import os

import pytest

from swiftkit.cli.compat_table import compat_markdown, compat_rows, counts, read_parameters
from swiftkit.core.config import build_config, compose_schema
from swiftkit.core.errors import ConfigError
from swiftkit.core.registry import get_registry
from swiftkit.testing import make_plugin

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV = "tests/data/catalogue/msswift-cli-parameters.csv"
PAGE = os.path.join(ROOT, "docs", "ms-swift-compat.md")

@pytest.fixture(scope="module")
def rows():
    props = compose_schema(get_registry())["properties"]
    return compat_rows(props, read_parameters(os.path.join(ROOT, CSV)))


def test_committed_table_is_current():
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        page = compat_markdown(get_registry(), CSV)
    finally:
        os.chdir(cwd)
    with open(PAGE, encoding="utf-8") as fh:
        committed = fh.read()
    assert page == committed, ("docs/ms-swift-compat.md is out of date: regenerate it with\n  swift config-schema "
                               f"--ms-swift-compat {CSV} > docs/ms-swift-compat.md")


def test_no_msswift_flag_is_missing(rows):
    missing = sorted({r.parameter for r in rows if r.status == "missing"})
    assert not missing, f"ms-swift parameters nobody accepts, renames or refuses: {missing}"
    tally = counts(rows)
    assert sum(tally.values()) == 462
    assert tally["refused"] > 0 and tally["alias"] >= 1


def test_every_refusal_says_why(rows):
    for row in rows:
        if row.status == "refused":
            assert len(row.note) > 25 and row.plugin, row
        if row.status == "alias":
            assert row.target and row.note, row


# ----------------------------------------------------------------------- aliases and refusals

_REQUIRED = ["--model", "m", "--dataset", "d.jsonl"]


def test_renamed_flag_works_in_both_spellings_on_the_command_line():
    registry = get_registry()
    for spelling in ("--tuner_type", "--tuner-type", "--train_type", "--tuner_type=full"):
        args = [spelling] if "=" in spelling else [spelling, "full"]
        config = build_config(registry, command="sft", cli_args=_REQUIRED + args)
        assert config["train_type"] == "full" and "tuner_type" not in config


def test_renamed_flag_works_in_a_config_file(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("model: m\ndataset: [d.jsonl]\ntuner-type: full\n")
    config = build_config(get_registry(), command="sft", config_file=str(path))
    assert config["train_type"] == "full" and "tuner_type" not in config
    # the command line still overrides the file, in either spelling
    config = build_config(get_registry(), command="sft", config_file=str(path), cli_args=["--train_type", "lora"])
    assert config["train_type"] == "lora"


def test_both_spellings_with_different_values_are_an_error(tmp_path):
    registry = get_registry()
    with pytest.raises(ConfigError, match=r"--tuner_type \('full'\) and --train_type \('lora'\)"):
        build_config(registry, command="sft", cli_args=_REQUIRED + ["--tuner_type", "full", "--train_type", "lora"])
    path = tmp_path / "run.yaml"
    path.write_text("model: m\ntuner_type: full\ntrain_type: lora\n")
    with pytest.raises(ConfigError, match="run.yaml"):
        build_config(registry, command="sft", config_file=str(path))
    # the same value twice is no conflict
    config = build_config(registry, command="sft", cli_args=_REQUIRED + ["--tuner_type", "full", "--train_type", "full"])
    assert config["train_type"] == "full"


def test_refused_flag_names_reason_and_plugin_on_the_command_line_and_in_a_file(tmp_path):
    registry = get_registry()
    reason = compose_schema(registry)["properties"]["enable_npu_model_patch"]["x-swiftkit-refused"]
    with pytest.raises(ConfigError) as info:
        build_config(registry, command="sft", cli_args=_REQUIRED + ["--enable_npu_model_patch", "true"])
    message = str(info.value)
    assert "'enable_npu_model_patch' is not supported" in message and reason in message
    assert "options:ms-swift-compat" in message and "NPU" in message
    path = tmp_path / "run.yaml"
    path.write_text("model: m\nuse-ray: true\n")
    with pytest.raises(ConfigError, match=r"'use_ray' is not supported: .*Ray.* \(refused by options:ms-swift-compat\)"):
        build_config(registry, command="sft", config_file=str(path))


def test_a_refusal_yields_to_a_plugin_that_defines_the_option(swift_registry_with):
    options = {"id": "npu-patches", "options": {"type": "object", "properties": {
        "enable_npu_model_patch": {"type": "boolean", "description": "Patch models for Ascend NPUs."}}}}
    registry = swift_registry_with(make_plugin("npu_plugin", api="1.3", swift_register_options=lambda: [options]))
    props = compose_schema(registry)["properties"]
    assert "x-swiftkit-refused" not in props["enable_npu_model_patch"]
    assert props["enable_npu_model_patch"]["x-swiftkit-plugin"] == "options:npu-patches"
    config = build_config(registry, command="sft", cli_args=_REQUIRED + ["--enable_npu_model_patch", "true"])
    assert config["enable_npu_model_patch"] is True


def test_init_weights_is_the_lora_initialisation():
    config = build_config(get_registry(), command="sft", cli_args=_REQUIRED + ["--init_weights", "pissa"])
    assert config["init_lora_weights"] == "pissa" and "init_weights" not in config


def test_the_cli_prints_the_table_and_refuses_with_the_reason(tmp_path):
    from click.testing import CliRunner

    from swiftkit.cli import cli

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        printed = CliRunner().invoke(cli, ["config-schema", "--ms-swift-compat", CSV])
    finally:
        os.chdir(cwd)
    assert printed.exit_code == 0, printed.output
    with open(PAGE, encoding="utf-8") as fh:
        assert printed.output == fh.read()
    # (--freeze_vit was the example until issue 14 implemented it; a flag still refused for the same reason)
    refused = CliRunner().invoke(cli, ["sft", "--model", "m", "--dataset", "d.jsonl", "--vit_gradient_checkpointing",
                                       "true", "--output_dir", str(tmp_path / "never")])
    message = refused.output + str(refused.exception)
    assert refused.exit_code != 0 and "'vit_gradient_checkpointing' is not supported" in message
    assert "vision tower" in message and "options:ms-swift-compat" in message
    assert not (tmp_path / "never").exists()  # refused before a run folder was made


def test_an_alias_yields_to_the_chosen_plugins_option_of_the_same_name():
    # --init_weights is Bone/MiSS's own option and, for every other tuner, LoRA's init_lora_weights
    bone = build_config(get_registry(), command="sft", cli_args=_REQUIRED + ["--train_type", "bone", "--init_weights", "bat"])
    assert bone["init_weights"] == "bat" and bone.get("init_lora_weights") is None
    lora = build_config(get_registry(), command="sft", cli_args=_REQUIRED + ["--tuner_type", "lora", "--init_weights", "pissa"])
    assert lora["init_lora_weights"] == "pissa" and "init_weights" not in lora
