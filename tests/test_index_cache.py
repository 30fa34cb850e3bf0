"""The index cache: written on the first run, used while nothing installed changes, and
invalidated by a new, removed or edited plugin distribution."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from swiftkit.core.plugins import INDEX_FORMAT

PLUGIN = '''
from swiftkit.core import hookimpl
SWIFTKIT_PLUGIN_API = "1.0"

@hookimpl
def swift_register_models():
    return [dict(id="{model_id}", family="idxfam", architecture="LlamaForCausalLM",
                 hf_model_type="llama", template="chatml")]
'''


def add_dist(site: Path, name: str, model_id: str) -> Path:
    (site / f"{name}.py").write_text(PLUGIN.format(model_id=model_id))
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[swiftkit.models]\n{name} = {name}\n")
    return info


@pytest.fixture
def site(tmp_path):
    path = tmp_path / "site"
    path.mkdir()
    return path


def models(run) -> list[str]:
    assert run.returncode == 0, run.stderr
    return [m["id"] for m in json.loads(run.stdout) if m["family"] == "idxfam"]


def test_index_lifecycle(run_swift, site, tmp_path):
    env = {"PYTHONPATH": str(site)}
    cache = str(tmp_path / "cache")
    add_dist(site, "idxplug_a", "idx-a")

    cold = run_swift("list", "models", "--json", env=env, cache_dir=cache)
    assert models(cold) == ["idx-a"]
    assert "idxplug_a" in cold.modules  # discovery imported the plugin ...
    index_files = os.listdir(cache)
    assert len(index_files) == 1 and index_files[0].startswith("plugin-index-")

    warm = run_swift("list", "models", "--json", env=env, cache_dir=cache)
    assert models(warm) == ["idx-a"]
    assert "idxplug_a" not in warm.modules  # ... the warm run read the index only

    # an edited plugin module (editable installs, local development) invalidates the index
    module = site / "idxplug_a.py"
    module.write_text(PLUGIN.format(model_id="idx-a2"))
    later = time.time() + 5
    os.utime(module, (later, later))
    assert models(run_swift("list", "models", "--json", env=env, cache_dir=cache)) == ["idx-a2"]

    # a newly installed distribution invalidates it
    add_dist(site, "idxplug_b", "idx-b")
    assert sorted(models(run_swift("list", "models", "--json", env=env, cache_dir=cache))) == ["idx-a2", "idx-b"]

    # and so does an uninstalled one
    shutil.rmtree(site / "idxplug_b-1.0.dist-info")
    (site / "idxplug_b.py").unlink()
    assert models(run_swift("list", "models", "--json", env=env, cache_dir=cache)) == ["idx-a2"]

    # a deny list is part of the key
    denied = run_swift("list", "models", "--json", env={**env, "SWIFTKIT_PLUGINS_DENY": "idxplug_a"}, cache_dir=cache)
    assert models(denied) == []


def test_corrupt_index_is_rebuilt(run_swift, site, tmp_path):
    env = {"PYTHONPATH": str(site)}
    cache = tmp_path / "cache"
    add_dist(site, "idxplug_c", "idx-c")
    assert models(run_swift("list", "models", "--json", env=env, cache_dir=str(cache))) == ["idx-c"]
    (index,) = cache.iterdir()
    index.write_text("{ not json")
    assert models(run_swift("list", "models", "--json", env=env, cache_dir=str(cache))) == ["idx-c"]
    assert json.loads(index.read_text())["format"] == INDEX_FORMAT


def test_unwritable_cache_only_costs_speed(run_swift, site, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    add_dist(site, "idxplug_d", "idx-d")
    run = run_swift("list", "models", "--json", env={"PYTHONPATH": str(site)}, cache_dir=str(blocker / "cache"))
    assert models(run) == ["idx-d"]


def test_reinstall_with_same_version_and_new_entry_point_is_seen(run_swift, site, tmp_path):
    env = {"PYTHONPATH": str(site)}
    cache = str(tmp_path / "cache")
    info = add_dist(site, "idxplug_e", "idx-e")
    assert models(run_swift("list", "models", "--json", env=env, cache_dir=cache)) == ["idx-e"]
    # an editable reinstall rewrites the dist-info (same name and version) with a new entry point
    (site / "idxplug_f.py").write_text(PLUGIN.format(model_id="idx-f"))
    (info / "entry_points.txt").write_text("[swiftkit.models]\nidxplug_e = idxplug_e\nidxplug_f = idxplug_f\n")
    later = time.time() + 5
    os.utime(info, (later, later))
    assert sorted(models(run_swift("list", "models", "--json", env=env, cache_dir=cache))) == ["idx-e", "idx-f"]


def test_alternating_working_directories_keep_their_indexes(run_swift, site, tmp_path):
    env = {"PYTHONPATH": str(site)}
    cache = tmp_path / "cache"
    add_dist(site, "idxplug_g", "idx-g")
    run_swift("list", "models", "--json", env=env, cache_dir=str(cache))
    other = run_swift("list", "models", "--json", env={**env, "PYTHONPATH": f"{site}{os.pathsep}{tmp_path}"}, cache_dir=str(cache))
    assert models(other) == ["idx-g"]
    assert len(list(cache.iterdir())) == 2  # one index per installation state, both valid
    again = run_swift("list", "models", "--json", env=env, cache_dir=str(cache))
    assert "idxplug_g" not in again.modules  # the first state's index was still there


LAZY_PLUGIN = '''
import importlib
from swiftkit.core import hookimpl
SWIFTKIT_PLUGIN_API = "1.0"

@hookimpl
def swift_register_models():  # a vendor package: the data module is imported by the hook
    return importlib.import_module("idxlazy_data").MODELS
'''


def test_editing_a_data_module_the_hook_imports_invalidates_the_index(run_swift, site, tmp_path):
    env = {"PYTHONPATH": str(site)}
    cache = str(tmp_path / "cache")
    info = add_dist(site, "idxlazy", "unused")
    (site / "idxlazy.py").write_text(LAZY_PLUGIN)
    data = site / "idxlazy_data.py"
    row = ('MODELS = [dict(id="{}", family="idxfam", architecture="LlamaForCausalLM", '
           'hf_model_type="llama", template="chatml")]\n')
    data.write_text(row.format("idx-before"))
    assert models(run_swift("list", "models", "--json", env=env, cache_dir=cache)) == ["idx-before"]
    data.write_text(row.format("idx-after"))
    stat = data.stat()
    os.utime(data, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # coarse file-system clocks
    assert models(run_swift("list", "models", "--json", env=env, cache_dir=cache)) == ["idx-after"]
    assert info.exists()
