"""What a plugin author runs in CI, after ``pip install .`` of the package (not editable, so
that the test sees exactly what a user gets, package data included)::

    pip install . pytest
    pytest tests

The first test is swiftkit's conformance kit: it loads the installed plugin the way ``swift``
does, imports every lazy reference and checks its type, checks references to other plugins'
specs (the SmolLM models' template, the dataset's format), checks that the registration modules
import nothing heavy, and renders a conversation with every template. The rest check this
plugin's own promises.
"""

from __future__ import annotations

import json
from importlib import metadata, resources

import pytest

from swiftkit.core.registry import get_registry
from swiftkit.testing.conformance import assert_plugin_conformant

DIST = "swiftkit-example-plugin"


def test_plugin_is_conformant():
    results = assert_plugin_conformant(DIST)
    # one "loads and registers" result per entry point: models, templates, datasets, tuners
    loaded = {r.subject for r in results if r.check == "loads and registers"}
    assert loaded == {"plugin 'smollm'", "plugin 'example-templates'", "plugin 'example-datasets'", "plugin 'example-tuners'"}


def test_entry_points_are_installed():
    eps = {(ep.group, ep.name) for ep in metadata.distribution(DIST).entry_points}
    assert ("swiftkit.models", "smollm") in eps
    assert ("swiftkit.templates", "example-templates") in eps
    assert ("swiftkit.datasets", "example-datasets") in eps
    assert ("swiftkit.methods", "example-tuners") in eps


def test_smollm_models_resolve_by_every_name():
    registry = get_registry(refresh=True)
    for name in ("smollm-360m", "HuggingFaceTB/SmolLM-360M", "huggingfacetb/smollm-360m"):
        entry = registry.resolve_model(name)
        assert entry.id == "smollm-360m"
        assert entry.plugin.dist == DIST
        assert entry.spec.family == "smollm"
        assert entry.spec.template == "example-chatml"
    assert len(registry.find("model", family="smollm")) == 6


def test_template_renders_chatml_with_default_system():
    template = get_registry().template("example-chatml")
    text = template.render([{"role": "user", "content": "Hi"}], add_generation_prompt=True)
    assert text == (
        "<|im_start|>system\nYou are a helpful, concise assistant.<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n"
        "<|im_start|>assistant\n"
    )
    # a conversation's own system message replaces the default one
    text = template.render([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}])
    assert text.startswith("<|im_start|>system\nBe brief.<|im_end|>\n")


def test_bundled_dataset_ships_with_the_package():
    spec = get_registry().get("dataset", "example-greetings").spec
    package, _, relative = spec.path.partition(":")
    rows = [
        json.loads(line)
        for line in resources.files(package).joinpath(relative).read_text("utf-8").splitlines()
    ]
    assert len(rows) == spec.num_rows
    template = get_registry().template("example-chatml")
    for row in rows:
        segments = template.render_segments(row["messages"])
        assert any(trainable for _, trainable in segments)  # every row trains on an assistant reply


def test_tiny_smollm_model_loads_through_its_loader(tmp_path):
    """A tiny random SmolLM (Llama architecture) built offline, loaded the way a real checkpoint is."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    from swiftkit.testing.tiny import build_tiny_model

    # A folder named after the checkpoint resolves to that checkpoint's spec: SmolLM shares
    # model_type "llama" with the Llama family, so config.json alone cannot tell them apart.
    folder = build_tiny_model("HuggingFaceTB/SmolLM-135M-Instruct", tmp_path / "SmolLM-135M-Instruct")
    registry = get_registry()
    assert registry.resolve_model(str(folder)).id == "smollm-135m-instruct"
    model, tokenizer = registry.model_loader(str(folder)).load(str(folder))
    assert type(model).__name__ == "LlamaForCausalLM"
    conversation = [{"role": "user", "content": "Hi"}]
    exported = tokenizer.apply_chat_template(conversation, add_generation_prompt=True, tokenize=False)
    assert exported == registry.template("example-chatml").render(conversation, add_generation_prompt=True)
