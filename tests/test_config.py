"""Run configuration: composed from the core and the chosen plugins, validated with errors
that name the key, the allowed values and the nearest valid name."""

from __future__ import annotations

import pytest

from swiftkit.core.config import build_config, compose_schema, load_config_file, parse_cli_args, validate
from swiftkit.core.errors import ConfigError
from swiftkit.testing import make_plugin

TUNER = {
    "id": "toy-lora",
    "kind": "tuner",
    "impl": "swiftkit.core.methods.interface:Tuner",
    "options": {
        "type": "object",
        "properties": {
            "toy_rank": {"type": "integer", "minimum": 1, "default": 8},
            "toy_targets": {"type": "array", "items": {"type": "string"}, "default": ["all-linear"]},
            "toy_init": {"enum": ["gaussian", "pissa", "olora"], "default": "gaussian"},
        },
    },
}
OBJECTIVE = {"id": "toy-sft", "kind": "objective", "command": "sft", "impl": "swiftkit.core.methods.interface:Objective"}
OTHER = {**TUNER, "id": "toy-full", "options": {"type": "object", "properties": {"toy_freeze": {"type": "boolean"}}}}


@pytest.fixture
def registry(swift_plugins):
    swift_plugins.add(make_plugin("toys", swift_register_methods=lambda: [TUNER, OBJECTIVE, OTHER]))
    return swift_plugins.registry()


def test_schema_composes_only_chosen_plugins(registry):
    schema = compose_schema(registry, selected={"method": ["toy-lora"]})
    props = schema["properties"]
    assert props["toy_rank"]["x-swiftkit-plugin"] == "method:toy-lora"
    assert "toy_freeze" not in props
    assert props["train_type"]["enum"] == ["toy-full", "toy-lora"]
    everything = compose_schema(registry)
    assert {"toy_rank", "toy_freeze", "model", "dataset"} <= set(everything["properties"])


def test_valid_config_gets_plugin_defaults(registry):
    config = build_config(registry, command="sft", cli_args=["--model", "m", "--train_type", "toy-lora", "--toy-rank", "16"])
    assert config["toy_rank"] == 16
    assert config["toy_targets"] == ["all-linear"]
    assert config["toy_init"] == "gaussian"


def test_unknown_key_names_nearest(registry):
    with pytest.raises(ConfigError) as info:
        build_config(registry, command="sft", cli_args=["--train_type", "toy-lora", "--toy_rnak", "4"])
    assert "unknown option 'toy_rnak'; did you mean 'toy_rank'?" in str(info.value)


def test_bad_enum_names_allowed_values_and_nearest(registry):
    with pytest.raises(ConfigError) as info:
        build_config(registry, command="sft", cli_args=["--train_type", "toy-lroa"])
    assert "option 'train_type': 'toy-lroa' is not one of toy-full, toy-lora; did you mean 'toy-lora'?" in str(info.value)
    with pytest.raises(ConfigError) as info:
        build_config(registry, command="sft", cli_args=["--train_type", "toy-lora", "--toy_init", "pisa"])
    assert "option 'toy_init': 'pisa' is not one of gaussian, pissa, olora; did you mean 'pissa'? (defined by method:toy-lora)" in str(info.value)


def test_type_and_bound_errors_are_all_reported(registry):
    with pytest.raises(ConfigError) as info:
        build_config(registry, command="sft", cli_args=["--train_type", "toy-lora", "--toy_rank", "0", "--max_length", "abc"])
    message = str(info.value)
    assert "option 'max_length': 'abc' is not of type 'integer'" in message
    assert "option 'toy_rank': 0 is less than the minimum of 1 (defined by method:toy-lora)" in message


def test_option_of_unchosen_plugin_is_named(registry):
    with pytest.raises(ConfigError, match=r"option\(s\) 'toy_freeze' \(method:toy-full\) belong to plugins this run does not use"):
        build_config(registry, command="sft", cli_args=["--train_type", "toy-lora", "--toy_freeze"])


def test_yaml_file_then_cli_override(registry, tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text("model: m\ntrain-type: toy-lora\ntoy_rank: 4\ndataset: [a.jsonl, b.jsonl#100]\n")
    config = build_config(registry, command="sft", config_file=str(path), cli_args=["--toy_rank", "32"])
    assert config["toy_rank"] == 32 and config["dataset"] == ["a.jsonl", "b.jsonl#100"]


def test_bad_files_are_named(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n")
    with pytest.raises(ConfigError, match=r"config file .*bad.yaml is not valid YAML"):
        load_config_file(str(bad))
    listy = tmp_path / "list.json"
    listy.write_text("[1, 2]")
    with pytest.raises(ConfigError, match=r"config file .*list.json must hold a mapping of options, not list"):
        load_config_file(str(listy))
    with pytest.raises(ConfigError, match=r"cannot read config file .*missing.yaml"):
        load_config_file(str(tmp_path / "missing.yaml"))


def test_cli_parsing_types():
    schema = {"properties": {
        "dataset": {"type": "array", "items": {"type": "string"}},
        "packing": {"type": "boolean"},
        "learning_rate": {"type": "number"},
        "max_steps": {"type": "integer"},
    }}
    parsed = parse_cli_args(["--dataset", "a", "b#5", "--packing", "--learning-rate=1e-4", "--max_steps", "-1"], schema)
    assert parsed == {"dataset": ["a", "b#5"], "packing": True, "learning_rate": 1e-4, "max_steps": -1}
    with pytest.raises(ConfigError, match="option --max_steps takes one value, got 2"):
        parse_cli_args(["--max_steps", "1", "2"], schema)
    with pytest.raises(ConfigError, match="unexpected argument 'oops'"):
        parse_cli_args(["oops"], schema)


def test_cli_parsing_types_nullable_options():
    schema = {"properties": {
        "share": {"type": ["number", "null"]},
        "cap": {"type": ["integer", "null"], "minimum": 1},
        "lora": {"type": ["boolean", "null"]},
        "device": {"type": ["string", "null"]},
    }}
    parsed = parse_cli_args(["--share", "0.5", "--cap", "50", "--lora", "--device", "cpu"], schema)
    assert parsed == {"share": 0.5, "cap": 50, "lora": True, "device": "cpu"}
    assert parse_cli_args(["--cap", "none", "--lora", "false"], schema) == {"cap": None, "lora": False}
    with pytest.raises(ConfigError, match="option --cap needs a value"):
        parse_cli_args(["--cap"], schema)


def test_validate_fills_core_defaults_only_when_declared():
    schema = {"type": "object", "properties": {"a": {"type": "integer", "default": 3}}}
    assert validate({}, schema) == {"a": 3}


def test_command_implies_its_only_objective(swift_plugins):
    objective = {**OBJECTIVE, "options": {"type": "object", "properties": {"toy_scale": {"enum": ["default", "last_round"]}}}}
    swift_plugins.add(make_plugin("toys", swift_register_methods=lambda: [TUNER, objective]))
    registry = swift_plugins.registry()
    config = build_config(registry, command="sft", cli_args=["--train_type", "toy-lora", "--toy_scale", "last_round"])
    assert config["toy_scale"] == "last_round"
    with pytest.raises(ConfigError, match="belong to plugins this run does not use"):
        build_config(registry, command="pt", cli_args=["--train_type", "toy-lora", "--toy_scale", "last_round"])


def test_builtin_lora_and_sft_compose():
    from swiftkit.core.registry import get_registry

    config = build_config(get_registry(refresh=True), command="sft",
                          cli_args=["--model", "qwen2.5-0.5b-instruct", "--train_type", "lora", "--lora_rank", "16",
                                    "--target_modules", "q_proj", "v_proj", "--loss_scale", "last_round"])
    assert config["lora_rank"] == 16 and config["target_modules"] == ["q_proj", "v_proj"]
    assert config["loss_scale"] == "last_round" and config["lora_alpha"] == 32
