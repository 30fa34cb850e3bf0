"""The Qwen, CodeFuse and DAMO vendor plugins: every listing row of their model types registered,
honest support levels, shapes that reproduce the parameter counts, and a tiny model of each
``tested`` architecture (built from its loader's tiny config) that runs forward, backward and
generate with the family's special parts (experts, shared expert, linear attention) present.

The tiny models here need no chat template (the family check builds the full pipeline); torch and
transformers are imported inside the tests.
"""

from __future__ import annotations

import csv
import importlib
from pathlib import Path

import pytest

from swiftkit.plugins.models._catalogue import architecture_tested

VENDORS = ("qwen", "codefuse", "damo")
TYPES = {
    "qwen": "qwen",
    "qwen2": "qwen",
    "qwen2_moe": "qwen",
    "qwen3": "qwen",
    "qwen3_moe": "qwen",
    "qwen3_next": "qwen",
    "qwen3_emb": "qwen",
    "qwen3_reranker": "qwen",
    "qwen2_gte": "qwen",
    "qwen2_reward": "qwen",
    "qwen2_5_prm": "qwen",
    "codefuse_qwen": "codefuse",
    "codefuse_codellama": "codefuse",
    "codefuse_codegeex2": "codefuse",
    "modelscope_agent": "damo",
    "seggpt": "damo",
    "polylm": "damo",
}
#: family -> (its representative in these tests, what its tiny model must contain)
TESTED = {
    "qwen2": ("qwen2.5-0.5b-instruct", {"Qwen2DecoderLayer"}),
    "qwen2_moe": ("qwen2-57b-a14b-instruct", {"Qwen2MoeSparseMoeBlock", "Qwen2MoeExperts", "Qwen2MoeMLP"}),
    "qwen3": ("qwen3-0.6b", {"Qwen3RMSNorm"}),
    "qwen3_moe": ("qwen3-30b-a3b", {"Qwen3MoeSparseMoeBlock", "Qwen3MoeExperts"}),
    "qwen3_next": (
        "qwen3-next-80b-a3b-instruct",
        {"Qwen3NextGatedDeltaNet", "Qwen3NextAttention", "Qwen3NextMLP"},
    ),
    "seggpt": ("seqgpt-560m", {"BloomBlock"}),
    "codefuse_codellama": ("codefuse-codellama-34b", {"LlamaDecoderLayer"}),
}
LISTING = Path(__file__).parent / "data" / "catalogue" / "public-model-listing.csv"
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def specs():
    out = []
    for vendor in VENDORS:
        out.extend(importlib.import_module(f"swiftkit.plugins.models.{vendor}").swift_register_models())
    # the multimodal families of these vendors are checked by tests/test_mm_*.py (issue 14)
    return [s for s in out if not s.modalities]


@pytest.fixture(scope="module")
def by_id(specs):
    return {s.id: s for s in specs}


def _listing_rows():
    for candidate in (REPO / ".." / "shared" / "catalogue" / LISTING.name, LISTING):
        if candidate.is_file():
            with open(candidate, newline="", encoding="utf-8") as fh:
                return [
                    r
                    for r in csv.DictReader(fh)
                    if r["section"] == "Large Language Models" and r["model_type"] in TYPES
                ]
    pytest.skip("the public model listing (../shared/catalogue/public-model-listing.csv) is not here")


# ------------------------------------------------------------------ registration data (no torch)


def test_specs_are_valid_and_names_unique(specs):
    import jsonschema

    from swiftkit.core.specs import ModelSpec

    names = [n.lower() for s in specs for n in {x.lower() for x in s.names()}]
    assert len(names) == len(set(names)), sorted(n for n in set(names) if names.count(n) > 1)
    for s in specs:
        jsonschema.validate(s.to_dict(), ModelSpec.SCHEMA)
        # a task model (--task_type embedding ...) may be untested: the causal-LM matrix does not run it
        assert s.id == s.id.lower() and (s.support != "untested" or architecture_tested(s) or s.task != "causal_lm"), s.id
        assert s.params_billion and s.max_length and s.lora_target_modules and s.decoder_layer_cls, s.id
        assert (s.quant_method is None) == ("quantized" not in s.tags), s.id
        if not architecture_tested(s):
            assert s.support_note, s.id


def test_every_listing_row_is_registered_with_its_ids_family_and_template(specs):
    rows = _listing_rows()
    by_ms = {s.ms_id: s for s in specs if s.ms_id}
    assert len(rows) == len(specs) == 264
    for r in rows:
        s = by_ms[r["modelscope_id"]]
        assert (s.ms_id, s.hf_id) == (r["modelscope_id"], r["hf_id"] or None), r
        assert s.family == r["model_type"] and s.template == r["default_template"], (s.id, r)
        if r["requires"]:
            assert r["requires"] in s.requires, (s.id, r["requires"])


def test_vendor_modules_hold_one_family_each():
    for family, vendor in TYPES.items():
        module = importlib.import_module(f"swiftkit.plugins.models.{vendor}.{family}")
        assert set(module.FAMILIES) == {family}
        assert {row[0] for row in module.CHECKPOINTS} == {family}
        assert family in importlib.import_module(f"swiftkit.plugins.models.{vendor}").MODULES


def test_support_levels(specs):
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES as native

    for s in specs:
        if architecture_tested(s):
            assert s.family in TESTED and native.get(s.hf_model_type) == s.architecture, s.id
        elif s.support == "remote_code":
            assert s.hf_model_type not in native or s.family == "polylm", s.id
            assert "--trust_remote_code true" in s.support_note, s.id
        else:
            assert s.task != "causal_lm" or s.requires == ["transformers<4.34"], s.id
    assert {s.task for s in specs if s.family in ("qwen3_emb", "qwen2_gte")} == {"embedding"}
    assert {s.task for s in specs if s.family == "qwen3_reranker"} == {"generative_reranker"}
    assert {s.task for s in specs if s.family == "qwen2_5_prm"} == {"prm"}
    assert {s.task for s in specs if s.family == "qwen2_reward"} == {"seq_cls"}


def test_quantization_and_tags(by_id):
    # Qwen-1's plain -Int4/-Int8 names are GPTQ (per-row override); the others come from the hub name
    assert (by_id["qwen-7b-chat-int4"].quant_method, by_id["qwen-7b-chat-int4"].quant_bits) == ("gptq", 4)
    assert (by_id["qwen-72b-chat-int8"].quant_method, by_id["qwen-72b-chat-int8"].quant_bits) == ("gptq", 8)
    assert by_id["tongyi-finance-14b-chat-int4"].quant_method == "gptq"
    assert (by_id["qwen2.5-7b-instruct-awq"].quant_method, by_id["qwen3-8b-fp8"].quant_method) == (
        "awq",
        "fp8",
    )
    assert by_id["qwen2.5-7b-instruct"].quant_method is None
    for model_id in ("qwq-32b", "qwen3-8b", "qwen3-30b-a3b-thinking-2507", "qwen3-next-80b-a3b-thinking"):
        assert {"reasoning", "thinking"} <= set(by_id[model_id].tags), model_id
    assert "thinking" not in by_id["qwen3-4b-instruct-2507"].tags
    assert "code" in by_id["qwen2.5-coder-7b-instruct"].tags and "code" in by_id["qwen3-coder-next"].tags
    assert "math" in by_id["qwen2.5-math-7b"].tags and "moe" in by_id["qwen3-235b-a22b"].tags
    assert "long-context" in by_id["qwen2.5-7b-instruct-1m"].tags
    assert "long-context" not in by_id["qwen2.5-7b-instruct"].tags  # 32K
    # re-published under Qwen's own repository name: no alias shadows Qwen's checkpoint
    assert by_id["swift-qwen3-32b-awq"].aliases == [] and by_id["swift-qwen3-32b-awq"].hf_id is None


def test_shapes_reproduce_parameter_counts(specs):
    from swiftkit.resources.shape import ModelShape

    shaped = [s for s in specs if s.shape]
    assert len(shaped) >= 100
    for s in shaped:
        assert ModelShape(**s.shape).num_params() / 1e9 == pytest.approx(s.params_billion, rel=0.015), s.id
    moe = ModelShape(**next(s for s in specs if s.id == "qwen2-57b-a14b").shape)
    assert (moe.num_experts, moe.num_experts_per_tok, moe.shared_expert_intermediate_size) == (64, 8, 20480)


def test_registration_stays_data_only():
    for family, vendor in TYPES.items():
        source = (REPO / "swiftkit" / "plugins" / "models" / vendor / f"{family}.py").read_text()
        lines = source.splitlines()
        imports = {
            line.split()[1]
            for line in lines
            if line.startswith("import ") or line.startswith("from ") and " import " in line
        }
        assert imports <= {"__future__", "swiftkit.models.checkpoints"}, (family, imports)


# ------------------------------------------------------------------ tiny models of the tested families


@pytest.fixture(scope="module")
def tiny_models():
    """family -> (spec, config, model) built from the family loader's tiny config, once."""
    import torch
    from transformers import AutoModelForCausalLM

    from swiftkit.core.registry import get_registry

    registry = get_registry()
    built = {}
    for family, (model_id, _) in TESTED.items():
        loader = registry.model_loader(model_id)
        config = loader.tiny_config(128, eos_token_id=1, pad_token_id=0)
        torch.manual_seed(0)
        built[family] = (loader.spec, config, AutoModelForCausalLM.from_config(config))
    return built


@pytest.mark.parametrize("family", list(TESTED))
def test_tiny_model_trains_and_generates(tiny_models, family):
    import torch

    spec, config, model = tiny_models[family]
    assert type(model).__name__ == spec.architecture and config.model_type == spec.hf_model_type
    present = {type(m).__name__ for m in model.modules()}
    assert {spec.decoder_layer_cls, *TESTED[family][1]} <= present, sorted(present)
    linear = {n.rsplit(".", 1)[-1] for n, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    assert set(spec.lora_target_modules) <= linear, sorted(set(spec.lora_target_modules) - linear)
    ids = torch.tensor([[5, 9, 17, 33, 65, 2, 7]])
    model.train()
    out = model(ids, labels=ids)
    assert torch.isfinite(out.loss)
    out.loss.backward()
    without_grad = [n for n, p in model.named_parameters() if p.grad is None]
    assert not without_grad, without_grad
    model.zero_grad()
    model.eval()
    with torch.no_grad():
        generated = model.generate(ids, max_new_tokens=4, do_sample=False)
    assert generated.shape[1] == ids.shape[1] + 4 or generated[0, -1].item() == 1


@pytest.mark.parametrize("family", ["qwen2_moe", "qwen3_moe", "qwen3_next"])
def test_tiny_moe_routes_to_few_experts_with_an_aux_loss(tiny_models, family):
    import torch

    _, config, model = tiny_models[family]
    assert (config.num_experts, config.num_experts_per_tok) == (4, 2)
    if family != "qwen3_moe":  # Qwen3-MoE has no shared expert
        assert config.shared_expert_intermediate_size > 0
    ids = torch.tensor([[5, 9, 17, 33, 65, 2, 7]])
    out = model(ids, labels=ids, output_router_logits=True)
    assert out.aux_loss is not None and torch.isfinite(out.aux_loss) and out.aux_loss > 0
    plain = model(ids, labels=ids)
    assert not torch.equal(out.loss, plain.loss)  # the router loss is added (router_aux_loss_coef)


def test_tiny_qwen3_next_has_both_attention_kinds():
    from swiftkit.core.registry import get_registry

    loader = get_registry().model_loader("qwen3-coder-next")
    assert loader.tiny_config(64).layer_types == ["linear_attention", "full_attention"]
    assert loader.tiny_config(64, num_hidden_layers=4).layer_types == ["linear_attention"] * 3 + [
        "full_attention"
    ]
    assert loader.tiny_config(64, num_hidden_layers=5).layer_types.count("full_attention") == 2
