"""The example third-party plugin package (``examples/swiftkit-example-plugin``) works when
installed like any distribution from PyPI: its SmolLM models, template and dataset show up in
``swift list`` with their provenance and resolve through the registry.

Needs the package installed (CI does ``pip install --no-deps ./examples/swiftkit-example-plugin``,
not editable, so that package data is tested as shipped); skipped otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib import metadata, resources
from pathlib import Path

import pytest

DIST = "swiftkit-example-plugin"

try:
    VERSION = metadata.version(DIST)
except metadata.PackageNotFoundError:
    pytestmark = pytest.mark.skip(
        reason=f"distribution {DIST!r} is not installed; run "
        "`pip install --no-deps ./examples/swiftkit-example-plugin` to test the example plugin"
    )
    VERSION = None

SMOLLM_HUB_IDS = {  # id -> (Hugging Face id, ModelScope id): published on the Hugging Face hub only
    "smollm-135m": ("HuggingFaceTB/SmolLM-135M", None),
    "smollm-135m-instruct": ("HuggingFaceTB/SmolLM-135M-Instruct", None),
    "smollm-360m-instruct": ("HuggingFaceTB/SmolLM-360M-Instruct", None),
    "smollm-1.7b": ("HuggingFaceTB/SmolLM-1.7B", None),
    "smollm-1.7b-instruct": ("HuggingFaceTB/SmolLM-1.7B-Instruct", None),
}

def _swift(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SWIFTKIT_CACHE_DIR": str(tmp_path / "swiftkit-cache"),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    for var in (
        "SWIFTKIT_STRICT_PLUGINS",
        "SWIFTKIT_PLUGINS_ALLOW",
        "SWIFTKIT_PLUGINS_DENY",
        "SWIFTKIT_NO_INDEX",
    ):
        env.pop(var, None)
    return subprocess.run(
        [sys.executable, "-m", "swiftkit", *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_swift_list_models_shows_smollm_with_provenance(tmp_path):
    proc = _swift("list", "models", "--json", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    models = {m["id"]: m for m in json.loads(proc.stdout)}
    for model_id, (hf_id, ms_id) in SMOLLM_HUB_IDS.items():
        assert model_id in models, f"{model_id} missing from `swift list models`"
        m = models[model_id]
        assert m["plugin"]["distribution"] == DIST
        assert m["plugin"]["version"] == VERSION
        assert (m["hf_id"], m.get("ms_id")) == (hf_id, ms_id)  # a missing hub id is left out of the JSON
        assert m["family"] == "smollm"
        assert (m["architecture"], m["hf_model_type"]) == ("LlamaForCausalLM", "llama")
        assert m["template"] == "example-chatml"
        assert m["params_billion"] > 0 and m["max_length"] == 2048
    # the built-in families are still there next to the third party's
    assert any(m["plugin"]["distribution"] == "swiftkit" for m in models.values())


def test_swift_plugins_reports_the_example_plugins_ok(tmp_path):
    proc = _swift("plugins", "--json", tmp_path=tmp_path)
    assert proc.returncode == 0, proc.stderr
    mine = {p["name"]: p for p in json.loads(proc.stdout) if p["distribution"] == DIST}
    assert set(mine) == {"smollm", "example-templates", "example-datasets", "example-tuners"}
    for p in mine.values():
        assert p["status"] == "ok", p
        assert p["version"] == VERSION
    assert mine["smollm"]["counts"]["model"] == 6
    assert mine["example-templates"]["counts"] == {"template": 1}
    assert mine["example-datasets"]["counts"] == {"dataset": 1}
    assert mine["example-tuners"]["counts"] == {"method": 1}


@pytest.fixture
def registry():
    from swiftkit.core.registry import get_registry, set_registry

    old = set_registry(None)
    try:
        yield get_registry()
    finally:
        set_registry(old)


def test_smollm_hub_ids_resolve_through_the_registry(registry):
    entry = registry.get("model", "HuggingFaceTB/SmolLM-135M-Instruct")
    assert entry.id == "smollm-135m-instruct"
    assert (entry.plugin.dist, entry.plugin.version) == (DIST, VERSION)
    assert registry.resolve_model("huggingfacetb/SMOLLM-135M-instruct") is entry  # any case
    assert registry.resolve_model("smollm") is registry.find("model", family="smollm")[0]  # a family name
    spec = entry.spec
    assert (spec.family, spec.architecture, spec.hf_model_type) == ("smollm", "LlamaForCausalLM", "llama")
    assert spec.template == "example-chatml" and ("template", spec.template) in registry
    assert spec.ms_id is None  # published on the Hugging Face hub only
    assert spec.params_billion == pytest.approx(0.135)
    assert spec.max_length == 2048


def test_example_template_renders(registry):
    from swiftkit.core.templates.interface import Template

    template = registry.template("example-chatml")
    assert isinstance(template, Template)
    conversation = [
        {"role": "user", "content": "Hello!"},
        {"role": "assistant", "content": "Hi! How can I help?"},
    ]
    assert template.render(conversation) == (
        "<|im_start|>system\nYou are a helpful, concise assistant.<|im_end|>\n"
        "<|im_start|>user\nHello!<|im_end|>\n"
        "<|im_start|>assistant\nHi! How can I help?<|im_end|>\n"
    )
    assert [t for t, trainable in template.render_segments(conversation) if trainable] == [
        "Hi! How can I help?<|im_end|>\n"
    ]
    assert "<|im_end|>" in template.stop_words
    # it is not the built-in chatml, which has no default system prompt
    builtin = registry.get("template", "chatml")
    assert builtin.plugin.dist == "swiftkit" and builtin.spec.default_system is None
    assert isinstance(template.chat_template(), str)


def test_bundled_dataset_is_shipped_and_readable(registry):
    entry = registry.get("dataset", "example-greetings")
    assert entry.plugin.dist == DIST
    spec = entry.spec
    assert spec.format == "messages" and ("format", "messages") in registry
    package, _, relative = spec.path.partition(":")
    assert (package, relative) == ("swiftkit_example_plugin", "data/greetings.jsonl")
    resource = resources.files(package).joinpath(relative)
    assert resource.is_file()
    rows = [json.loads(line) for line in resource.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == spec.num_rows == 20
    for row in rows:
        roles = [m["role"] for m in row["messages"]]
        assert roles[-1] == "assistant" and "user" in roles
