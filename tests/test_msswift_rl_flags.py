"""ms-swift's RLHF / sampling / eval / export / app / web-ui / SGLang / LMDeploy flags: each is an
option of some plugin or refused with its reason before anything loads; exist_ok is export's
--overwrite; the sglang_* and lmdeploy_* flags reach the engines' constructor arguments."""

from __future__ import annotations

import csv
import sys
import types
from pathlib import Path
from types import SimpleNamespace

import pytest

from swiftkit.core.config import compose_schema, validate
from swiftkit.core.errors import ConfigError
from swiftkit.core.registry import get_registry

CATALOGUE = Path(__file__).parent / "data" / "catalogue" / "msswift-cli-parameters.csv"
#: the catalogue's sections this part of the table covers
SECTIONS = ("RLHF Arguments", "Sampling Parameters", "Evaluation Arguments", "Export Arguments", "App Arguments",
            "Web-UI Arguments", "SGLang Arguments", "LMDeploy Arguments")
#: names of those sections other parts of the table own (vLLM rollouts, data, base flags)
OTHERS = {"use_vllm", "async_generate", "ds3_gather_for_generation", "enable_flattened_weight_sync", "sleep_level",
          "offload_model", "offload_optimizer", "move_model_batches", "generation_batch_size", "steps_per_generation",
          "multi_turn_scheduler", "max_turns", "gym_env", "use_gym_env", "to_cached_dataset", "quant_method",
          "push_to_hub", "hub_model_id", "hub_private_repo", "top_k", "top_p"}


def _names() -> list[str]:
    with CATALOGUE.open() as f:
        rows = list(csv.DictReader(f))
    names = {r["parameter"] for r in rows if any(s in r["section"] for s in SECTIONS)}
    names |= {r["parameter"] for r in rows if r["parameter"].startswith("eval_")} - {"eval_strategy", "eval_steps"}
    return sorted(n for n in names - OTHERS if not n.startswith("vllm_"))


@pytest.fixture(scope="module")
def schema():
    return compose_schema(get_registry())


def test_every_flag_of_these_sections_is_an_option_or_refused_with_a_reason(schema):
    props = schema["properties"]
    missing = [n for n in _names() if n not in props]
    assert not missing, f"ms-swift flags neither accepted nor refused: {missing}"
    for name in _names():
        reason = props[name].get("x-swiftkit-refused")
        if reason:
            assert len(reason) > 30, (name, reason)  # says why and what to use instead


@pytest.mark.parametrize("flag,value,why", [
    ("local_dataset", True, "--eval_dataset"),
    ("to_mcore", True, "Megatron"),
    ("tau_pos", 1.0, "SAPO"),
    ("rollout_importance_sampling_mode", "token_mask", "mismatch"),
    ("teacher_model_server", "http://x", "--teacher_model"),
])
def test_refused_flags_stop_validation_with_the_reason(schema, flag, value, why):
    with pytest.raises(ConfigError, match=why) as info:
        validate({flag: value}, schema)
    assert f"option {flag!r} is not supported" in str(info.value)


@pytest.mark.parametrize("flag,value", [("num_return_sequences", 4), ("server_port", 7860), ("eval_limit", 5),
                                        ("quant_n_samples", 64)])
def test_life_cycle_flags_are_accepted(schema, flag, value):
    # swift sample / app / eval / export's flags: refused until issue 15, now core keys
    validate({flag: value}, schema)  # raises ConfigError for a refused or mistyped flag
    assert "x-swiftkit-refused" not in schema["properties"][flag]


def test_exist_ok_is_exports_overwrite(schema):
    from swiftkit.core.config import resolve_flag_aliases

    assert resolve_flag_aliases({"exist_ok": True}, schema["properties"]) == {"overwrite": True}


# ---------------------------------------------------------------------------- engines


@pytest.fixture
def fake_sglang(monkeypatch):
    monkeypatch.setitem(sys.modules, "sglang", types.ModuleType("sglang"))


def _engine(module: str, cls: str, options: dict):
    import importlib

    engine_cls = getattr(importlib.import_module(module), cls)
    reg = importlib.import_module(module.removesuffix("_engine")).swift_register_engines()[0]
    return engine_cls(reg, "/models/tiny", SimpleNamespace(stop_words=[]), options, tokenizer=object())


def test_sglang_flags_reach_the_engine_arguments(fake_sglang):
    from swiftkit.plugins.engines.sglang import SGLANG_FLAGS
    from swiftkit.plugins.engines.sglang_engine import SglangEngine  # noqa: F401  (imports with the fake)

    values = {"sglang_tp_size": 4, "sglang_pp_size": 2, "sglang_dp_size": 2, "sglang_ep_size": 2,
              "sglang_enable_ep_moe": True, "sglang_mem_fraction_static": 0.7, "sglang_context_length": 4096,
              "sglang_disable_cuda_graph": True, "sglang_quantization": "fp8", "sglang_kv_cache_dtype": "fp8_e5m2",
              "sglang_enable_dp_attention": True, "sglang_disable_custom_all_reduce": False,
              "sglang_speculative_algorithm": "EAGLE", "sglang_speculative_num_steps": 3,
              "sglang_speculative_eagle_topk": 1, "sglang_speculative_num_draft_tokens": 4}
    assert set(values) == set(SGLANG_FLAGS)
    args = _engine("swiftkit.plugins.engines.sglang_engine", "SglangEngine",
                   {"tensor_parallel_size": 2, "gpu_memory_utilization": 0.5, "max_length": 512, **values}).engine_args()
    assert {SGLANG_FLAGS[k]: v for k, v in values.items()}.items() <= args.items()
    # unset, the shared serving keys still decide; enable_ep_moe false is not passed (recent SGLang lacks it)
    plain = _engine("swiftkit.plugins.engines.sglang_engine", "SglangEngine",
                    {"tensor_parallel_size": 2, "gpu_memory_utilization": 0.5, "max_length": 512,
                     "sglang_enable_ep_moe": False}).engine_args()
    assert (plain["tp_size"], plain["mem_fraction_static"], plain["context_length"]) == (2, 0.5, 512)
    assert "enable_ep_moe" not in plain and "pp_size" not in plain


def test_sglang_defaults_follow_ms_swift(schema):
    props = schema["properties"]
    assert props["sglang_disable_custom_all_reduce"]["default"] is True
    assert props["sglang_kv_cache_dtype"]["default"] == "auto"


@pytest.fixture
def fake_lmdeploy(monkeypatch):
    module = types.ModuleType("lmdeploy")
    module.TurbomindEngineConfig = type("TurbomindEngineConfig", (SimpleNamespace,), {})
    module.PytorchEngineConfig = type("PytorchEngineConfig", (SimpleNamespace,), {})
    module.VisionConfig = type("VisionConfig", (SimpleNamespace,), {})
    module.calls = []

    def pipeline(model_path, **kwargs):
        module.calls.append(kwargs)
        raise RuntimeError("fake pipeline: arguments recorded")

    module.pipeline = pipeline
    monkeypatch.setitem(sys.modules, "lmdeploy", module)
    return module


def test_lmdeploy_flags_reach_the_backend_and_vision_configs(fake_lmdeploy):
    options = {"tensor_parallel_size": 2, "max_model_len": 1024, "gpu_memory_utilization": 0.5,
               "lmdeploy_tp": 4, "lmdeploy_session_len": 8192, "lmdeploy_cache_max_entry_count": 0.6,
               "lmdeploy_quant_policy": 8, "lmdeploy_vision_batch_size": 3}
    engine = _engine("swiftkit.plugins.engines.lmdeploy_engine", "LmdeployEngine", options)
    config = engine.backend_config()
    assert (config.tp, config.session_len, config.cache_max_entry_count, config.quant_policy) == (4, 8192, 0.6, 8)
    with pytest.raises(RuntimeError, match="fake pipeline"):
        engine.start()
    assert fake_lmdeploy.calls[-1]["vision_config"].max_batch_size == 3
    plain = _engine("swiftkit.plugins.engines.lmdeploy_engine", "LmdeployEngine",
                    {"tensor_parallel_size": 2, "max_model_len": 1024}).backend_config()
    assert (plain.tp, plain.session_len) == (2, 1024) and not hasattr(plain, "quant_policy")


# ---------------------------------------------------------------------------- DPO: discopop, ld_alpha


def test_discopop_loss():
    import math

    import torch

    from swiftkit.plugins.methods._preference import dpo_loss

    pc, pr, rc, rr = (torch.tensor([v]) for v in (-3.0, -5.0, -4.0, -4.5))
    beta, tau = 0.5, 0.05
    z = beta * ((-3.0 + 4.0) - (-5.0 + 4.5))  # 0.75
    m = 1 / (1 + math.exp(-z / tau))
    expected = (1 - m) * math.log1p(math.exp(-z)) + m * math.exp(-z)
    losses, _, _ = dpo_loss(pc, pr, rc, rr, beta, "discopop", discopop_tau=tau)
    assert float(losses) == pytest.approx(expected, rel=1e-5)
    smooth, _, _ = dpo_loss(pc, pr, rc, rr, beta, "discopop", discopop_tau=100.0)  # m ~ 0.5: a visible blend
    assert float(smooth) != pytest.approx(expected, rel=1e-3)


def test_length_desensitized_log_probs():
    import torch

    from swiftkit.plugins.methods._preference import length_desensitized_weights, sequence_logps

    # labels aligned with the inputs (shifted inside): the chosen reply has 2 label tokens, the rejected 4
    chosen = torch.tensor([[-100, -100, 5, 6, -100, -100, -100]])
    rejected = torch.tensor([[-100, -100, 7, 8, 9, 10, -100]])
    wc, wr = length_desensitized_weights(chosen, rejected, 0.5)
    assert wc.tolist() == [[0, 1, 1, 0, 0, 0, 0]]
    assert wr.tolist() == [[0, 1, 1, 0.5, 0.5, 0, 0]]
    logits = torch.zeros(1, 7, 12)  # uniform: every token has log-prob -log 12
    lp = float(sequence_logps(logits, rejected, weights=wr))
    assert lp == pytest.approx(-3 * torch.log(torch.tensor(12.0)).item(), rel=1e-5)  # 2 + 0.5 * 2 tokens


def test_dpo_objective_applies_ld_alpha_to_policy_and_reference():
    import torch

    from swiftkit.plugins.methods.dpo.objective import DpoObjective

    spec = get_registry().get("method", "dpo").spec

    class Uniform(torch.nn.Module):
        def forward(self, input_ids, attention_mask=None):
            return SimpleNamespace(logits=torch.zeros(*input_ids.shape, 12, requires_grad=True))

    batch = {"chosen_input_ids": torch.ones(1, 7, dtype=torch.long),
             "chosen_labels": torch.tensor([[-100, -100, 5, 6, -100, -100, -100]]),
             "rejected_input_ids": torch.ones(1, 7, dtype=torch.long),
             "rejected_labels": torch.tensor([[-100, -100, 7, 8, 9, 10, -100]])}
    plain = DpoObjective(spec, {}).concatenated_forward(Uniform(), batch, with_nll=False)
    ld = DpoObjective(spec, {"ld_alpha": 0.5}).concatenated_forward(Uniform(), batch, with_nll=False)
    assert float(ld["rejected_logps"]) == pytest.approx(0.75 * float(plain["rejected_logps"]))
    assert float(ld["chosen_logps"]) == pytest.approx(float(plain["chosen_logps"]))
