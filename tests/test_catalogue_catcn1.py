"""The DeepSeek, Zhipu, InternLM, Baichuan, OpenBMB and Xiaomi catalogue (issue 12).

Registration data is checked against ms-swift's public model listing (hub ids, family = the
listing's model type, template = its default template), for internal consistency (support
levels backed by transformers' own mappings, tags, shapes against parameter counts), and every
architecture marked ``tested`` is built at tiny size, loaded back through its family loader,
run forward and backward and asked to generate.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib
from pathlib import Path

import pytest

from swiftkit.plugins.models._catalogue import architecture_tested

pytestmark = pytest.mark.usefixtures("one_torch_thread")

VENDORS = ("deepseek", "zhipu", "internlm", "baichuan", "openbmb", "xiaomi")
#: the listing's model types these vendor packages register, one family each
MODEL_TYPES = {
    "deepseek": {"deepseek", "deepseek_v2", "deepseek_v3", "deepseek_v32", "deepseek_v4"},
    "zhipu": {"chatglm2", "chatglm3", "chatglm4", "glm4", "glm4_moe", "glm4_moe_lite", "glm_moe_dsa", "glm_edge",
              "codegeex4"},
    "internlm": {"internlm", "internlm2", "internlm3", "internlm2_reward"},
    "baichuan": {"baichuan", "baichuan2", "baichuan_m1"},
    "openbmb": {"minicpm", "minicpm_chatml", "minicpm3", "minicpm_moe"},
    "xiaomi": {"mimo"},
}
ALL_TYPES = set().union(*MODEL_TYPES.values())
#: families whose architecture transformers 5.19 implements, each proven by the family test matrix (tests/test_family_matrix.py)
NATIVE = {"deepseek_v2", "deepseek_v3", "deepseek_v32", "deepseek_v4", "glm4", "glm4_moe", "glm4_moe_lite",
          "glm_moe_dsa", "glm_edge", "minicpm3"}
MOE_FAMILIES = {"deepseek", "deepseek_v2", "deepseek_v3", "deepseek_v32", "deepseek_v4", "glm4_moe", "glm4_moe_lite",
                "glm_moe_dsa", "minicpm_moe"}
LISTING = Path(__file__).parent / "data" / "catalogue" / "public-model-listing.csv"
REPO = Path(__file__).resolve().parents[1]


def _specs(vendor=None):
    out = []
    for v in [vendor] if vendor else VENDORS:
        out.extend(importlib.import_module(f"swiftkit.plugins.models.{v}").swift_register_models())
    # the multimodal families of these vendors are checked by tests/test_catalogue_mm.py (issue 14)
    return [s for s in out if not s.modalities]


def _listing_rows():
    for candidate in (REPO / ".." / "shared" / "catalogue" / LISTING.name, LISTING):
        if candidate.is_file():
            with open(candidate, newline="", encoding="utf-8") as fh:
                return [r for r in csv.DictReader(fh)
                        if r["section"] == "Large Language Models" and r["model_type"] in ALL_TYPES]
    pytest.skip("the public model listing is not here")


@pytest.fixture(scope="module")
def specs():
    return _specs()


@pytest.fixture(scope="module")
def registry():
    from swiftkit.core.registry import get_registry

    return get_registry()


# ------------------------------------------------------------------ registration data (no torch)


@pytest.mark.parametrize("vendor", VENDORS)
def test_each_vendor_registers_exactly_its_model_types(vendor):
    specs = _specs(vendor)
    assert {s.family for s in specs} == MODEL_TYPES[vendor]
    module = importlib.import_module(f"swiftkit.plugins.models.{vendor}")
    for name in module.MODULES:  # one data module per family, named after it
        family_module = importlib.import_module(f"{module.__name__}.{name}")
        families = set(family_module.FAMILIES)
        if all(f.get("modalities") for f in family_module.FAMILIES.values()):
            continue  # a multimodal family (tests/test_catalogue_mm.py)
        assert families == {family_module.__name__.rsplit(".", 1)[-1]}, family_module.__name__
        assert {row[0] for row in family_module.CHECKPOINTS} == families


def test_specs_are_valid_complete_and_unique(specs, registry):
    from swiftkit.core.specs import MODEL_TASKS, QUANT_METHODS, SUPPORT_LEVELS

    names = [n for s in specs for n in {x.lower() for x in s.names()}]
    assert len(names) == len(set(names)), "a name (id, alias or hub id) is used by two specs"
    for s in specs:
        assert s.id == s.id.lower() and s.params_billion and s.max_length and s.lora_target_modules, s.id
        assert s.support in SUPPORT_LEVELS and (s.support != "untested" or architecture_tested(s)), s.id
        assert architecture_tested(s) or s.support_note, f"{s.id}: a {s.support} spec says why"
        assert s.task in MODEL_TASKS and (s.quant_method is None or s.quant_method in QUANT_METHODS), s.id
        assert (s.task == "seq_cls") == ("reward" in s.tags), s.id
        # registered (so valid against ModelSpec.SCHEMA) exactly as declared
        assert registry.get("model", s.id).spec == s, f"{s.id} is not registered as declared"


def test_every_listing_row_is_registered_with_its_ids_family_and_template(specs):
    rows = _listing_rows()
    by_pair = {(s.ms_id, s.hf_id): s for s in specs}
    problems = []
    for r in rows:
        key = (r["modelscope_id"] or None, r["hf_id"] or None)
        s = by_pair.pop(key, None)
        if s is None:
            problems.append(f"listing row {key} ({r['model_type']}) is not registered")
            continue
        if s.family != r["model_type"]:
            problems.append(f"{s.id}: family {s.family!r}, listing model_type {r['model_type']!r}")
        if s.template != r["default_template"]:
            problems.append(f"{s.id}: template {s.template!r}, listing {r['default_template']!r}")
    problems += [f"{s.id} ({key}) is not a listing row" for key, s in by_pair.items()]
    assert not problems, "\n".join(problems)
    assert len(rows) == len(specs) == 139


def test_tags_follow_the_facts(specs):
    for s in specs:
        assert ("long-context" in s.tags) == (s.max_length >= 131072), s.id
        # every row of an MoE family but DeepSeek-Prover-V2-7B, a dense Llama filed under deepseek_v3
        assert ("moe" in s.tags) == (s.family in MOE_FAMILIES and s.hf_model_type != "llama"), s.id
        assert ("quantized" in s.tags) == (s.quant_method is not None), s.id
        assert len({"base", "instruct", "chat", "reward"} & set(s.tags)) == 1, s.id
    by_id = {s.id: s for s in specs}
    assert {"code"} <= set(by_id["codegeex4-all-9b"].tags) and {"math"} <= set(by_id["internlm2-math-7b"].tags)
    assert {"reasoning", "thinking"} <= set(by_id["deepseek-r1"].tags)
    assert by_id["deepseek-v3-awq"].quant_method == "awq"
    assert (by_id["glm-4.5-fp8"].quant_method, by_id["glm-4.5-fp8"].quant_bits) == ("fp8", 8)
    assert (by_id["baichuan2-7b-chat-4bits"].quant_method, by_id["baichuan2-7b-chat-4bits"].quant_bits) == ("bnb", 4)
    assert by_id["deepseek-v3"].quant_method == "fp8"  # DeepSeek publishes V3 in block-wise FP8
    assert by_id["deepseek-v3-bf16"].quant_method is None
    assert by_id["internlm-chat-7b-8k"].hf_id is None  # ModelScope only, as listed


def test_support_levels_match_what_transformers_implements(specs):
    """``tested`` only where transformers maps the config's model_type to the spec's class;
    remote code and unsupported say which class or requirement is missing."""
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    for s in specs:
        native = MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.get(s.hf_model_type) == s.architecture
        if architecture_tested(s):
            assert native, f"{s.id}: tested but {s.architecture} is not transformers' class for {s.hf_model_type!r}"
            assert s.hf_model_type in CONFIG_MAPPING_NAMES
        elif s.support == "remote_code" and not native:
            assert s.architecture in s.support_note and "checkpoint's" in s.support_note, s.id
        elif s.support == "remote_code":  # a native model class with a custom tokenizer (Kimi-K2)
            assert "tokeniz" in s.support_note, s.id
        else:
            # a task checkpoint says which task or architecture swiftkit lacks for it
            assert "transformers<" in s.support_note or (s.task != "causal_lm" and "transformers" in s.support_note), s.id
    assert {s.family for s in specs if architecture_tested(s)} == NATIVE
    levels = {f: {s.support for s in specs if s.family == f} for f in ALL_TYPES}
    assert levels["chatglm2"] == levels["chatglm3"] == levels["codegeex4"] == levels["baichuan"] == {"unsupported"}
    assert levels["internlm2"] == levels["mimo"] == levels["minicpm"] == {"remote_code"}
    assert levels["internlm2_reward"] == {"unsupported"}


def test_shapes_reproduce_parameter_counts(specs):
    from swiftkit.resources.shape import shape_of_model

    shaped = [s for s in specs if s.shape]
    assert len(shaped) >= 40
    for s in shaped:
        shape, _ = shape_of_model(s.id)
        assert shape.num_params() / 1e9 == pytest.approx(s.params_billion, rel=0.01), s.id


# ------------------------------------------------------------------ tiny models of the native architectures


def _representatives(specs):
    """family -> its first tested checkpoint, unquantized where the family has one (DeepSeek
    publishes V3.2 only in FP8; a tiny model is built from the config alone either way)."""
    out = {}
    for s in sorted(specs, key=lambda s: s.quant_method is not None):  # stable: registration order within
        if architecture_tested(s) and s.family not in out:
            out[s.family] = s
    return out


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, specs, registry):
    """family -> (spec, model, tokenizer): a tiny model built and loaded back once per family.

    Until the listing's template names are registered (another branch), a family whose template
    is unknown here is built with ChatML: what is tested is the architecture."""
    from swiftkit.models.tiny import build_tiny_model

    root = tmp_path_factory.mktemp("catcn1")
    cache = {}

    def get(family):
        if family not in cache:
            spec = _representatives(specs)[family]
            if ("template", spec.template) not in registry:
                spec = dataclasses.replace(spec, template="chatml")
            folder = build_tiny_model(spec, root / spec.id, registry=registry)
            loader = registry.model_loader(spec.id)
            model, tokenizer = loader.load(str(folder))
            cache[family] = (spec, model, tokenizer)
        return cache[family]

    return get


@pytest.mark.parametrize("family", sorted(NATIVE))
def test_tiny_native_model_trains_and_generates(tiny, family):
    import torch

    spec, model, tokenizer = tiny(family)
    assert type(model).__name__ == spec.architecture and model.config.model_type == spec.hf_model_type
    assert spec.decoder_layer_cls in {type(m).__name__ for m in model.modules()}
    linear = {name.rsplit(".", 1)[-1] for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    assert set(spec.lora_target_modules) <= linear, f"{spec.id}: LoRA targets missing {set(spec.lora_target_modules) - linear}"

    ids = tokenizer("The quick brown fox jumps over the lazy dog, twice over.", return_tensors="pt").input_ids
    model.train()
    out = model(input_ids=ids, labels=ids)
    assert torch.isfinite(out.loss)
    out.loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert sum(g is not None and bool(g.abs().sum() > 0) for g in grads) > len(grads) // 2
    model.zero_grad(set_to_none=True)
    model.eval()
    generated = model.generate(ids[:, :8], max_new_tokens=4, do_sample=False)
    assert 8 < generated.shape[1] <= 12 and torch.equal(generated[:, :8], ids[:, :8])


@pytest.mark.parametrize("family", sorted(NATIVE))
def test_lora_on_the_registered_targets_trains(tiny, family):
    """The spec's LoRA targets wrap with a dropout (swift sft's default) and get gradients; a
    target peft cannot wrap (a grouped block linear, fused expert parameters) fails here."""
    import copy

    from peft import LoraConfig, get_peft_model

    spec, model, tokenizer = tiny(family)
    peft_model = get_peft_model(copy.deepcopy(model), LoraConfig(r=4, target_modules=spec.lora_target_modules,
                                                                 lora_dropout=0.05))
    ids = tokenizer("LoRA adapters on every registered target.", return_tensors="pt").input_ids
    peft_model.train()
    peft_model(input_ids=ids, labels=ids).loss.backward()
    wrapped = {n.split(".lora_B")[0].rsplit(".", 1)[-1] for n, p in peft_model.named_parameters()
               if ".lora_B." in n and p.grad is not None and bool(p.grad.abs().sum() > 0)}
    assert wrapped == set(spec.lora_target_modules), f"{spec.id}: adapters with gradients on {sorted(wrapped)}"


def test_tiny_configs_keep_each_architectures_structure(specs, registry):
    """The tiny overrides keep what makes each architecture itself, not a dense toy."""
    reps = _representatives(specs)

    def config(family):
        return registry.model_loader(reps[family].id).tiny_config(300, pad_token_id=0, eos_token_id=1, bos_token_id=2)

    v3 = config("deepseek_v3")
    assert (v3.n_routed_experts, v3.num_experts_per_tok, v3.n_group, v3.topk_group) == (4, 2, 2, 1)
    assert v3.first_k_dense_replace == 1 < v3.num_hidden_layers and v3.q_lora_rank and v3.kv_lora_rank
    for family in ("deepseek_v32", "glm_moe_dsa"):  # the sparse-attention indexer keeps fewer keys than a sequence
        c = config(family)
        assert c.index_topk == 4 and c.mlp_layer_types == ["dense", "sparse"], family
    v4 = config("deepseek_v4")
    assert v4.layer_types == ["compressed_sparse_attention", "heavily_compressed_attention"]
    assert v4.mlp_layer_types == ["hash_moe", "moe"] and v4.hc_mult == 2
    assert config("glm4_moe").use_qk_norm and config("glm4").head_dim == 16
    assert config("deepseek_v4").hidden_size == config("minicpm3").hidden_size == 64
