"""What a plugin author (and their users) read when something is wrong: a missing id names the
plugin that failed to provide it, `plugins check` catches a heavy registration module, a
duplicate names the clashing field as written, a float API version gets its fix, and a reward
function's dataset columns are checked before training."""

from __future__ import annotations

import json
import sys

import pytest

from swiftkit.core.checks import check_plugin
from swiftkit.core.config import build_config
from swiftkit.core.errors import ConfigError, NotFoundError, SwiftkitError
from swiftkit.testing import make_plugin

TUNER = {"id": "toy-tuner", "kind": "tuner", "impl": "swiftkit.core.methods.interface:Tuner"}
SFT = {"id": "toy-sft", "kind": "objective", "command": "sft", "impl": "swiftkit.core.methods.interface:Objective"}
DPO = {"id": "toy-dpo", "kind": "objective", "command": "rlhf", "impl": "swiftkit.core.methods.interface:Objective"}
MISSING = "swiftkit_nowhere_xyz.behaviour:Thing"  # a lazy reference that does not resolve


def record(discovery, name):
    return next(p for p in discovery.plugins if p.name == name)


@pytest.fixture
def toys(swift_plugins):
    swift_plugins.add(make_plugin("toys", swift_register_methods=lambda: [TUNER, SFT, DPO]), dist="toys")
    return swift_plugins


BROKEN_REASON = ("method 'my-tuner': lazy reference impl='swiftkit_nowhere_xyz.behaviour:Thing' does not resolve: "
                 "module 'swiftkit_nowhere_xyz.behaviour' not found")


def test_train_type_of_a_broken_plugin_names_it_and_its_reason(toys):
    toys.add(make_plugin("my_tuner", swift_register_methods=lambda: [{**TUNER, "id": "my-tuner", "impl": MISSING}]),
             dist="swiftkit-my-tuner", version="0.3.0")
    registry = toys.registry()
    assert record(registry.discovery, "my_tuner").reason.startswith("method 'my-tuner': lazy reference")
    with pytest.raises(ConfigError) as err:
        build_config(registry, command="sft", cli_args=["--train_type", "my-tuner"])
    message = str(err.value)
    assert "option 'train_type': 'my-tuner' is not one of toy-tuner" in message
    assert ("(method 'my-tuner' is provided by plugin 'my_tuner' (distribution swiftkit-my-tuner 0.3.0), which "
            "failed to load: method 'my-tuner': lazy reference impl='swiftkit_nowhere_xyz.behaviour:Thing' "
            "does not resolve") in message
    # the same through a registry lookup
    with pytest.raises(NotFoundError, match="method 'my-tuner' is provided by plugin 'my_tuner'"):
        registry.get("method", "My-Tuner")


def test_swift_sft_with_the_train_type_of_a_broken_plugin_prints_it(swift_registry_with, capsys):
    from swiftkit.cli import main

    swift_registry_with(make_plugin("my_tuner", swift_register_methods=lambda: [{**TUNER, "id": "my-tuner", "impl": MISSING}]),
                        dist="swiftkit-my-tuner", version="0.3.0")
    with pytest.raises(SystemExit) as exit_:
        main(["sft", "--model", "qwen2.5-0.5b-instruct", "--dataset", "swift-demo", "--train_type", "my-tuner"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("error: invalid configuration:\n  option 'train_type': 'my-tuner' is not one of ")
    assert ("(method 'my-tuner' is provided by plugin 'my_tuner' (distribution swiftkit-my-tuner 0.3.0), which failed "
            "to load: method 'my-tuner': lazy reference impl=") in err


def test_rlhf_type_of_a_plugin_that_failed_to_import_names_it(toys):
    toys.add("swiftkit_no_such_objective_xyz", name="fancy-dpo", group="swiftkit.methods", dist="swiftkit-fancy")
    registry = toys.registry()
    with pytest.raises(ConfigError) as err:
        build_config(registry, command="rlhf", cli_args=["--rlhf_type", "fancy-dpo"])
    assert ("(plugin 'fancy-dpo' (distribution swiftkit-fancy 0.0.0) failed to load and may provide method "
            "'fancy-dpo': import of 'swiftkit_no_such_objective_xyz' failed: ModuleNotFoundError: No module named "
            "'swiftkit_no_such_objective_xyz')") in str(err.value)


def test_unknown_id_without_broken_plugins_reads_as_before(toys):
    with pytest.raises(ConfigError) as err:
        build_config(toys.registry(), command="sft", cli_args=["--train_type", "toy-tunr"])
    assert str(err.value).endswith("option 'train_type': 'toy-tunr' is not one of toy-tuner; did you mean 'toy-tuner'?")


def test_reward_funcs_of_a_broken_plugin_names_it(swift_plugins):
    from swiftkit.train.rewards import load_reward_functions

    swift_plugins.add(make_plugin("judge", swift_register_rewards=lambda: [{"id": "judge", "impl": MISSING}]),
                      dist="swiftkit-judge")
    with pytest.raises(SwiftkitError) as err:
        load_reward_functions(["judge"], swift_plugins.registry())
    assert str(err.value).startswith(
        "no reward named 'judge' (reward 'judge' is provided by plugin 'judge' (distribution swiftkit-judge 0.0.0), "
        "which failed to load: reward 'judge': lazy reference impl=")


def test_dataset_whose_format_plugin_is_broken_names_it(swift_plugins, tmp_path):
    from swiftkit.data.rows import read_conversations

    fmt = {"id": "qa-pairs", "columns": ["q", "a"], "converter": MISSING}
    swift_plugins.add(make_plugin("qa_format", swift_register_formats=lambda: [fmt]), dist="swiftkit-qa",
                      group="swiftkit.datasets")
    data = tmp_path / "pairs.jsonl"
    data.write_text(json.dumps({"q": "2+2?", "a": "4"}) + "\n")
    registry = swift_plugins.registry()
    with pytest.raises(SwiftkitError) as err:
        read_conversations([str(data)], registry=registry)
    assert "cannot tell the format from its columns ['a', 'q']" in str(err.value)
    assert ("a format is provided by plugin 'qa_format' (distribution swiftkit-qa 0.0.0), which failed to load: "
            "format 'qa-pairs': lazy reference converter=") in str(err.value)


# ------------------------------------------------------------------ plugins check: heavy imports


def test_plugins_check_reports_a_registration_module_importing_a_heavy_library(swift_plugins, tmp_path, monkeypatch):
    (tmp_path / "heavy_reg_plugin.py").write_text(
        "import json  # light\nimport datasets  # heavy: belongs in the behaviour module\n"
        "from swiftkit.core import hookimpl\nSWIFTKIT_PLUGIN_API = '1.0'\n\n"
        "@hookimpl\ndef swift_register_rewards():\n    return []\n"
    )
    (tmp_path / "light_reg_plugin.py").write_text(
        "from swiftkit.core import hookimpl\nSWIFTKIT_PLUGIN_API = '1.0'\n\n"
        "@hookimpl\ndef swift_register_rewards():\n    return []\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}:{':'.join(sys.path)}")
    swift_plugins.add("heavy_reg_plugin", name="heavy")
    swift_plugins.add("light_reg_plugin", name="light")
    discovery = swift_plugins.discover()
    heavy = {(r.subject, r.check): r for r in check_plugin("heavy", discovery)}
    result = heavy[("module 'heavy_reg_plugin'", "imports light")]
    assert not result.ok
    assert result.detail.startswith("registration imports datasets")
    light = {(r.subject, r.check): r for r in check_plugin("light", discovery)}
    assert light[("module 'light_reg_plugin'", "imports light")].ok


def test_plugins_check_cli_fails_on_a_heavy_registration_module(run_swift, tmp_path):
    """The same through `swift plugins check NAME` on an installed-like entry point."""
    pkg = tmp_path / "site"
    (pkg / "heavy_cli_plugin-0.1.dist-info").mkdir(parents=True)
    (pkg / "heavy_cli_plugin.py").write_text(
        "import torch\nfrom swiftkit.core import hookimpl\nSWIFTKIT_PLUGIN_API = '1.0'\n\n"
        "@hookimpl\ndef swift_register_rewards():\n    return []\n"
    )
    (pkg / "heavy_cli_plugin-0.1.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: heavy-cli-plugin\nVersion: 0.1\n")
    (pkg / "heavy_cli_plugin-0.1.dist-info" / "entry_points.txt").write_text("[swiftkit.rewards]\nheavy-cli = heavy_cli_plugin\n")
    result = run_swift("plugins", "check", "heavy-cli", "--json", env={"PYTHONPATH": f"{pkg}:{':'.join(sys.path)}"}, timeout=300)
    assert result.returncode == 1, result.stderr
    rows = json.loads(result.stdout)
    light = next(r for r in rows if r["check"] == "imports light")
    assert not light["ok"] and light["detail"].startswith("registration imports torch")


# ------------------------------------------------------------------ duplicates and the API version


def model(id: str, **over):
    return {"id": id, "family": "testfam", "architecture": "LlamaForCausalLM", "hf_model_type": "llama",
            "template": "chatml", **over}


def test_duplicate_hub_id_names_the_field_and_both_specs_as_written(swift_plugins):
    swift_plugins.add(make_plugin("qwen_plugin", swift_register_models=lambda: [model("qwen2.5-7b", hf_id="Qwen/Qwen2.5-7B")]),
                      dist="dist-x", version="1.0")
    swift_plugins.add(make_plugin("mine", swift_register_models=lambda: [model("my-qwen", hf_id="qwen/qwen2.5-7b")]),
                      dist="dist-y", version="2.0")
    assert record(swift_plugins.discover(), "mine").reason == (
        "duplicate model name: hf_id 'qwen/qwen2.5-7b' of model 'my-qwen' clashes with hf_id 'Qwen/Qwen2.5-7B' of "
        "model 'qwen2.5-7b', registered by plugin 'qwen_plugin' (distribution dist-x 1.0) (names match ignoring case); "
        "this is plugin 'mine' (distribution dist-y 2.0)"
    )


def test_alias_clashing_with_another_id_names_the_alias(swift_plugins):
    swift_plugins.add(make_plugin("first", swift_register_models=lambda: [model("llama-3-8b")]), dist="dist-a")
    swift_plugins.add(make_plugin("second", swift_register_models=lambda: [model("my-llama", aliases=["llama-3-8b"])]),
                      dist="dist-b")
    assert record(swift_plugins.discover(), "second").reason == (
        "duplicate model name: alias 'llama-3-8b' of model 'my-llama' clashes with model 'llama-3-8b', registered by "
        "plugin 'first' (distribution dist-a 0.0.0); this is plugin 'second' (distribution dist-b 0.0.0)"
    )


def test_two_specs_of_one_plugin_clashing_are_named(swift_plugins):
    swift_plugins.add(make_plugin("twice", swift_register_models=lambda: [model("a", aliases=["Bee"]), model("bee")]))
    assert record(swift_plugins.discover(), "twice").reason == (
        "duplicate model name: model 'bee' clashes with alias 'Bee' of model 'a', also in plugin 'twice' "
        "(distribution test-plugin 0.0.0) (names match ignoring case)"
    )


@pytest.mark.parametrize(("api", "fix"), [(1.0, '"1.0"'), (1, '"1.0"')])
def test_api_version_written_as_a_number_is_rejected_with_the_fix(swift_plugins, api, fix):
    swift_plugins.add(make_plugin("numeric", api=api, swift_register_models=lambda: [model("m")]))
    rec = record(swift_plugins.discover(), "numeric")
    assert rec.status == "error"
    assert rec.reason == f"SWIFTKIT_PLUGIN_API = {api!r} is a {type(api).__name__}; write it as the string {fix}"


# ------------------------------------------------------------------ reward columns


def test_reward_columns_are_checked_against_the_rows():
    from swiftkit.core.registry import get_registry
    from swiftkit.train.rewards import check_reward_columns, load_reward_functions, reward_columns

    def needs_hint(completions, hint, **kwargs):
        return [0.0] * len(completions)

    sys.modules[__name__].needs_hint = needs_hint
    functions = load_reward_functions(["accuracy", "contains", f"{__name__}:needs_hint"], get_registry(refresh=True),
                                      {"contains_text": "7"})
    assert reward_columns(functions) == {"accuracy": ["solution"], "contains": [], f"{__name__}:needs_hint": ["hint"]}
    check_reward_columns(functions, {"messages": [[]], "solution": ["4"], "hint": ["x"]}, "data.jsonl")
    with pytest.raises(SwiftkitError) as err:
        check_reward_columns(functions, {"messages": [[], []], "solution": [None, ""], "_src": [0, 0]}, "data.jsonl")
    assert str(err.value) == (
        "reward function 'accuracy' needs column 'solution', which is empty in every row of dataset data.jsonl; "
        f"reward function '{__name__}:needs_hint' needs column 'hint', which dataset data.jsonl does not have "
        "(its columns: messages, solution)"
    )


def test_reward_spec_declares_its_columns():
    from swiftkit.core.specs import RewardSpec

    spec = RewardSpec.from_dict({**RewardSpec.defaults(), "id": "judge", "impl": "m:f", "columns": ["solution"]})
    assert spec.columns == ["solution"] and spec.to_dict()["columns"] == ["solution"]
