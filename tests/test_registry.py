"""Registry lookups: ids, aliases and hub ids in any case, did-you-mean, filters, local folders."""

from __future__ import annotations

import json

import pytest

from swiftkit.core.errors import NotFoundError
from swiftkit.core.registry import get_registry
from swiftkit.testing import make_plugin


def spec(id, family="fam", **over):
    data = dict(id=id, family=family, architecture="LlamaForCausalLM", hf_model_type="llama", template="chatml")
    data.update(over)
    return data


@pytest.fixture
def registry(swift_plugins):
    swift_plugins.add(
        make_plugin(
            "zoo",
            swift_register_models=lambda: [
                spec("alpha-7b", hf_id="OrgA/Alpha-7B", ms_id="org-a-ms/Alpha-7B", aliases=["alpha"], tags=["text", "instruct"]),
                spec("alpha-13b", hf_id="OrgA/Alpha-13B", tags=["text", "base"]),
                spec("beta-moe", family="beta", architecture="MixtralForCausalLM", hf_model_type="mixtral", tags=["moe"]),
            ],
        ),
        dist="zoo-dist",
        version="2.1",
    )
    return swift_plugins.registry()


@pytest.mark.parametrize("name", ["alpha-7b", "ALPHA-7B", "alpha", "OrgA/Alpha-7B", "orga/alpha-7b", "org-a-ms/Alpha-7B", " alpha-7b "])
def test_lookup_by_id_alias_and_hub_ids(registry, name):
    entry = registry.get("model", name)
    assert entry.id == "alpha-7b"
    assert (entry.plugin.name, entry.plugin.dist, entry.plugin.version) == ("zoo", "zoo-dist", "2.1")
    assert entry.spec.hf_id == "OrgA/Alpha-7B"


def test_miss_suggests_close_names(registry):
    with pytest.raises(NotFoundError) as info:
        registry.get("model", "alpha-8b")
    assert str(info.value) == "no model named 'alpha-8b'; did you mean 'alpha-7b', 'alpha-13b', 'alpha'?"
    with pytest.raises(NotFoundError) as info:
        registry.get("model", "zzzzzz")
    assert str(info.value) == "no model named 'zzzzzz'; see `swift list models`"


def test_filters(registry):
    ids = lambda entries: [e.id for e in entries]  # noqa: E731
    assert ids(registry.find("model", family="FAM")) == ["alpha-7b", "alpha-13b"]
    assert ids(registry.find("model", tag="moe")) == ["beta-moe"]
    assert ids(registry.find("model", plugin="zoo-dist")) == ["alpha-7b", "alpha-13b", "beta-moe"]
    assert ids(registry.find("model", plugin="nobody")) == []
    assert ids(registry.find("model", search="13B")) == ["alpha-13b"]
    assert ids(registry.find("model", family="fam", tag="instruct")) == ["alpha-7b"]


def test_local_folder_resolves_by_config(registry, tmp_path):
    folder = tmp_path / "my-finetune"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"model_type": "mixtral", "architectures": ["MixtralForCausalLM"]}))
    assert registry.resolve_model(str(folder)).id == "beta-moe"
    named = tmp_path / "Alpha-13B"
    named.mkdir()
    (named / "config.json").write_text(json.dumps({"model_type": "llama", "architectures": ["LlamaForCausalLM"]}))
    assert registry.resolve_model(str(named)).id == "alpha-13b"
    unknown = tmp_path / "mystery"
    unknown.mkdir()
    (unknown / "config.json").write_text(json.dumps({"model_type": "lama"}))
    with pytest.raises(NotFoundError, match=r"model_type='lama'.*did you mean 'llama'"):
        registry.resolve_model(str(unknown))


def test_family_name_resolves_to_a_model(registry):
    assert registry.resolve_model("beta").id == "beta-moe"


def test_builtin_hub_ids_resolve_from_both_hubs():
    registry = get_registry(refresh=True)
    for name in ("Qwen/Qwen2.5-7B-Instruct", "qwen/qwen2.5-7b-instruct", "qwen2.5-7b-instruct"):
        assert registry.get("model", name).id == "qwen2.5-7b-instruct"
    hf_and_ms = [e for e in registry.entries("model") if e.data.get("hf_id") and e.data.get("ms_id") and e.data["hf_id"] != e.data["ms_id"]]
    assert hf_and_ms, "some built-in model has distinct Hugging Face and ModelScope ids"
    for entry in hf_and_ms:
        assert registry.get("model", entry.data["ms_id"]).id == entry.id
        assert registry.get("model", entry.data["hf_id"]).id == entry.id


def test_folder_family_found_by_its_chat_template(tmp_path):
    """Qwen2 and Qwen2.5 share config.json's model_type and architecture; the tokenizer's chat
    template tells them apart when the folder's name does not."""
    from swiftkit.testing.tiny import build_tiny_model

    registry = get_registry(refresh=True)
    for model_id, template in (("qwen2.5-0.5b-instruct", "qwen2_5"), ("qwen2-0.5b-instruct", "qwen")):
        folder = build_tiny_model(model_id, tmp_path / f"unnamed-{template}", registry=registry)
        entry = registry.resolve_model(str(folder))
        assert entry.data["template"] == template and entry.data["family"] == registry.get("model", model_id).data["family"]
