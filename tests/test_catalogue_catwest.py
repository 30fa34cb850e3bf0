"""The western catalogue vendors (issue 12): Llama, Yi, Mistral, Gemma, Phi, Cohere, DBRX, Grok,
Mamba, Nemotron-H, gpt-oss, OLMoE, the encoders and the community fine-tunes.

Registration is checked against the public model listing (every row of these model types, exact
hub ids, family = the listing's model type, template = its default template); each *tested*
architecture gets a tiny random model built offline through its family loader, trained one step
and asked to generate. torch and transformers are imported inside the tests only.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib
import math
from collections import Counter
from pathlib import Path

import pytest

from swiftkit.plugins.models._catalogue import architecture_tested

VENDORS = [
    "llama", "yi", "mistral", "gemma", "phi", "cohere", "databricks", "xai", "mamba", "nvidia", "openai",
    "allenai", "encoders", "community",
]  # fmt: skip
#: the listing's model types these vendors own (ms-swift's ``--model_type`` names)
MODEL_TYPES = {
    "llama", "yi", "openbuddy_llama", "openbuddy_mistral", "openbuddy_mixtral", "mistral", "devstral", "zephyr",
    "mixtral", "mistral_nemo", "mistral_2501", "wizardlm2", "wizardlm2_moe", "phi2", "phi3_small", "phi3",
    "phi3_moe", "phi4", "gemma", "gemma2", "gemma3_text", "gemma_emb", "gemma_reward", "llama3_2_reward", "c4ai",
    "aya", "dbrx", "grok", "mamba", "nemotron_h", "gpt_oss", "olmoe", "bert", "modern_bert", "modern_bert_gte",
    "modern_bert_gte_reranker", "bge_reranker",
}  # fmt: skip

#: one model per tested architecture / tiny-config variant, and what its tiny config must show
TINY = {
    "llama3-8b-instruct": {},
    "mistral-7b-instruct-v0.2": {"sliding_window": None},
    "mistral-nemo-instruct-2407": {"head_dim": 32},
    "mixtral-8x7b-instruct-v0.1": {"num_local_experts": 4, "num_experts_per_tok": 2},
    "phi-2": {},
    "phi3-mini-4k-instruct": {},
    "phi3.5-moe-instruct": {"num_local_experts": 4},
    "gemma-2b-it": {"head_dim": 16},
    "gemma2-2b-it": {"query_pre_attn_scalar": 16},
    "gemma-3-1b-it": {"layer_types": ["sliding_attention", "full_attention"]},
    "c4ai-command-r-v01": {"use_qk_norm": True},
    "aya-expanse-8b": {"use_qk_norm": False},
    "dbrx-instruct": {"d_model": 64},
    "mamba-130m-hf": {},
    "nvidia-nemotron-3.5-lightning-30b-a3b-bf16": {"n_routed_experts": 4, "num_experts_per_tok": 2},
    "gpt-oss-20b": {"layer_types": ["sliding_attention", "full_attention"], "num_local_experts": 4},
    "olmoe-1b-7b-0125-instruct": {"num_experts": 4},
}


def _specs():
    return [
        spec
        for vendor in VENDORS
        for spec in importlib.import_module(f"swiftkit.plugins.models.{vendor}").swift_register_models()
        if not spec.modalities  # the multimodal families: tests/test_catalogue_mm.py (issue 14)
    ]


def _listing_rows() -> list[dict[str, str]]:
    for candidate in (Path(__file__).resolve().parent / "data" / "catalogue",):
        path = candidate / "public-model-listing.csv"
        if path.is_file():
            with open(path, newline="", encoding="utf-8") as fh:
                return [
                    r
                    for r in csv.DictReader(fh)
                    if r["section"] == "Large Language Models" and r["model_type"] in MODEL_TYPES
                ]
    pytest.skip("the public model listing (../shared/catalogue/public-model-listing.csv) is not here")


@pytest.fixture(scope="module")
def specs():
    return _specs()


# ------------------------------------------------------------------ registration (no torch)


def test_specs_are_valid_unique_and_honest(specs):
    import jsonschema

    from swiftkit.core.specs import ModelSpec

    validator = jsonschema.Draft202012Validator(ModelSpec.SCHEMA)
    names = Counter(n for s in specs for n in {x.lower() for x in s.names()})
    assert [n for n, c in names.items() if c > 1] == [], "a name is used by two specs"
    for s in specs:
        errors = [e.message for e in validator.iter_errors(s.to_dict())]
        assert not errors, f"{s.id}: {errors}"
        assert s.id == s.id.lower() and s.family in MODEL_TYPES
        assert architecture_tested(s) or s.support in ("remote_code", "unsupported"), f"{s.id}: support {s.support!r}"
        assert s.support_note, f"{s.id}: a support level says why"
        assert s.params_billion and s.max_length and s.lora_target_modules and s.decoder_layer_cls
        assert ("long-context" in s.tags) == (s.max_length >= 131072), s.id
        if s.task == "causal_lm":
            assert s.architecture.endswith("ForCausalLM") and {"base", "instruct"} & set(s.tags), s.id
        elif s.support == "tested":  # a task checkpoint: tests/test_task_encoders.py trains its architecture as its task
            assert "test_task_encoders.py" in s.support_note and f"--task_type {s.task}" in s.support_note, s.id
        else:  # EmbeddingGemma: what the embedding task does not load
            assert s.support == "unsupported" and "Dense projections" in s.support_note, s.id
        if "moe" in s.tags:
            assert not architecture_tested(s) or "expert" in s.support_note, s.id


def test_every_listing_row_is_registered_with_its_hub_ids_family_and_template(specs):
    rows = _listing_rows()
    assert len(rows) == len(specs) == 213
    by_pair = {(s.ms_id, s.hf_id): s for s in specs}
    for r in rows:
        spec = by_pair.get((r["modelscope_id"] or None, r["hf_id"] or None))
        assert spec is not None, f"listing row {r['modelscope_id']} / {r['hf_id']} is not registered"
        assert spec.family == r["model_type"], spec.id
        assert spec.template == r["default_template"], spec.id
    assert {s.family for s in specs} == MODEL_TYPES


def test_spot_checks_of_real_facts(specs):
    by_id = {s.id: s for s in specs}
    assert by_id["llama3.1-8b-instruct"].template == "llama3_2" and by_id["llama3-8b"].template == "llama3"
    assert by_id["llama2-7b-chat"].template == "llama" and by_id["llama2-7b-chat"].family == "llama"
    assert (by_id["yi-34b-chat-4bits"].quant_method, by_id["yi-34b-chat-4bits"].quant_bits) == ("awq", 4)
    assert (by_id["yi-6b-chat-8bits"].quant_method, by_id["yi-6b-chat-8bits"].quant_bits) == ("gptq", 8)
    assert by_id["llama3.1-8b-instruct-bnb-nf4"].quant_method == "bnb"
    assert by_id["llama3.1-70b-instruct-awq-int4"].quant_method == "awq" and "quantized" in by_id[
        "llama3.1-70b-instruct-awq-int4"].tags  # fmt: skip
    assert by_id["llama-2-7b-aqlm-2bit-1x16-hf"].support == "unsupported"
    assert (
        by_id["phi3-small-8k-instruct"].support == "remote_code" and by_id["grok-1"].support == "remote_code"
    )
    assert "Phi3SmallForCausalLM" in by_id["phi3-small-8k-instruct"].support_note
    assert by_id["phi-4"].architecture == "Phi3ForCausalLM" and by_id["phi-4"].max_length == 16384
    assert by_id["mixtral-8x7b-instruct-v0.1"].params_billion == 46.7
    assert by_id["nvidia-nemotron-3.5-lightning-30b-a3b-nvfp4"].support == "unsupported"
    assert by_id["bge-reranker-v2-m3"].task == "reranker" and by_id["gte-modernbert-base"].task == "embedding"
    assert by_id["skywork-reward-gemma-2-27b"].task == "seq_cls"
    assert by_id["nlp_structbert_backbone_base_std"].hf_id is None
    assert "mistral-common>=1.5.5" in by_id["devstral-small-2505"].requires


def test_shapes_match_parameter_counts(specs):
    from swiftkit.resources.shape import shape_from_config

    shaped = [s for s in specs if s.shape]
    assert len(shaped) >= 30
    for s in shaped:
        estimated = shape_from_config(s.shape).num_params() / 1e9
        assert math.isclose(estimated, s.params_billion, rel_tol=0.03), (
            f"{s.id}: {estimated:.2f}B vs {s.params_billion}B"
        )


def test_registration_modules_are_data_only():
    import ast

    root = Path(__file__).resolve().parents[1] / "swiftkit" / "plugins" / "models"
    for vendor in VENDORS:
        for path in (root / vendor).glob("*.py"):
            if path.name.endswith("loader.py"):  # loaders (vision_loader.py ...) are referenced lazily
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.level == 0:
                    assert node.module in ("__future__", "swiftkit.core", "swiftkit.models.checkpoints",
                                           "swiftkit.plugins.models._catalogue"), path
                elif isinstance(node, ast.Import):
                    raise AssertionError(f"{path}: imports {[a.name for a in node.names]}")


# ------------------------------------------------------------------ tiny models, each tested architecture


@pytest.fixture(scope="module")
def registry():
    from swiftkit.core.registry import get_registry

    return get_registry()


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, registry):
    """model id -> (spec, model, tokenizer): built offline and loaded through the family loader
    once per module. A template another branch has not registered yet is replaced by ``chatml``
    (the architecture is what is under test here; template parity is tested elsewhere)."""
    from swiftkit.core.lazy import resolve
    from swiftkit.testing.tiny import build_tiny_model

    cache = {}

    def get(model_id):
        if model_id not in cache:
            spec = registry.get("model", model_id).spec
            if ("template", spec.template) not in registry:
                spec = dataclasses.replace(spec, template="chatml")
            folder = build_tiny_model(spec, tmp_path_factory.mktemp(model_id), registry=registry)
            loader = resolve(spec.loader, spec.REFS["loader"])(spec)
            model, tokenizer = loader.load(str(folder))
            cache[model_id] = (spec, model, tokenizer)
        return cache[model_id]

    return get


def test_every_tested_family_has_a_tiny_representative(specs):
    # causal LMs; task checkpoints (encoders, reward models) are tests/test_task_encoders.py's
    architectures = {(s.architecture, s.loader) for s in specs if architecture_tested(s) and s.task == "causal_lm"}
    covered = {(s.architecture, s.loader) for s in specs if s.id in TINY}
    assert architectures == covered


@pytest.mark.parametrize("model_id", list(TINY))
def test_tiny_model_trains_and_generates(tiny, model_id):
    import torch

    spec, model, tokenizer = tiny(model_id)
    assert type(model).__name__ == spec.architecture
    assert model.config.model_type == spec.hf_model_type
    for key, value in TINY[model_id].items():
        assert getattr(model.config, key) == value, key
    modules = {name.rsplit(".", 1)[-1] for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)}
    assert set(spec.lora_target_modules) <= modules, (
        f"LoRA targets missing: {set(spec.lora_target_modules) - modules}"
    )
    assert spec.decoder_layer_cls in {type(m).__name__ for m in model.modules()}

    ids = tokenizer("Hello, how are you today?", return_tensors="pt").input_ids
    model.train()
    loss = model(input_ids=ids, labels=ids).loss
    assert torch.isfinite(loss)
    loss.backward()
    assert any(p.grad is not None and torch.count_nonzero(p.grad) for p in model.parameters())
    model.zero_grad()
    model.eval()
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=3, do_sample=False)
    assert out.shape[1] > ids.shape[1]


def test_lora_all_linear_leaves_linear_based_routers_alone(tiny):
    """Phi-3.5-MoE's router is an ``nn.Linear`` subclass returning routing tuples; LoRA's
    all-linear must not wrap it, or the MoE block's forward breaks."""
    import torch
    from peft import LoraConfig, get_peft_model

    from swiftkit.plugins.methods.lora.tuner import resolve_target_modules

    spec, model, tokenizer = tiny("phi3.5-moe-instruct")
    targets = resolve_target_modules(["all-linear"], model, spec)
    assert "router" not in targets and {"q_proj", "o_proj"} <= set(targets)
    assert resolve_target_modules(["all-linear"], tiny("llama3-8b-instruct")[1]) == "all-linear"  # unchanged
    peft_model = get_peft_model(model, LoraConfig(r=4, target_modules=targets, lora_dropout=0.0))
    ids = tokenizer("Hello there", return_tensors="pt").input_ids
    assert torch.isfinite(peft_model(input_ids=ids, labels=ids).loss)
    peft_model.unload()


@pytest.mark.parametrize("model_id", ["mamba-130m-hf", "nvidia-nemotron-3.5-lightning-30b-a3b-bf16"])
def test_lora_all_linear_on_mamba_mixers_skips_out_proj(tiny, model_id):
    """peft refuses LoRA on a Mamba mixer's ``out_proj`` although its own all-linear picks it."""
    import torch
    from peft import LoraConfig, get_peft_model

    from swiftkit.plugins.methods.lora.tuner import resolve_target_modules

    spec, model, tokenizer = tiny(model_id)
    targets = resolve_target_modules(["all-linear"], model, spec)
    assert "out_proj" not in targets and "in_proj" in targets
    for config_targets in (targets, spec.lora_target_modules):
        peft_model = get_peft_model(
            model, LoraConfig(r=4, target_modules=list(config_targets), lora_dropout=0.0)
        )
        ids = tokenizer("Hello there", return_tensors="pt").input_ids
        assert torch.isfinite(peft_model(input_ids=ids, labels=ids).loss)
        model = peft_model.unload()
