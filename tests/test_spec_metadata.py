"""What `swift recommend`, `--auto`, the memory estimator and `swift sft`'s strategy flags know
about tuners and strategies comes from the plugins' specs (``MethodSpec.trains`` /
``recommend`` / ``default_learning_rate``, ``StrategySpec.presets``): the built-ins declare it,
and a third-party strategy or tuner declared the same way is handled like them with no core
edit. (The third-party tuner through the real CLI: examples/swiftkit-example-plugin/tests.)"""

from __future__ import annotations

import sys

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core import MethodSpec, StrategySpec
from swiftkit.core.config import build_config
from swiftkit.core.errors import SwiftkitError
from swiftkit.core.registry import get_registry
from swiftkit.resources.estimate import estimate_memory
from swiftkit.resources.profiles import (
    configured_strategy,
    search_strategies,
    search_tuners,
    strategy_profile,
    tuner_profile,
)
from swiftkit.resources.recommend import Hardware, auto_overrides, recommend
from swiftkit.resources.shape import shape_of_model
from swiftkit.testing import make_plugin

PIPE_MODULE = '''
from swiftkit.core.parallel.interface import Strategy

class PipeStrategy(Strategy):
    """A fixture strategy: splits the layers over --pipe_stages processes (nothing to run here)."""

    def trainer_args(self, env, run_config):
        return {}

    def memory_preset(self, run_config):
        # 4 stages or more are run with their parameters sharded
        return "pipe_sharded" if int(run_config.get("pipe_stages") or 0) >= 4 else None
'''


@pytest.fixture
def pipe_module(tmp_path, monkeypatch):
    (tmp_path / "swiftkit_pipe_strategy.py").write_text(PIPE_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "swiftkit_pipe_strategy"
    sys.modules.pop("swiftkit_pipe_strategy", None)


def _pipe_spec(module: str) -> StrategySpec:
    return StrategySpec(
        id="pipe",
        description="Fixture pipeline strategy.",
        options={"type": "object", "properties": {
            "pipe_stages": {"type": "integer", "minimum": 1, "default": 1, "description": "Pipeline stages."}}},
        launcher="torchrun",
        selected_by=["pipe_stages"],
        presets={
            "pipe2": {"shards": "gradients", "memory_model": "zero", "select": {"pipe_stages": 2}, "order": 25},
            "pipe_sharded": {"shards": "parameters", "memory_model": "zero", "select": {"pipe_stages": 8}},
        },
        default_preset="pipe2",
        impl=f"{module}:PipeStrategy",
    )


# ---------------------------------------------------------------- the built-ins declare it


def test_builtin_search_order_comes_from_the_specs():
    reg = get_registry()
    assert search_tuners(reg)[:3] == ("full", "lora", "qlora")
    assert search_strategies(reg, devices=1) == ["none"]
    assert search_strategies(reg, devices=8)[:5] == ["ddp", "zero2", "zero3", "fsdp", "zero3_offload"]
    assert tuner_profile("qlora").option("bits") == "quant_bits" and tuner_profile("lora").rank_option == "lora_rank"
    assert strategy_profile("zero3").select == {"deepspeed": "zero3"} and strategy_profile("ddp").select == {}
    assert strategy_profile("deepspeed").name == "zero2"  # the strategy's default_preset
    assert reg.get("method", "full").spec.default_learning_rate == 1e-5
    assert reg.get("method", "lora").spec.default_learning_rate is None  # the core's 1e-4
    with pytest.raises(SwiftkitError, match="declares no memory presets"):
        strategy_profile("tp")


def test_tuner_without_metadata_is_estimated_like_lora_with_a_note():
    """API 1.0 tuners (no ``trains``) keep registering and are estimated as before."""
    shape, _ = shape_of_model("qwen2.5-7b-instruct")
    ia3, lora = estimate_memory(shape, tuner="ia3"), estimate_memory(shape, tuner="lora")
    assert ia3.total == lora.total and any("declares no `trains`" in n for n in ia3.notes)
    with pytest.raises(SwiftkitError, match="unknown tuner 'nope'"):
        estimate_memory(shape, tuner="nope")


# ---------------------------------------------------------------- a third-party strategy


def test_third_party_strategy_flag_is_accepted_by_sft_and_known_to_auto(swift_registry_with, pipe_module):
    reg = swift_registry_with(make_plugin("pipe_plugin", swift_register_strategies=lambda: [_pipe_spec(pipe_module)]))

    # swift sft: the strategy's own flag is parsed, validated and selects it (train_cmd's parsing)
    config = build_config(reg, command="sft", cli_args=["--model", "qwen2.5-0.5b-instruct", "--dataset", "rows.jsonl",
                                                        "--pipe-stages", "2"])
    assert config["strategy"] == "pipe" and config["pipe_stages"] == 2
    help_text = CliRunner().invoke(cli, ["sft", "--help"], catch_exceptions=False).output
    assert "  --pipe_stages " in help_text and "Pipeline stages." in help_text

    # the memory estimate and --auto: the preset its options amount to
    assert configured_strategy({"pipe_stages": 2}, reg).name == "pipe2"  # select matches
    assert configured_strategy({"pipe_stages": 4}, reg).name == "pipe_sharded"  # its memory_preset
    assert configured_strategy({"pipe_stages": 3}, reg).name == "pipe2"  # its default_preset
    shape, _ = shape_of_model("qwen2.5-7b-instruct", reg)
    pipe2 = estimate_memory(shape, tuner="full", strategy="pipe2", world_size=8, registry=reg)
    zero2 = estimate_memory(shape, tuner="full", strategy="zero2", world_size=8, registry=reg)
    assert pipe2.total == zero2.total  # the same memory model and sharding
    out = auto_overrides({"model": "qwen2.5-7b-instruct", "pipe_stages": 8}, reg, hardware=Hardware(8, 80))
    assert not {"strategy", "pipe_stages", "deepspeed", "fsdp"} & set(out)  # the user's strategy stands
    assert out["nproc_per_node"] == 8 and out["train_type"] == "full"

    # swift recommend: its presets with an order join the search; its select keys are printed
    assert search_strategies(reg, devices=8)[:3] == ["ddp", "zero2", "pipe2"]
    rec = recommend(shape, Hardware(8, 80), strategies=("pipe",))
    assert rec.candidate.strategy == "pipe2" and rec.candidate.overrides()["pipe_stages"] == 2
    config = build_config(reg, command="sft", cli_args=["--model", "qwen2.5-7b-instruct", "--dataset", "rows.jsonl",
                                                        *rec.candidate.sft_flags(2048)])
    assert config["strategy"] == "pipe"


def test_malformed_metadata_names_the_plugin(swift_plugins, swift_registry_with):
    bad = {"id": "halfway", "kind": "tuner", "trains": {"weights": "some"}, "impl": "swiftkit.core.methods.interface:Tuner"}
    swift_plugins.add(make_plugin("bad_trains", swift_register_methods=lambda: [bad]))
    (record,) = swift_plugins.discover().plugins
    assert record.status != "ok" and "trains" in record.reason

    quantized_full = MethodSpec(id="qfull", kind="tuner", trains={"weights": "all", "quantized": {"bits_option": "quant_bits"}},
                                impl="swiftkit.core.methods.interface:Tuner")
    reg = swift_registry_with(make_plugin("qfull_plugin", swift_register_methods=lambda: [quantized_full]), dist="qfull-dist")
    with pytest.raises(SwiftkitError, match=r"tuner 'qfull' \(.*qfull-dist.*\): trains.quantized needs weights 'adapters'"):
        tuner_profile("qfull", reg)
