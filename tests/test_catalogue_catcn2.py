"""The catalogue rows of the Chinese-vendor families of issue 12 (branch catcn2): Tencent
(Hunyuan, Hy3, Youtu-LLM), TeleChat, XVERSE, MiniMax, inclusionAI (Ling/Ring), Yuan, Orion,
Skywork, vivo (BlueLM), Baidu (ERNIE 4.5), ByteDance (Seed-OSS), rednote (dots.llm1),
Meituan (LongCat-Flash) and IQuest (IQuest-Coder).

Registration is checked against the public listing without torch; every family marked
``tested`` is built at tiny size from its loader's config (its real transformers class), run
forward and backward, and made to generate. The full CLI path of each tested family
(sft with LoRA and full tuning, resume, export, serve) is tests/test_family_matrix.py.
"""

from __future__ import annotations

import csv
import importlib
from collections import Counter
from pathlib import Path

import pytest

from swiftkit.plugins.models._catalogue import architecture_tested

VENDORS = [
    "tencent",
    "telechat",
    "xverse",
    "minimax",
    "inclusionai",
    "yuan",
    "orion",
    "skywork",
    "vivo",
    "baidu",
    "bytedance",
    "rednote",
    "meituan",
    "iquest",
]
#: the listing's model types these vendors register, one family each
TYPES = {
    "hunyuan", "hunyuan_v1_dense", "hy_v3", "youtu_llm", "telechat", "telechat2", "xverse", "xverse_moe",
    "minimax", "minimax_m1", "minimax_m2", "ling", "bailing_moe", "bailing_hybrid", "yuan2", "orion", "skywork",
    "bluelm", "ernie4_5", "ernie4_5_moe", "seed_oss", "dots1", "longchat", "iquestcoder",
}  # fmt: skip
TESTED = {
    "hunyuan", "hunyuan_v1_dense", "hy_v3", "youtu_llm", "minimax", "minimax_m2", "ernie4_5", "ernie4_5_moe",
    "seed_oss", "dots1", "longchat",
}  # fmt: skip
#: checkpoints registered beyond the listing (exact ids from the public model documentation)
EXTRA = {"minimax-text-01-hf"}
LISTING = Path(__file__).parent / "data" / "catalogue" / "public-model-listing.csv"
REPO = Path(__file__).resolve().parents[1]


def _listing_rows() -> list[dict[str, str]]:
    for path in (REPO / ".." / "shared" / "catalogue" / LISTING.name, LISTING):
        if path.is_file():
            with open(path, newline="", encoding="utf-8") as fh:
                return [
                    r
                    for r in csv.DictReader(fh)
                    if r["section"] == "Large Language Models" and r["model_type"] in TYPES
                ]
    pytest.skip("the public model listing (shared/catalogue/public-model-listing.csv) is not here")


@pytest.fixture(scope="module")
def specs():
    out = []
    for vendor in VENDORS:
        out.extend(importlib.import_module(f"swiftkit.plugins.models.{vendor}").swift_register_models())
    # the multimodal families of these vendors are checked by tests/test_catalogue_mm.py (issue 14)
    return [s for s in out if not s.modalities]


# ------------------------------------------------------------------ registration (no torch)


def test_specs_validate_against_the_schema(specs):
    import jsonschema

    from swiftkit.core.specs import ModelSpec

    validator = jsonschema.Draft202012Validator(ModelSpec.SCHEMA)
    for s in specs:
        errors = [e.message for e in validator.iter_errors(s.to_dict())]
        assert not errors, f"{s.id}: {errors}"
        assert s.id == s.id.lower() and s.family in TYPES, s.id
        assert architecture_tested(s) or s.support in ("remote_code", "unsupported"), s.id
        assert s.support_note and s.architecture in s.support_note, s.id
        assert s.params_billion and s.max_length and s.lora_target_modules and s.decoder_layer_cls, s.id
        assert {"text"} <= set(s.tags) and {"base", "instruct", "chat"} & set(s.tags), s.id
        if s.max_length >= 131072:
            assert "long-context" in s.tags, s.id


def test_ids_aliases_and_hub_ids_are_unique(specs):
    # the registry refuses a plugin two of whose specs share a name (id, alias or hub id, any case)
    names = Counter(
        n.lower() for s in specs for n in {s.id, *s.aliases, *(h for h in (s.hf_id, s.ms_id) if h)}
    )
    assert not [n for n, c in names.items() if c > 1]


#: listing rows whose Hugging Face id cannot be kept: ModelScope id -> (listing's, registered)
HF_FIXED = {
    # the listing repeats the post-trained model's id for the base model
    "PaddlePaddle/ERNIE-4.5-0.3B-Base-PT": ("baidu/ERNIE-4.5-0.3B-PT", "baidu/ERNIE-4.5-0.3B-Base-PT"),
}


def test_every_listing_row_is_registered_as_listed(specs):
    rows = _listing_rows()
    by_ms = {s.ms_id: s for s in specs if s.ms_id}
    assert len(rows) == 97
    problems = []
    for r in rows:
        s = by_ms.get(r["modelscope_id"])
        if s is None:
            problems.append(f"missing: {r['modelscope_id']}")
            continue
        listed_hf, expected_hf = HF_FIXED.get(r["modelscope_id"], (r["hf_id"], r["hf_id"]))
        assert listed_hf == r["hf_id"]
        if (s.hf_id or "") != expected_hf:
            problems.append(f"{s.id}: hf_id {s.hf_id!r}, listing {r['hf_id']!r}")
        if s.family != r["model_type"]:
            problems.append(f"{s.id}: family {s.family!r}, listing {r['model_type']!r}")
        if s.template != r["default_template"]:
            problems.append(f"{s.id}: template {s.template!r}, listing {r['default_template']!r}")
    assert not problems, "\n".join(problems)
    listed = {r["modelscope_id"] for r in rows}
    assert {s.id for s in specs if s.ms_id not in listed} == EXTRA
    assert {s.family for s in specs} == TYPES


def test_support_levels_follow_the_installed_transformers(specs):
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    assert {s.family for s in specs if architecture_tested(s)} == TESTED
    for s in specs:
        native = MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.get(s.hf_model_type) == s.architecture
        if architecture_tested(s):
            assert native and s.hf_model_type in CONFIG_MAPPING_NAMES, s.id
            assert "the family test matrix" in s.support_note, s.id
        else:  # custom code the installed transformers cannot load by itself
            assert s.hf_model_type not in CONFIG_MAPPING_NAMES, s.id
            assert "transformers" in s.support_note, s.id
    iquest = [s for s in specs if s.family == "iquestcoder"]
    assert {s.support for s in iquest} == {"unsupported"}
    assert all(
        "transformers==4.52.4" in s.support_note and "transformers==4.52.4" in s.requires for s in iquest
    )
    # the listing's MiniMax-Text-01 needs its own code; its transformers-layout twin is the tested one
    by_id = {s.id: s for s in specs}
    assert by_id["minimax-text-01"].support == "remote_code"
    assert by_id["minimax-text-01"].architecture == "MiniMaxText01ForCausalLM"
    assert architecture_tested(by_id["minimax-text-01-hf"]) and by_id["minimax-text-01-hf"].ms_id is None


def test_quantized_rows_carry_their_method(specs):
    quant = {s.id: (s.quant_method, s.quant_bits) for s in specs if s.quant_method}
    assert quant == {
        **{f"hunyuan-{n}-instruct-fp8": ("fp8", 8) for n in ("0.5b", "1.8b", "4b", "7b")},
        **{f"hunyuan-{n}-instruct-awq-int4": ("awq", 4) for n in ("0.5b", "1.8b", "4b", "7b")},
        **{f"hunyuan-{n}-instruct-gptq-int4": ("gptq", 4) for n in ("0.5b", "1.8b", "4b", "7b")},
        "hy3-fp8": ("fp8", 8),
        "longcat-flash-chat-fp8": ("fp8", 8),
        "telechat-12b-v2-gptq-int4": ("gptq", 4),
    }
    assert all("quantized" in s.tags for s in specs if s.quant_method)


def test_spot_checked_facts(specs):
    by_id = {s.id: s for s in specs}
    assert by_id["hunyuan-a13b-instruct"].template == "hunyuan_moe"
    assert by_id["hy3-preview"].template == "hy_v3_preview" and by_id["hy3"].template == "hy_v3"
    assert by_id["ring-mini-2.0"].template == "ring2" and by_id["ring-2.5-1t"].template == "ring2_5"
    assert by_id["ernie-4.5-21b-a3b-thinking"].template == "ernie_thinking"
    assert by_id["minimax-m2.7"].template == "minimax_m2_7"
    assert by_id["skywork-13b-chat"].hf_id is None and by_id["telechat-12b-v2-gptq-int4"].hf_id is None
    assert by_id["youtu-llm-2b"].params_billion == 1.96 and by_id["youtu-llm-2b"].max_length == 131072
    assert by_id["seed-oss-36b-instruct"].max_length == 524288
    assert by_id["hy3-preview"].params_billion == 295.0 and "moe" in by_id["hy3-preview"].tags
    assert "code" in by_id["iquest-coder-v1-40b-instruct"].tags


def test_shapes_match_the_parameter_counts(specs):
    from swiftkit.resources.shape import ModelShape

    shaped = [s for s in specs if s.shape]
    assert {s.family for s in shaped} == {"ernie4_5", "seed_oss"}
    for s in shaped:
        n = ModelShape(**s.shape).num_params() / 1e9
        assert n == pytest.approx(s.params_billion, rel=0.015), s.id


# ------------------------------------------------------------------ tiny models of the tested families


@pytest.fixture(scope="module")
def tiny(specs):
    """family -> (spec, tiny model) for every tested family, built once from its loader."""
    import torch
    from transformers import AutoModelForCausalLM

    from swiftkit.core.lazy import resolve

    torch.set_num_threads(1)
    first = {}
    for s in specs:
        if architecture_tested(s):
            first.setdefault(s.family, s)
    out = {}
    for family, spec in first.items():
        loader = resolve(spec.loader, spec.REFS["loader"])(spec)
        config = loader.tiny_config(96, eos_token_id=1, pad_token_id=0, bos_token_id=2)
        torch.manual_seed(0)
        out[family] = (spec, AutoModelForCausalLM.from_config(config))
    return out


@pytest.mark.parametrize("family", sorted(TESTED))
def test_tiny_model_is_the_family_architecture(tiny, family):
    import torch

    spec, model = tiny[family]
    assert type(model).__name__ == spec.architecture
    assert model.config.model_type == spec.hf_model_type
    assert model.config.hidden_size == 64 and model.config.vocab_size == 96
    assert spec.decoder_layer_cls in {type(m).__name__ for m in model.modules()}
    linear = {n.rsplit(".", 1)[-1] for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    assert set(spec.lora_target_modules) <= linear, sorted(set(spec.lora_target_modules) - linear)
    assert sum(p.numel() for p in model.parameters()) < 400_000


#: what each mixture-of-experts family keeps at tiny size: (config attribute, experts)
MOE = {
    "hunyuan": ("num_experts", 4),
    "hy_v3": ("num_experts", 4),
    "minimax": ("num_local_experts", 4),
    "minimax_m2": ("num_local_experts", 4),
    "ernie4_5_moe": ("moe_num_experts", 4),
    "dots1": ("n_routed_experts", 4),
    "longchat": ("n_routed_experts", 4),
}


@pytest.mark.parametrize("family", sorted(MOE))
def test_tiny_moe_keeps_real_routing(tiny, family):
    _, model = tiny[family]
    attr, experts = MOE[family]
    assert getattr(model.config, attr) == experts
    fused = [n for n, p in model.named_parameters() if p.ndim == 3 and "expert" in n]
    assert fused, "no fused expert weights"
    # one matrix per expert (LongCat's fused gate/up also sizes its zero-computation experts)
    assert any(p.shape[0] == experts for n, p in model.named_parameters() if n in fused)


def test_tiny_minimax_mixes_lightning_and_softmax_attention(tiny):
    _, model = tiny["minimax"]
    assert model.config.layer_types == ["linear_attention", "full_attention"]
    names = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    assert {"qkv_proj", "out_proj", "q_proj", "o_proj"} <= names


def test_tiny_longcat_has_zero_computation_experts(tiny):
    _, model = tiny["longchat"]
    assert model.config.zero_expert_num == 2 and model.config.n_routed_experts == 4
    routers = [m for n, m in model.named_modules() if n.endswith("router.classifier")]
    assert routers and all(r.out_features == 4 + 2 for r in routers)  # the router scores identity experts too
    assert model.config.q_lora_rank == 32 and model.config.kv_lora_rank == 16


@pytest.mark.parametrize("family", sorted(TESTED))
def test_tiny_model_trains_and_generates(tiny, family):
    import torch

    _, model = tiny[family]
    ids = torch.randint(3, 96, (2, 24), generator=torch.Generator().manual_seed(1))
    model.train()
    out = model(input_ids=ids, labels=ids)
    assert torch.isfinite(out.loss)
    out.loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads if g is not None)
    assert sum(g is not None for g in grads) > 0.9 * len(grads)
    model.zero_grad(set_to_none=True)
    model.eval()
    with torch.no_grad():
        logits = model(ids[:1]).logits
        gen = model.generate(ids[:1, :8], max_new_tokens=4, do_sample=False, pad_token_id=0)
    assert logits.shape == (1, 24, 96)
    assert gen.shape == (1, 12)


def test_vendor_plugins_load_into_the_registry():
    from swiftkit.core.registry import get_registry

    registry = get_registry()
    status = {p.name: (p.status, p.reason) for p in registry.plugins}
    for vendor in VENDORS:
        assert status[vendor][0] != "error", (vendor, status[vendor])
    assert registry.get("model", "tencent/Hunyuan-A13B-Instruct").id == "hunyuan-a13b-instruct"
    assert registry.get("model", "PaddlePaddle/ERNIE-4.5-0.3B-Base-PT").id == "ernie-4.5-0.3b-base-pt"
    assert (
        registry.get("model", "IEITYuan/Yuan2.0-2B-hf").id
        == registry.get("model", "Yuan2-2B-hf").id
        == "yuan2-2b-hf"
    )
    assert {e.spec.family for e in registry.entries("model")
            if e.plugin.name in VENDORS and not e.spec.modalities} == TYPES
