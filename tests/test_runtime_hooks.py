"""Runtime hooks, called through the pluggy plugin manager by the run commands: a plugin in
any group adjusts the run config, adds Trainer callbacks, observes checkpoints once they are in
place and adds server routes; a hook that raises or misbehaves is reported naming its plugin."""

from __future__ import annotations

import json
import os
import sys
import textwrap
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from swiftkit.core import hookimpl
from swiftkit.core.engines.interface import InferEngine
from swiftkit.core.errors import PluginHookError
from swiftkit.core.plugins import Discovery, plugin_manager
from swiftkit.core.registry import Registry, get_registry
from swiftkit.core.specs import EngineSpec
from swiftkit.testing import make_plugin


def _registry(harness, *plugins, dist="test-plugin"):
    for p in plugins:
        harness.add(p, dist=dist, version="1.2")
    return harness.registry()


# ----------------------------------------------------------------------------- discovery and the manager


def test_discovery_records_runtime_hooks_without_calling_them(swift_plugins):
    calls = []
    plugin = make_plugin("observer", swift_config_adjust=lambda config, command: calls.append(command),
                         swift_checkpoint_saved=lambda checkpoint_dir, step: calls.append(step))
    (record,) = _registry(swift_plugins, plugin).plugins
    assert record.ok, record.reason
    assert record.hooks == ["swift_checkpoint_saved", "swift_config_adjust"]
    assert calls == []  # discovery only checks them


def test_runtime_hook_with_an_argument_the_spec_lacks_makes_the_plugin_broken(swift_plugins):
    plugin = make_plugin("typo", swift_checkpoint_saved=lambda checkpoint_folder: None)
    (record,) = _registry(swift_plugins, plugin).plugins
    assert record.status == "error"
    assert "swift_checkpoint_saved" in record.reason and "checkpoint_folder" in record.reason


def test_warm_manager_imports_only_plugins_with_runtime_hooks(swift_plugins, tmp_path, monkeypatch):
    (tmp_path / "hooked_plugin.py").write_text(textwrap.dedent("""
        from swiftkit.core import hookimpl

        class Hooks:
            SWIFTKIT_PLUGIN_API = "1.0"

            @hookimpl
            def swift_config_adjust(self, config, command):
                config["seen_by"] = command

        hooks = Hooks()
    """))
    (tmp_path / "specs_only_plugin.py").write_text('SWIFTKIT_PLUGIN_API = "1.0"\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    swift_plugins.add("hooked_plugin:hooks", name="hooked")
    swift_plugins.add("specs_only_plugin", name="specs-only")
    cold = swift_plugins.discover()
    assert [(r.name, r.ok, r.hooks) for r in cold.plugins] == [("hooked", True, ["swift_config_adjust"]),
                                                               ("specs-only", True, [])]
    warm = Discovery.from_json(json.loads(json.dumps(cold.to_json())))  # what the index gives back
    for name in ("hooked_plugin", "specs_only_plugin"):
        monkeypatch.delitem(sys.modules, name)
    pm = plugin_manager(warm)
    assert "specs_only_plugin" not in sys.modules
    assert [name for name, _ in pm.list_name_plugin()] == ["test-plugin:hooked"]
    config = {}
    pm.hook.swift_config_adjust(config=config, command="sft")  # the entry point's attribute, not the module
    assert config == {"seen_by": "sft"}


def test_manager_is_built_once_per_registry(swift_plugins):
    registry = _registry(swift_plugins, make_plugin("p", swift_config_adjust=lambda config: None))
    assert registry.plugin_manager() is registry.plugin_manager()


# ----------------------------------------------------------------------------- errors name the plugin


def _boom(config, command):
    raise RuntimeError("no GPU budget left")


def test_raising_hook_names_its_plugin_among_several(swift_plugins):
    from swiftkit.core.hookcall import call_hook

    registry = _registry(swift_plugins, make_plugin("quiet", swift_config_adjust=lambda config: None),
                         make_plugin("grumpy", swift_config_adjust=_boom),
                         make_plugin("late", swift_config_adjust=lambda command: None))
    with pytest.raises(PluginHookError) as info:
        call_hook(registry, "swift_config_adjust", config={}, command="sft")
    assert str(info.value) == ("plugin 'grumpy': swift_config_adjust: raised RuntimeError: no GPU budget left "
                               "[distribution test-plugin 1.2]")
    assert isinstance(info.value.__cause__, RuntimeError)


def test_swift_sft_reports_a_raising_config_hook_by_plugin(swift_registry_with, capsys):
    from swiftkit.cli import main

    swift_registry_with(make_plugin("grumpy", swift_config_adjust=_boom), dist="swiftkit-grumpy", version="0.1")
    with pytest.raises(SystemExit) as exit_info:
        main(["sft", "--model", "qwen2.5-0.5b-instruct", "--dataset", "alpaca-zh#10"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "error: plugin 'grumpy': swift_config_adjust: raised RuntimeError: no GPU budget left" in err
    assert "[distribution swiftkit-grumpy 0.1]" in err and "Traceback" not in err


def test_adjusted_config_is_validated_again(swift_plugins):
    from swiftkit.cli.run_args import adjust_config
    from swiftkit.core.config import build_config

    def typo(config):
        config["lora_rnak"] = 4

    def returns(config):
        return {**config, "lora_rank": 4}

    base = _registry(swift_plugins)
    config = build_config(get_registry(), command="sft", cli_args=["--model", "m", "--dataset", "d"])
    for hook, words in ((typo, "the adjusted configuration is invalid"), (returns, "returned dict")):
        harness = type(swift_plugins)(include_installed=True)
        registry = _registry(harness, make_plugin(hook.__name__, swift_config_adjust=hook))
        with pytest.raises(PluginHookError, match=f"plugin '{hook.__name__}': swift_config_adjust: {words}"):
            adjust_config(registry, "sft", config)
    assert adjust_config(base, "sft", config) is config  # nobody implements it: untouched


def test_adjustment_may_switch_plugins(swift_plugins):
    from swiftkit.cli.run_args import adjust_config
    from swiftkit.core.config import build_config

    def full(config, command):
        config["train_type"] = "full"

    harness = type(swift_plugins)(include_installed=True)
    registry = _registry(harness, make_plugin("to_full", swift_config_adjust=full))
    config = build_config(registry, command="sft", cli_args=["--model", "m", "--dataset", "d", "--lora_rank", "4"])
    assert config["lora_rank"] == 4
    with pytest.raises(PluginHookError, match="'lora_rank' \\(method:[a-z]*lora[a-z]*\\) belong to plugins this run does not use"):
        adjust_config(registry, "sft", config)  # the user's own lora option no longer applies: said so
    config = build_config(registry, command="sft", cli_args=["--model", "m", "--dataset", "d"])
    adjusted = adjust_config(registry, "sft", config)  # lora's defaults are dropped, full's filled in
    assert adjusted["train_type"] == "full" and "lora_rank" not in adjusted


def test_bad_callback_and_raising_checkpoint_hook_name_their_plugin(swift_plugins, tmp_path):
    from swiftkit.train.plugin_hooks import CheckpointSaved, plugin_callbacks

    def upload(checkpoint_dir, step):
        raise OSError(f"bucket unreachable for step {step}")

    registry = _registry(swift_plugins, make_plugin("cb", swift_trainer_callbacks=lambda run_dir: ["not a callback"]),
                         make_plugin("uploader", swift_checkpoint_saved=upload))
    with pytest.raises(PluginHookError, match="plugin 'cb': swift_trainer_callbacks: returned 'not a callback', which is "
                                              "not a transformers.TrainerCallback"):
        plugin_callbacks({}, str(tmp_path), registry)
    (tmp_path / "checkpoint-3").mkdir()
    observer = CheckpointSaved({}, registry)
    args = SimpleNamespace(output_dir=str(tmp_path))
    observer.on_save(args, SimpleNamespace(is_world_process_zero=False, global_step=3), None)  # other ranks: nothing
    with pytest.raises(PluginHookError, match="plugin 'uploader': swift_checkpoint_saved: raised OSError: bucket "
                                              "unreachable for step 3"):
        observer.on_save(args, SimpleNamespace(is_world_process_zero=True, global_step=3), None)


# ----------------------------------------------------------------------------- a training run


class _Recorder:
    """A plugin (in the general ``swiftkit.plugins`` group) that takes part in a whole run."""

    SWIFTKIT_PLUGIN_API = "1.0"

    def __init__(self):
        self.steps: list[int] = []
        self.checkpoints: list[tuple[str, int, list[str], int]] = []
        self.commands: list[str] = []

    @hookimpl
    def swift_config_adjust(self, config, command):
        self.commands.append(command)
        config["lora_rank"] = 4  # the user asked for 8

    @hookimpl
    def swift_trainer_callbacks(self, config, run_dir):
        from transformers import TrainerCallback

        steps = self.steps

        class StepRecorder(TrainerCallback):
            def on_step_end(self, args, state, control, **kwargs):
                steps.append(state.global_step)

        return [StepRecorder()]

    @hookimpl
    def swift_checkpoint_saved(self, checkpoint_dir, step, config):
        self.checkpoints.append((checkpoint_dir, step, sorted(os.listdir(checkpoint_dir)), config["lora_rank"]))


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from swiftkit.testing.tiny import build_tiny_model

    return str(build_tiny_model("llama3.2-1b-instruct", tmp_path_factory.mktemp("m") / "llama3.2-1b-instruct",
                                registry=get_registry(refresh=True)))


@pytest.mark.usefixtures("one_torch_thread")
def test_a_plugin_adjusts_observes_and_sees_checkpoints_of_a_run(swift_registry_with, tiny, tmp_path):
    from swiftkit.cli import cli

    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"Count to {i}."},
                                                     {"role": "assistant", "content": " ".join(map(str, range(i)))}]}) + "\n"
                            for i in range(1, 9)))
    recorder = _Recorder()
    swift_registry_with(recorder, dist="swiftkit-recorder", version="0.1")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["sft", "--model", tiny, "--dataset", str(data), "--lora_rank", "8", "--max_steps", "4",
                                      "--save_steps", "2", "--per_device_train_batch_size", "4", "--max_length", "64",
                                      "--report_to", "none", "--output_dir", str(out), "--add_version", "false"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert recorder.commands == ["sft"]
    args = json.loads((out / "args.json").read_text())
    assert args["lora_rank"] == 4
    assert json.loads((out / "checkpoint-4" / "adapter_config.json").read_text())["r"] == 4
    assert recorder.steps == [1, 2, 3, 4]
    assert [(d, s) for d, s, _, _ in recorder.checkpoints] == [(str(out / "checkpoint-2"), 2), (str(out / "checkpoint-4"), 4)]
    for _, _, files, rank in recorder.checkpoints:  # complete, renamed into place, with the run's args
        assert {"adapter_model.safetensors", "args.json", "trainer_state.json"} <= set(files) and rank == 4
    assert not [n for n in os.listdir(out) if n.startswith(".staging-")]


def test_the_final_checkpoint_saved_after_training_is_observed_too(swift_registry_with, tiny, tmp_path):
    """With ``--save_strategy no`` the Trainer saves nothing itself; the run saves the last step
    after ``train()`` returns, and observers see that checkpoint like any other."""
    from swiftkit.cli import cli

    data = tmp_path / "chat.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"Say {i}."},
                                                     {"role": "assistant", "content": str(i)}]}) + "\n" for i in range(4)))
    recorder = _Recorder()
    swift_registry_with(recorder, dist="swiftkit-recorder", version="0.1")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["sft", "--model", tiny, "--dataset", str(data), "--max_steps", "2",
                                      "--save_strategy", "no", "--per_device_train_batch_size", "2", "--max_length", "64",
                                      "--report_to", "none", "--output_dir", str(out), "--add_version", "false"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [(d, s) for d, s, _, _ in recorder.checkpoints] == [(str(out / "checkpoint-2"), 2)]


# ----------------------------------------------------------------------------- server routes


class _Engine(InferEngine):
    """An engine no request reaches: the routes test needs only what the server reads."""

    def __init__(self) -> None:
        super().__init__(EngineSpec(id="stub", impl="tests.test_runtime_hooks:_Engine"), "/models/stub", None)

    def describe(self) -> str:
        return "stub engine"

    def infer(self, requests: list) -> list:  # pragma: no cover - no request reaches it
        raise AssertionError("the routes test sends no request to the engine")


def _routes_plugin(extra=None):
    def swift_server_routes(app, engine, config):
        @app.get("/v1/plugin/whoami", tags=["plugin"])
        async def whoami() -> dict:
            return {"engine": engine.describe(), "greeting": config.get("greeting")}

        if extra is not None:
            extra(app)

    return make_plugin("whoami", swift_server_routes=swift_server_routes)


def test_plugin_route_answers_behind_the_api_key(swift_plugins):
    pytest.importorskip("fastapi")
    httpx = pytest.importorskip("httpx")
    from swiftkit.infer.factory import ResolvedModel
    from swiftkit.serve.server import create_app, run_in_thread

    registry = _registry(swift_plugins, _routes_plugin())
    resolved = ResolvedModel(model_dir="/models/stub", model_id="stub", template="qwen")
    app = create_app(_Engine(), resolved, api_key="sk-k", registry=registry, config={"greeting": "hi"})
    with run_in_thread(app) as srv:
        denied = httpx.get(f"{srv.url}/v1/plugin/whoami")
        assert denied.status_code == 401 and denied.json()["error"]["code"] == "invalid_api_key"
        ok = httpx.get(f"{srv.url}/v1/plugin/whoami", headers={"Authorization": "Bearer sk-k"})
        assert ok.status_code == 200 and ok.json() == {"engine": "stub engine", "greeting": "hi"}
        assert httpx.get(f"{srv.url}/health", headers={"Authorization": "Bearer sk-k"}).status_code == 200


@pytest.mark.parametrize(("extra", "words"), [
    (lambda app: app.get("/health")(lambda: {}), "added GET /health, which the server already serves"),
    (lambda app: app.add_route("/open", lambda request: None), "added /open as a Route, which the API key does not protect"),
])
def test_plugin_routes_may_not_shadow_or_bypass_the_core(swift_plugins, extra, words):
    pytest.importorskip("fastapi")
    from swiftkit.infer.factory import ResolvedModel
    from swiftkit.serve.server import create_app

    registry = _registry(swift_plugins, _routes_plugin(extra))
    with pytest.raises(PluginHookError, match=f"plugin 'whoami': swift_server_routes: {words}"):
        create_app(_Engine(), ResolvedModel("/m", "stub", "qwen"), registry=registry)


def test_registry_without_hooks_builds_an_empty_manager():
    registry = Registry(Discovery(plugins=[], specs={}))
    assert registry.plugin_manager().list_name_plugin() == []


def test_infer_config_is_adjusted_for_its_command(swift_registry_with):
    from swiftkit.cli.infer_cmd import infer_config

    def cap_tokens(config, command):
        if command == "infer":
            config["max_new_tokens"] = min(config.get("max_new_tokens") or 64, 64)

    registry = swift_registry_with(make_plugin("capper", swift_config_adjust=cap_tokens))
    assert infer_config(["--model", "m", "--max_new_tokens", "1000"], registry)["max_new_tokens"] == 64
