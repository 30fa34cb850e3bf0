"""A broken plugin is skipped with a reason the user can act on; the rest keep working."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from swiftkit.core.checks import check_plugin
from swiftkit.core.errors import PluginError
from swiftkit.core.specs import PLUGIN_API_VERSION
from swiftkit.testing import make_plugin


def model(id: str = "test-model", **over):
    data = {
        "id": id,
        "family": "testfam",
        "architecture": "LlamaForCausalLM",
        "hf_model_type": "llama",
        "template": "chatml",
    }
    data.update(over)
    return data


def record(discovery, name):
    return next(p for p in discovery.plugins if p.name == name)


def test_good_plugin_next_to_broken_ones_still_loads(swift_plugins):
    swift_plugins.add(make_plugin("good", swift_register_models=lambda: [model("fine")]))
    swift_plugins.add(make_plugin("bad", swift_register_models=lambda: 1 / 0))
    discovery = swift_plugins.discover()
    assert record(discovery, "good").status == "ok"
    assert record(discovery, "bad").status == "error"
    assert [d["id"] for d, _ in discovery.specs["model"]] == ["fine"]


def test_import_error_is_reported(swift_plugins):
    swift_plugins.add("swiftkit_no_such_module_xyz", name="ghost")
    rec = record(swift_plugins.discover(), "ghost")
    assert rec.status == "error"
    assert rec.reason == (
        "import of 'swiftkit_no_such_module_xyz' failed: ModuleNotFoundError: "
        "No module named 'swiftkit_no_such_module_xyz'"
    )


def test_module_raising_at_import_is_reported(swift_plugins, tmp_path, monkeypatch):
    (tmp_path / "explodes_on_import.py").write_text("raise RuntimeError('boom at import')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    swift_plugins.add("explodes_on_import", name="explodes")
    rec = record(swift_plugins.discover(), "explodes")
    assert rec.reason == "import of 'explodes_on_import' failed: RuntimeError: boom at import"


def test_raising_hook_is_reported(swift_plugins):
    swift_plugins.add(make_plugin("raiser", swift_register_models=lambda: 1 / 0))
    rec = record(swift_plugins.discover(), "raiser")
    assert rec.reason == "hook swift_register_models raised ZeroDivisionError: division by zero"


def test_hook_returning_non_list_is_reported(swift_plugins):
    swift_plugins.add(make_plugin("scalar", swift_register_models=lambda: model()))
    assert record(swift_plugins.discover(), "scalar").reason == (
        "hook swift_register_models returned dict, expected a list of specs"
    )


def test_invalid_spec_missing_field_is_reported(swift_plugins):
    bad = model("no-arch")
    del bad["architecture"]
    swift_plugins.add(make_plugin("incomplete", swift_register_models=lambda: [bad]))
    rec = record(swift_plugins.discover(), "incomplete")
    assert rec.reason == "invalid model 'no-arch': at (spec): 'architecture' is a required property"


def test_invalid_spec_wrong_type_is_reported(swift_plugins):
    swift_plugins.add(make_plugin("typo", swift_register_models=lambda: [model("m", max_length="long")]))
    rec = record(swift_plugins.discover(), "typo")
    assert rec.reason == "invalid model 'm': at max_length: 'long' is not of type 'integer'"


def test_invalid_spec_unknown_field_is_reported(swift_plugins):
    swift_plugins.add(make_plugin("extra", swift_register_models=lambda: [model("m", context_len=4096)]))
    rec = record(swift_plugins.discover(), "extra")
    assert rec.reason.startswith("invalid model 'm': at (spec): Additional properties are not allowed")
    assert "'context_len' was unexpected" in rec.reason


def test_duplicate_id_names_both_distributions(swift_plugins):
    swift_plugins.add(make_plugin("first", swift_register_models=lambda: [model("dup-model")]), dist="dist-a", version="1.0")
    swift_plugins.add(make_plugin("second", swift_register_models=lambda: [model("DUP-model")]), dist="dist-b", version="2.0")
    discovery = swift_plugins.discover()
    assert record(discovery, "first").status == "ok"
    rec = record(discovery, "second")
    assert rec.status == "error"
    assert rec.reason == (
        "duplicate model name: model 'DUP-model' clashes with model 'dup-model', registered by plugin 'first' "
        "(distribution dist-a 1.0) (names match ignoring case); this is plugin 'second' (distribution dist-b 2.0)"
    )
    assert [d["id"] for d, _ in discovery.specs["model"]] == ["dup-model"]


def test_duplicate_hub_id_is_a_conflict(swift_plugins):
    swift_plugins.add(make_plugin("a", swift_register_models=lambda: [model("one", hf_id="Org/Model-7B")]), dist="dist-a")
    swift_plugins.add(make_plugin("b", swift_register_models=lambda: [model("two", hf_id="org/model-7b")]), dist="dist-b")
    rec = record(swift_plugins.discover(), "b")
    assert rec.reason.startswith("duplicate model name: hf_id 'org/model-7b' of model 'two' clashes with hf_id "
                                 "'Org/Model-7B' of model 'one', registered by plugin 'a' (distribution dist-a")


def test_wrong_api_version_is_reported(swift_plugins):
    swift_plugins.add(make_plugin("future", api="2.0", swift_register_models=lambda: [model()]))
    rec = record(swift_plugins.discover(), "future")
    assert rec.reason == f"written for plugin API 2.0, but this swiftkit speaks {PLUGIN_API_VERSION}"


def test_missing_api_version_is_reported(swift_plugins):
    swift_plugins.add(make_plugin("undeclared", api=None, swift_register_models=lambda: [model()]))
    rec = record(swift_plugins.discover(), "undeclared")
    assert rec.reason == f"declares no SWIFTKIT_PLUGIN_API (the core speaks {PLUGIN_API_VERSION})"


def test_lazy_reference_to_missing_module_is_reported(swift_plugins):
    swift_plugins.add(make_plugin("dangling", swift_register_models=lambda: [model("m", loader="swiftkit_nowhere.loader:Loader")]))
    rec = record(swift_plugins.discover(), "dangling")
    assert rec.reason.startswith("model 'm': lazy reference loader='swiftkit_nowhere.loader:Loader' does not resolve: ")
    assert "swiftkit_nowhere" in rec.reason


def test_lazy_reference_to_missing_attribute_is_reported(swift_plugins):
    swift_plugins.add(
        make_plugin("noattr", swift_register_models=lambda: [model("m", loader="swiftkit.core.models.interface:NoSuchLoader")])
    )
    rec = record(swift_plugins.discover(), "noattr")
    assert rec.reason == (
        "model 'm': lazy reference loader='swiftkit.core.models.interface:NoSuchLoader' does not resolve: "
        "module 'swiftkit.core.models.interface' defines no 'NoSuchLoader'"
    )


def test_lazy_reference_of_wrong_type_fails_plugin_check(swift_plugins):
    swift_plugins.add(make_plugin("wrongtype", swift_register_models=lambda: [model("m", loader="swiftkit.core.specs:ModelSpec")]))
    discovery = swift_plugins.discover()
    assert record(discovery, "wrongtype").ok  # statically it resolves ...
    results = check_plugin("wrongtype", discovery)  # ... but its type is checked on use
    failed = [r for r in results if not r.ok]
    assert [r.check for r in failed] == ["loader -> swiftkit.core.specs:ModelSpec", "template exists"]
    assert "is not a swiftkit.core.models.interface.ModelLoader" in failed[0].detail
    assert failed[1].detail == "template 'chatml' is not registered by any plugin"


def test_unknown_hook_name_is_reported(swift_plugins):
    swift_plugins.add(make_plugin("typohook", swift_register_modles=lambda: [model()]))
    rec = record(swift_plugins.discover(), "typohook")
    assert rec.reason == "hook 'swift_register_modles' is not part of the swiftkit plugin API (see swiftkit.core.hookspecs)"


def test_unmarked_hook_is_reported(swift_plugins):
    import types

    module = types.ModuleType("unmarked")
    module.SWIFTKIT_PLUGIN_API = "1.0"
    module.swift_register_models = lambda: [model()]
    swift_plugins.add(module)
    rec = record(swift_plugins.discover(), "unmarked")
    assert rec.reason == "function(s) swift_register_models look like hooks but are not marked with @hookimpl"


def test_strict_mode_raises_on_first_broken_plugin(swift_plugins):
    swift_plugins.add(make_plugin("raiser", swift_register_models=lambda: 1 / 0), dist="dist-x", version="3.1")
    with pytest.raises(PluginError) as info:
        swift_plugins.discover(strict=True)
    assert str(info.value) == (
        "plugin 'raiser': hook swift_register_models raised ZeroDivisionError: division by zero "
        "[plugin 'raiser' (distribution dist-x 3.1); strict mode, SWIFTKIT_STRICT_PLUGINS=1]"
    )


def test_deny_and_allow_lists(swift_plugins, monkeypatch):
    swift_plugins.add(make_plugin("keep", swift_register_models=lambda: [model("k")]), dist="dist-keep")
    swift_plugins.add(make_plugin("drop", swift_register_models=lambda: [model("d")]), dist="dist-drop")
    monkeypatch.setenv("SWIFTKIT_PLUGINS_DENY", "dist-drop")
    discovery = swift_plugins.discover()
    assert record(discovery, "drop").status == "blocked"
    assert record(discovery, "drop").reason == "blocked by SWIFTKIT_PLUGINS_DENY=dist-drop"
    assert [d["id"] for d, _ in discovery.specs["model"]] == ["k"]
    monkeypatch.delenv("SWIFTKIT_PLUGINS_DENY")
    monkeypatch.setenv("SWIFTKIT_PLUGINS_ALLOW", "dist-d*")
    discovery = swift_plugins.discover()
    assert record(discovery, "keep").reason == "not in SWIFTKIT_PLUGINS_ALLOW=dist-d*"
    assert [d["id"] for d, _ in discovery.specs["model"]] == ["d"]


# ------------------------------------------------------------ a real broken distribution


def _cli_env(tmp_path: Path, extra_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(extra_path), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["SWIFTKIT_CACHE_DIR"] = str(tmp_path / "cache")
    return env


def write_distribution(root: Path, dist: str, module: str, body: str, group: str = "swiftkit.models") -> None:
    (root / f"{module}.py").write_text(textwrap.dedent(body))
    info = root / f"{dist.replace('-', '_')}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{group}]\n{module} = {module}\n")


def test_cli_keeps_working_with_a_broken_distribution(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    write_distribution(site, "swiftkit-broken", "swiftkit_broken_plugin", "import swiftkit_missing_dependency\n")
    env = _cli_env(tmp_path, site)
    swift = [sys.executable, "-m", "swiftkit"]
    plugins = subprocess.run([*swift, "plugins", "--json"], capture_output=True, text=True, env=env, timeout=120)
    assert plugins.returncode == 0, plugins.stderr
    broken = next(p for p in json.loads(plugins.stdout) if p["distribution"] == "swiftkit-broken")
    assert broken["status"] == "error"
    assert broken["reason"] == (
        "import of 'swiftkit_broken_plugin' failed: ModuleNotFoundError: No module named 'swiftkit_missing_dependency'"
    )
    listed = subprocess.run([*swift, "list", "models"], capture_output=True, text=True, env=env, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "qwen2.5-7b-instruct" in listed.stdout
    assert "warning: 1 plugin(s) skipped (swiftkit_broken_plugin); see `swift plugins`" in listed.stderr
    strict = subprocess.run(
        [*swift, "list", "models"], capture_output=True, text=True, env={**env, "SWIFTKIT_STRICT_PLUGINS": "1"}, timeout=120
    )
    assert strict.returncode == 2
    assert "error: plugin 'swiftkit_broken_plugin': import of 'swiftkit_broken_plugin' failed" in strict.stderr


def method(id: str, options: dict) -> dict:
    return {"id": id, "kind": "tuner", "impl": "swiftkit.core.methods.interface:Tuner",
            "options": {"type": "object", "properties": options}}


def test_option_redefining_a_core_key_is_reported(swift_plugins):
    swift_plugins.add(make_plugin("greedy", swift_register_methods=lambda: [method("m1", {"max_length": {"type": "string"}})]))
    rec = record(swift_plugins.discover(), "greedy")
    assert rec.reason == "option 'max_length' of method 'm1' of plugin 'greedy' (distribution test-plugin 0.0.0) redefines a core option"


def test_option_defined_differently_by_two_plugins_names_both(swift_plugins):
    swift_plugins.add(make_plugin("one", swift_register_methods=lambda: [method("m1", {"rank": {"type": "integer"}})]), dist="dist-1")
    swift_plugins.add(make_plugin("same", swift_register_methods=lambda: [method("m2", {"rank": {"type": "integer"}})]), dist="dist-2")
    swift_plugins.add(make_plugin("other", swift_register_methods=lambda: [method("m3", {"rank": {"type": "string"}})]), dist="dist-3")
    discovery = swift_plugins.discover()
    assert record(discovery, "same").ok  # an identical schema is shared, not a conflict
    assert record(discovery, "other").reason == (
        "option 'rank' is defined differently by method 'm1' of plugin 'one' (distribution dist-1 0.0.0) "
        "and by method 'm3' of plugin 'other' (distribution dist-3 0.0.0) (type: 'integer' vs 'string')"
    )


def test_missing_bundled_dataset_file_fails_plugin_check(swift_plugins):
    swift_plugins.add(make_plugin("data", swift_register_datasets=lambda: [
        {"id": "shipped", "format": "messages", "path": "swiftkit:core/specs.py"},
        {"id": "lost", "format": "messages", "path": "swiftkit:data/nowhere.jsonl"},
    ]))
    results = check_plugin("data", swift_plugins.discover())
    by_subject = {(r.subject, r.check): r for r in results}
    assert by_subject[("dataset 'shipped'", "bundled file exists")].ok
    lost = by_subject[("dataset 'lost'", "bundled file exists")]
    assert not lost.ok and lost.detail == "swiftkit:data/nowhere.jsonl is not in the installed package (package data missing?)"
