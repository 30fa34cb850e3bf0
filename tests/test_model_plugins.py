"""The built-in model family plugins, their loaders and the tiny-model kit.

For every built-in family a tiny random model is built offline (``build_tiny_model``), saved,
and loaded back through the family's loader exactly like a real checkpoint. torch and
transformers are imported inside the tests only.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

def _entry_point_modules(group: str) -> list[str]:
    """The modules pyproject.toml registers in ``group`` (the built-in plugins, as installed)."""
    import tomllib

    with open(REPO / "pyproject.toml", "rb") as fh:
        return list(tomllib.load(fh)["project"]["entry-points"][group].values())


PLUGIN_MODULES = _entry_point_modules("swiftkit.models")
FAMILIES = [
    "gemma",
    "gemma2",
    "llama",
    "mistral",
    "phi3",
    "qwen2",
    "qwen3",
]


def _builtin_specs():
    specs = []
    for name in PLUGIN_MODULES:
        specs.extend(importlib.import_module(name).swift_register_models())
    return specs


@pytest.fixture(scope="module")
def registry():
    from swiftkit.core.registry import get_registry

    return get_registry()


@pytest.fixture(scope="module")
def representatives(registry):
    from swiftkit.testing.tiny import tiny_families

    ids = tiny_families(registry)
    return {registry.get("model", i).spec.family: i for i in ids}


@pytest.fixture(scope="module")
def tiny_dirs(tmp_path_factory, registry, representatives):
    """family -> folder of its tiny model, built once for the module (about 0.05 s each)."""
    from swiftkit.testing.tiny import build_tiny_model

    root = tmp_path_factory.mktemp("tiny-models")
    return {
        family: build_tiny_model(model_id, root / family, registry=registry)
        for family, model_id in representatives.items()
        if family in FAMILIES
    }


@pytest.fixture(scope="module")
def loaded(registry, representatives, tiny_dirs):
    """family -> (spec, model, tokenizer), loaded through the family's loader on first use."""
    cache = {}

    def get(family):
        if family not in cache:
            model_id = representatives[family]
            loader = registry.model_loader(model_id)
            model, tokenizer = loader.load(str(tiny_dirs[family]))
            cache[family] = (registry.get("model", model_id).spec, model, tokenizer)
        return cache[family]

    return get


# ------------------------------------------------------------------ registration (no torch)


def test_registration_imports_nothing_heavy():
    code = (
        "import sys\n"
        f"mods = {PLUGIN_MODULES!r}\n"
        "import importlib\n"
        "n = sum(len(importlib.import_module(m).swift_register_models()) for m in mods)\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'tokenizers', 'peft', 'safetensors') if m in sys.modules)\n"
        "print(n, heavy)\n"
        "assert not heavy, heavy\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr


def test_plugins_declare_api_version():
    from swiftkit.core.specs import PLUGIN_API_VERSION

    for name in PLUGIN_MODULES:
        assert importlib.import_module(name).SWIFTKIT_PLUGIN_API == PLUGIN_API_VERSION


def test_builtin_specs_are_complete_and_unique():
    from swiftkit.models.checkpoints import KINDS

    specs = _builtin_specs()
    assert len(specs) >= 713  # every text checkpoint of the public listing: tests/test_catalogue.py
    assert set(FAMILIES) <= {s.family for s in specs}
    names = [n.lower() for s in specs for n in {*(x.lower() for x in s.names())}]
    assert len(names) == len(set(names)), "a name is used by two specs"
    for s in specs:
        assert s.id == s.id.lower()
        assert (s.hf_id or s.ms_id) and s.params_billion and s.max_length, s.id
        assert s.architecture and s.template and s.description, s.id
        assert "text" in s.tags and set(KINDS) & set(s.tags), s.id
        assert s.loader.startswith(("swiftkit.models.hf:", "swiftkit.plugins.models.")), s.loader
        if s.support == "tested":
            # a multimodal model (API 1.4) generates with its ...ForConditionalGeneration class
            assert s.lora_target_modules and (s.architecture.endswith("ForCausalLM") or s.task != "causal_lm"
                                              or s.modalities), s.id
    by_id = {s.id: s for s in specs}
    # spot checks of real facts
    assert by_id["qwen2.5-7b-instruct"].params_billion == 7.62
    assert by_id["qwen2.5-7b-instruct"].max_length == 32768
    assert by_id["llama3.1-8b-instruct"].max_length == 131072
    assert by_id["llama2-7b-chat"].max_length == 4096
    assert by_id["phi3-mini-4k-instruct"].max_length == 4096
    assert by_id["phi3-mini-128k-instruct"].max_length == 131072
    assert by_id["gemma-7b-it"].max_length == 8192
    assert by_id["phi3-mini-4k-instruct"].lora_target_modules == [
        "qkv_proj",
        "o_proj",
        "gate_up_proj",
        "down_proj",
    ]


def test_families_are_registered(registry):
    families = registry.families()
    for family in FAMILIES:
        assert family in families, f"family {family!r} is not registered (see `swift plugins`)"
        for entry in families[family]:
            assert entry.plugin.dist == "swiftkit"
            assert ("template", entry.spec.template) in registry, f"{entry.id}: unknown template"
    assert registry.get("model", "Qwen/Qwen2.5-7B-Instruct").id == "qwen2.5-7b-instruct"
    assert registry.get("model", "modelscope/Llama-2-7b-chat-ms").id == "llama2-7b-chat"
    assert registry.get("model", "Meta-Llama-3.1-8B-Instruct").id == "llama3.1-8b-instruct"  # alias


def _catalogue_dir() -> Path | None:
    for candidate in (REPO / "tests" / "data" / "catalogue", REPO / ".." / "shared" / "catalogue"):
        if (candidate / "public-model-listing.csv").is_file():
            return candidate.resolve()
    return None


def test_hub_ids_are_in_the_public_catalogue():
    """Superseded by tests/test_catalogue.py, which checks every listing row both ways."""
    catalogue = _catalogue_dir()
    assert catalogue is not None and (catalogue / "public-model-listing.csv").is_file()

# ------------------------------------------------------------------ tiny configs


@pytest.mark.parametrize("family", FAMILIES)
def test_tiny_config(registry, representatives, family):
    spec = registry.get("model", representatives[family]).spec
    loader = registry.model_loader(spec.id)
    config = loader.tiny_config(300)
    assert config.model_type == spec.hf_model_type
    assert config.architectures == [spec.architecture]
    assert (config.vocab_size, config.hidden_size, config.num_hidden_layers) == (300, 64, 2)
    assert config.tie_word_embeddings is False


def test_tiny_config_overrides(registry):
    gemma2 = registry.model_loader("gemma2-2b-it")
    config = gemma2.tiny_config(100)
    # Gemma2Loader extends GemmaLoader: both classes' overrides apply
    assert (config.head_dim, config.query_pre_attn_scalar) == (16, 16)
    config = gemma2.tiny_config(100, head_dim=8, num_hidden_layers=3, hidden_size=32, eos_token_id=7)
    assert (config.head_dim, config.num_hidden_layers, config.hidden_size, config.eos_token_id) == (
        8,
        3,
        32,
        7,
    )
    assert registry.model_loader("qwen3-0.6b").tiny_config(100).head_dim == 16
    assert registry.model_loader("mistral-7b-instruct-v0.2").tiny_config(100).sliding_window is None
    assert (
        registry.model_loader("mistral-7b-instruct-v0.2").tiny_config(100, sliding_window=64).sliding_window
        == 64
    )


def test_resolve_dtype():
    import torch

    from swiftkit.models.hf import resolve_dtype

    assert resolve_dtype(None) is None
    assert resolve_dtype("auto") == "auto"
    assert resolve_dtype("bfloat16") is torch.bfloat16
    assert resolve_dtype("BF16") is torch.bfloat16
    assert resolve_dtype("torch.float16") is torch.float16
    assert resolve_dtype("fp32") is torch.float32
    assert resolve_dtype(torch.float32) is torch.float32
    with pytest.raises(ValueError, match="unknown torch_dtype"):
        resolve_dtype("float8")


# ------------------------------------------------------------------ tiny models, every family


@pytest.mark.parametrize("family", FAMILIES)
def test_tiny_model_loads_as_the_family_architecture(loaded, family):
    spec, model, _ = loaded(family)
    assert type(model).__name__ == spec.architecture
    assert model.config.model_type == spec.hf_model_type
    assert not model.training
    layers = {type(m).__name__ for m in model.modules()}
    assert spec.decoder_layer_cls in layers


@pytest.mark.parametrize("family", FAMILIES)
def test_tiny_model_forward_and_generate(loaded, family):
    import torch

    spec, model, tokenizer = loaded(family)
    prompt = tokenizer.apply_chat_template(
        [{"role": "user", "content": "Hello! How can I help you today?"}],
        add_generation_prompt=True,
        tokenize=False,
    )
    ids = tokenizer(prompt, return_tensors="pt", add_special_tokens=False).input_ids
    with torch.no_grad():
        logits = model(ids).logits
    assert logits.shape == (1, ids.shape[1], len(tokenizer))
    assert model.config.vocab_size == len(tokenizer)
    assert torch.isfinite(logits).all()
    out = model.generate(ids, max_new_tokens=4, do_sample=False)
    assert out.shape[1] <= ids.shape[1] + 4


@pytest.mark.parametrize("family", FAMILIES)
def test_tiny_model_tokenizer_carries_the_template(registry, loaded, family):
    spec, model, tokenizer = loaded(family)
    template = registry.template(spec.template)
    assert tokenizer.chat_template == template.chat_template()
    eos = model.generation_config.eos_token_id
    eos_ids = eos if isinstance(eos, list) else [eos]
    assert tokenizer.eos_token_id == eos_ids[0] == model.config.eos_token_id
    assert tokenizer.pad_token_id is not None
    for word in template.stop_words:  # the template's stop tokens end generation
        token_id = tokenizer.convert_tokens_to_ids(word)
        if token_id is not None and token_id != tokenizer.unk_token_id:
            assert token_id in eos_ids, word


@pytest.mark.parametrize("family", FAMILIES)
def test_lora_target_modules_are_linear(loaded, family):
    import torch

    spec, model, _ = loaded(family)
    linear = {name.rsplit(".", 1)[-1] for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    missing = set(spec.lora_target_modules) - linear
    assert not missing, f"{spec.id}: no Linear named {sorted(missing)} (have {sorted(linear)})"


# ------------------------------------------------------------------ build_tiny_model


def test_build_tiny_model_is_deterministic_and_leaves_rng_alone(tmp_path, registry):
    import torch
    from safetensors.torch import load_file

    from swiftkit.testing.tiny import build_tiny_model

    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    a = build_tiny_model("Qwen/Qwen2.5-0.5B-Instruct", tmp_path / "a", registry=registry, seed=1)
    assert torch.equal(torch.rand(3), expected), "build_tiny_model changed the caller's RNG"
    b = build_tiny_model("qwen2.5-0.5b-instruct", tmp_path / "b", registry=registry, seed=1)
    c = build_tiny_model("qwen2", tmp_path / "c", registry=registry, seed=2)  # a family name
    wa, wb, wc = (load_file(p / "model.safetensors") for p in (a, b, c))
    assert wa.keys() == wb.keys() == wc.keys()
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert not all(torch.equal(wa[k], wc[k]) for k in wa)
    for name in ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"):
        assert (a / name).is_file(), name
    # the folder is recognised as its family from config.json alone
    assert registry.resolve_model(str(a)).spec.hf_model_type == "qwen2"


def test_build_tiny_model_config_overrides(tmp_path, registry):
    import json

    from swiftkit.testing.tiny import build_tiny_model

    out = build_tiny_model("llama3.2-1b-instruct", tmp_path / "m", registry=registry, num_hidden_layers=3)
    config = json.loads((out / "config.json").read_text())
    assert config["num_hidden_layers"] == 3
    assert config["architectures"] == ["LlamaForCausalLM"]


def test_build_tiny_model_from_an_unregistered_spec(tmp_path, registry):
    """A plugin under development can build its tiny model before it is installed."""
    import dataclasses

    from swiftkit.testing.tiny import build_tiny_model

    spec = dataclasses.replace(
        registry.get("model", "qwen3-0.6b").spec, id="my-qwen3", aliases=[], hf_id=None
    )
    out = build_tiny_model(spec, tmp_path / "m", registry=registry)
    assert (out / "model.safetensors").is_file()


def test_build_tiny_model_unknown_name(tmp_path, registry):
    from swiftkit.core.errors import NotFoundError
    from swiftkit.testing.tiny import build_tiny_model

    with pytest.raises(NotFoundError, match="did you mean"):
        build_tiny_model("qwen2.5-7b-instrukt", tmp_path / "m", registry=registry)


def test_tiny_families(registry, representatives):
    from swiftkit.testing.tiny import tiny_families

    ids = tiny_families(registry)
    assert len(ids) == len(registry.families())
    assert set(FAMILIES) <= set(representatives)
    assert representatives["qwen2"] == "qwen2.5-0.5b-instruct"  # the smallest instruct model


def test_load_with_dtype_and_architecture_check(registry, representatives, tiny_dirs):
    import torch

    loader = registry.model_loader(representatives["qwen2"])
    model, _ = loader.load(str(tiny_dirs["qwen2"]), torch_dtype="bfloat16")
    assert next(model.parameters()).dtype is torch.bfloat16
    model, _ = loader.load(str(tiny_dirs["qwen2"]), torch_dtype="float32", device_map="cpu")
    assert next(model.parameters()).dtype is torch.float32
    # a folder of another family loads, but the mismatch is reported
    with pytest.warns(UserWarning, match="expects architecture LlamaForCausalLM"):
        registry.model_loader(representatives["llama"]).load(str(tiny_dirs["qwen2"]))
