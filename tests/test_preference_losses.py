"""Preference losses (dpo, kto, orpo, simpo, cpo) against TRL on the same random log-probs,
the objectives on a tiny model, and the registration modules (light, valid schemas).

TRL is a test-only dependency: the comparisons are skipped where it is not installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections import defaultdict
from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")

from swiftkit.plugins.methods._preference import (  # noqa: E402
    cpo_loss,
    dpo_loss,
    kto_loss,
    label_counts,
    orpo_loss,
    preference_metrics,
    sequence_logps,
    simpo_loss,
)

METHODS = ("dpo", "kto", "orpo", "simpo", "cpo")
ATOL = 1e-6


@pytest.fixture(scope="module")
def trl_mod():
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
    return pytest.importorskip("trl")


# ---------------------------------------------------------------------------- TRL stand-ins


class _Accelerator:
    device = torch.device("cpu")

    def gather_for_metrics(self, x):
        return x

    def gather(self, x):
        return x

    def unwrap_model(self, m):
        return m


class _LogProbModel:
    """Returns fixed per-token log-probs for the input_ids tensor it is called with (TRL's
    fused-LM-head outputs: ``log_probs``, ``entropy``, ``mean_logits``, ``is_top1``)."""

    training = True

    def __init__(self):
        self.table = {}

    def register(self, input_ids, per_token):
        self.table[input_ids.data_ptr()] = per_token

    def __call__(self, input_ids, **kwargs):
        lp = self.table[input_ids.data_ptr()]
        return SimpleNamespace(
            log_probs=lp,
            entropy=torch.zeros_like(lp),
            mean_logits=torch.zeros_like(lp),
            is_top1=torch.zeros_like(lp, dtype=torch.bool),
        )


def _random_completion(gen, rows, length):
    """A completion mask (prompt first, responses of random length >= 1) and per-token
    log-probs on the shifted positions, zero outside the completion (as TRL's fused head)."""
    mask = torch.zeros(rows, length, dtype=torch.long)
    for i in range(rows):
        start = int(torch.randint(1, length - 1, (1,), generator=gen))
        mask[i, start:] = 1
    per_token = -torch.rand(rows, length - 1, generator=gen, dtype=torch.float64).float() * 3
    per_token = per_token * mask[:, 1:]
    return mask, per_token


def _trl_dpo(
    trl_mod, per_token, completion_mask, ref_chosen, ref_rejected, beta, loss_types, loss_weights, ls
):
    from trl.trainer.dpo_trainer import DPOTrainer

    t = object.__new__(DPOTrainer)
    model = _LogProbModel()
    t.model = model
    t.accelerator = _Accelerator()
    t.aux_loss_enabled = False
    t.ld_alpha = None
    t.precompute_ref_logps = True
    t.f_divergence_type = "reverse_kl"
    t.loss_types = loss_types
    t.loss_weights = loss_weights
    t.beta = beta
    t.label_smoothing = ls
    t.use_weighting = False
    t._metrics = {"train": defaultdict(list), "eval": defaultdict(list)}
    t._total_train_tokens = 0
    t._tp_size = 1
    input_ids = torch.zeros_like(completion_mask)
    model.register(input_ids, per_token)
    inputs = {
        "input_ids": input_ids,
        "attention_mask": torch.ones_like(completion_mask),
        "completion_mask": completion_mask,
        "ref_chosen_logps": ref_chosen,
        "ref_rejected_logps": ref_rejected,
    }
    loss = t._compute_loss(model, inputs, return_outputs=False)
    return loss, {k: v[-1] for k, v in t._metrics["train"].items()}


# ---------------------------------------------------------------------------- DPO


@pytest.mark.parametrize("loss_type", ["sigmoid", "hinge", "ipo", "robust"])
@pytest.mark.parametrize("beta", [0.1, 0.5, 2.0])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_dpo_matches_trl(trl_mod, loss_type, beta, label_smoothing):
    if label_smoothing and loss_type in ("hinge", "ipo"):
        pytest.skip("hinge and ipo take no label smoothing")
    if label_smoothing and loss_type == "sigmoid":
        pytest.skip("TRL 1.16 ignores label_smoothing for sigmoid; cDPO is checked in test_dpo_sigmoid_label_smoothing_is_cdpo")
    gen = torch.Generator().manual_seed(hash((loss_type, beta, label_smoothing)) % 2**31)
    b, length = 6, 12
    mask, per_token = _random_completion(gen, 2 * b, length)
    ref = -torch.rand(2 * b, generator=gen) * 20
    trl_loss, trl_metrics = _trl_dpo(
        trl_mod, per_token, mask, ref[:b], ref[b:], beta, [loss_type], [1.0], label_smoothing
    )

    logps = per_token.sum(1)
    lengths = mask.sum(1)
    losses, chosen_r, rejected_r = dpo_loss(
        logps[:b], logps[b:], ref[:b], ref[b:], beta, loss_type, label_smoothing, lengths[:b], lengths[b:]
    )
    assert losses.shape == (b,)
    torch.testing.assert_close(losses.mean(), trl_loss, atol=ATOL, rtol=0)
    metrics = preference_metrics(chosen_r, rejected_r)
    for key in ("chosen", "rejected", "margins", "accuracies"):
        assert float(metrics[f"rewards/{key}"]) == pytest.approx(trl_metrics[f"rewards/{key}"], abs=1e-5)


@pytest.mark.parametrize("beta", [0.1, 2.0])
@pytest.mark.parametrize("label_smoothing", [0.1, 0.3])
def test_dpo_sigmoid_label_smoothing_is_cdpo(trl_mod, beta, label_smoothing):
    """Conservative DPO: the formula, and TRL's CPO sigmoid loss (the same smoothed form, without
    a reference) fed the log-ratios; at eps 0 it is TRL 1.16's DPO sigmoid (checked above)."""
    from trl.experimental.cpo import CPOTrainer

    gen = torch.Generator().manual_seed(int(beta * 100 + label_smoothing * 10))
    b = 16
    logps, ref = -torch.rand(2 * b, generator=gen) * 30, -torch.rand(2 * b, generator=gen) * 30
    losses, chosen_r, rejected_r = dpo_loss(logps[:b], logps[b:], ref[:b], ref[b:], beta, "sigmoid", label_smoothing)
    x = (logps[:b] - ref[:b]) - (logps[b:] - ref[b:])
    expected = -(1 - label_smoothing) * torch.nn.functional.logsigmoid(beta * x) - label_smoothing * torch.nn.functional.logsigmoid(-beta * x)
    torch.testing.assert_close(losses, expected, atol=ATOL, rtol=0)
    stub = _trl_stub(CPOTrainer, alpha=0.0, beta=beta, label_smoothing=label_smoothing, loss_type="sigmoid",
                     simpo_gamma=0.0)
    theirs, _, _ = stub.cpo_loss(logps[:b] - ref[:b], logps[b:] - ref[b:])
    torch.testing.assert_close(losses, theirs, atol=ATOL, rtol=0)
    # smoothing pulls the loss of a confidently ranked pair up: it no longer goes to 0
    big = dpo_loss(torch.tensor([0.0]), torch.tensor([-100.0]), torch.zeros(1), torch.zeros(1), 1.0, "sigmoid", label_smoothing)[0]
    assert float(big) == pytest.approx(label_smoothing * 100, rel=1e-3)
    assert torch.equal(chosen_r, beta * (logps[:b] - ref[:b])) and torch.equal(rejected_r, beta * (logps[b:] - ref[b:]))


@pytest.mark.parametrize("rpo_alpha", [0.5, 1.0])
def test_dpo_rpo_term_matches_trl_sft_loss_type(trl_mod, rpo_alpha):
    gen = torch.Generator().manual_seed(7)
    b, length = 5, 10
    mask, per_token = _random_completion(gen, 2 * b, length)
    ref = -torch.rand(2 * b, generator=gen) * 10
    trl_loss, _ = _trl_dpo(
        trl_mod, per_token, mask, ref[:b], ref[b:], 0.1, ["sigmoid", "sft"], [1.0, rpo_alpha], 0.0
    )

    logps = per_token.sum(1)
    losses, _, _ = dpo_loss(logps[:b], logps[b:], ref[:b], ref[b:], 0.1, "sigmoid")
    chosen_mask = mask[:b, 1:]
    nll = -(per_token[:b] * chosen_mask).sum() / chosen_mask.sum()
    torch.testing.assert_close(losses.mean() + rpo_alpha * nll, trl_loss, atol=ATOL, rtol=0)


# ---------------------------------------------------------------------------- ORPO / CPO / SimPO


def _trl_stub(cls, **attrs):
    t = object.__new__(cls)
    t.accelerator = _Accelerator()
    for k, v in attrs.items():
        setattr(t, k, v)
    return t


def _avg_logps(gen, n):
    return -torch.rand(n, generator=gen) * 4 - 1e-3  # average log-probs are < 0


@pytest.mark.parametrize("beta", [0.05, 0.1, 1.0])
def test_orpo_matches_trl(trl_mod, beta):
    from trl.experimental.orpo import ORPOTrainer

    gen = torch.Generator().manual_seed(int(beta * 100))
    chosen, rejected = _avg_logps(gen, 8), _avg_logps(gen, 8)
    chosen[0], rejected[0] = -0.01, -0.5  # both sides of log1mexp's branch at -ln 2
    theirs = _trl_stub(ORPOTrainer, beta=beta).odds_ratio_loss(chosen, rejected)
    ours = orpo_loss(chosen, rejected, beta)
    torch.testing.assert_close(ours[0], -theirs[0], atol=ATOL, rtol=0)  # ours is the positive term
    for a, b in zip(ours[1:], theirs[1:], strict=True):
        torch.testing.assert_close(a, b, atol=ATOL, rtol=0)


@pytest.mark.parametrize("loss_type", ["sigmoid", "hinge", "ipo", "simpo"])
@pytest.mark.parametrize("beta", [0.1, 0.5, 2.0])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_cpo_matches_trl(trl_mod, loss_type, beta, label_smoothing):
    from trl.experimental.cpo import CPOTrainer

    gen = torch.Generator().manual_seed(hash((loss_type, beta, label_smoothing)) % 2**31)
    chosen, rejected = _avg_logps(gen, 8), _avg_logps(gen, 8)
    stub = _trl_stub(
        CPOTrainer,
        alpha=0.0,
        beta=beta,
        loss_type=loss_type,
        label_smoothing=label_smoothing,
        simpo_gamma=0.7,
    )
    theirs = stub.cpo_loss(chosen, rejected)
    ours = cpo_loss(chosen, rejected, beta, loss_type, label_smoothing, simpo_gamma=0.7)
    for a, b in zip(ours, theirs, strict=True):
        torch.testing.assert_close(a, b, atol=ATOL, rtol=0)
    if loss_type == "simpo":
        for a, b in zip(
            simpo_loss(chosen, rejected, beta, 0.7, "simpo", label_smoothing), theirs, strict=True
        ):
            torch.testing.assert_close(a, b, atol=ATOL, rtol=0)


def test_sequence_logps_matches_trl_get_batch_logps(trl_mod):
    from trl.experimental.cpo import CPOTrainer

    gen = torch.Generator().manual_seed(3)
    logits = torch.randn(4, 9, 17, generator=gen)
    labels = torch.randint(0, 17, (4, 9), generator=gen)
    labels[:, :3] = -100
    labels[1, 7:] = -100
    for average in (False, True):
        theirs = CPOTrainer.get_batch_logps(logits, labels, average_log_prob=average)
        torch.testing.assert_close(sequence_logps(logits, labels, average=average), theirs, atol=1e-5, rtol=0)
    assert label_counts(labels).tolist() == [6, 4, 6, 6]


# ---------------------------------------------------------------------------- KTO


def _trl_kto(trl_mod, per_token, kl_per_token, ref_logps, ref_kl, label, beta, dw, uw, loss_type):
    from trl.trainer.kto_trainer import KTOTrainer

    n, width = per_token.shape[0], per_token.shape[1] + 1
    model = _LogProbModel()
    t = object.__new__(KTOTrainer)
    t.model = model
    t.accelerator = _Accelerator()
    t.calculate_KL = loss_type == "kto"
    t.aux_loss_enabled = False
    t.precompute_ref_logps = True
    t.loss_type = loss_type
    t.beta = beta
    t.desirable_weight = dw
    t.undesirable_weight = uw
    t._metrics = {"train": defaultdict(list), "eval": defaultdict(list)}
    t._total_train_tokens = 0
    t._tp_size = 1
    input_ids = torch.zeros(n, width, dtype=torch.long)
    kl_ids = torch.ones(n, kl_per_token.shape[1] + 1, dtype=torch.long)
    model.register(input_ids, per_token)
    model.register(kl_ids, kl_per_token)
    ones = torch.ones(n, width, dtype=torch.long)
    kl_ones = torch.ones_like(kl_ids)
    batch = {
        "input_ids": input_ids,
        "attention_mask": ones,
        "completion_mask": ones,
        "label": label,
        "ref_logps": ref_logps,
        "ref_KL_logps": ref_kl,
        "KL_input_ids": kl_ids,
        "KL_attention_mask": kl_ones,
        "KL_completion_mask": kl_ones,
    }
    loss = t._compute_loss(model, batch, return_outputs=False)
    return loss, {k: v[-1] for k, v in t._metrics["train"].items()}


@pytest.mark.parametrize("loss_type", ["kto", "apo_zero_unpaired"])
@pytest.mark.parametrize("beta", [0.1, 1.0])
@pytest.mark.parametrize("weights", [(1.0, 1.0), (1.33, 0.7)])
def test_kto_matches_trl(trl_mod, loss_type, beta, weights):
    gen = torch.Generator().manual_seed(hash((loss_type, beta, weights)) % 2**31)
    n, width = 8, 7
    per_token = -torch.rand(n, width - 1, generator=gen) * 2
    kl_per_token = -torch.rand(n, width - 1, generator=gen) * 2
    ref_logps = per_token.sum(1) + torch.randn(n, generator=gen)
    ref_kl = kl_per_token.sum(1) - torch.rand(n, generator=gen)  # a positive KL estimate
    label = torch.tensor([True, False, True, True, False, False, True, False])
    trl_loss, trl_metrics = _trl_kto(
        trl_mod, per_token, kl_per_token, ref_logps, ref_kl, label, beta, *weights, loss_type
    )

    kl = (kl_per_token.sum(1) - ref_kl).mean().clamp(min=0) if loss_type == "kto" else torch.zeros(())
    losses, chosen_r, rejected_r = kto_loss(
        per_token.sum(1), ref_logps, label, kl, beta, *weights, loss_type=loss_type
    )
    assert losses.shape == (n,)
    torch.testing.assert_close(losses.nanmean(), trl_loss, atol=ATOL, rtol=0)
    assert float(chosen_r.mean()) == pytest.approx(trl_metrics["rewards/chosen"], abs=1e-5)
    assert float(rejected_r.mean()) == pytest.approx(trl_metrics["rewards/rejected"], abs=1e-5)
    assert float(kl) == pytest.approx(trl_metrics["kl"], abs=1e-6)
    assert (float(kl) > 0.1) == (loss_type == "kto")  # a real reference point, not the old 0


def _per_token_logps(model, ids, labels):
    """Per-token log-probs of the label tokens on the shifted positions, 0 elsewhere (TRL's
    fused-head output with the completion mask applied)."""
    logp = torch.log_softmax(model(ids).logits[:, :-1].float(), -1)
    target = labels[:, 1:]
    return logp.gather(-1, target.clamp(min=0).unsqueeze(-1)).squeeze(-1) * (target != -100)


@pytest.mark.parametrize("loss_type", ["kto", "apo_zero_unpaired"])
def test_kto_objective_with_collated_kl_rows_matches_trl(trl_mod, loss_type):
    """End to end below the trainer: rows -> KTO collator (KL rows: prompt i, completion i+1) ->
    our objective, against TRL's ``_compute_loss`` fed the same model's log-probs."""
    from swiftkit.data.pair_collator import KTOCollator

    gen = torch.Generator().manual_seed(3)
    rows = []
    for i in range(5):
        prompt = torch.randint(1, 13, (2 + i % 3,), generator=gen).tolist()
        reply = torch.randint(1, 13, (1 + (i * 2) % 4,), generator=gen).tolist()
        rows.append({"input_ids": prompt + reply, "labels": [-100] * len(prompt) + reply, "label": i % 2 == 0})
    batch = KTOCollator(0)(rows)
    prompt0 = rows[0]["input_ids"][: rows[0]["labels"].count(-100)]
    reply1 = [x for x in rows[1]["labels"] if x != -100]
    n = len(prompt0) + len(reply1)
    assert batch["KL_input_ids"][0, :n].tolist() == prompt0 + reply1
    assert batch["KL_labels"][0, :n].tolist() == [-100] * len(prompt0) + reply1
    obj = _objective("kto", beta=0.5, loss_type=loss_type)
    policy, obj.ref_model = _TinyLM(seed=0), _TinyLM(seed=1)
    loss, metrics = obj.compute_loss(policy, batch)

    with torch.no_grad():
        per_token = _per_token_logps(policy, batch["input_ids"], batch["labels"])
        kl_per_token = _per_token_logps(policy, batch["KL_input_ids"], batch["KL_labels"])
        ref = _per_token_logps(obj.ref_model, batch["input_ids"], batch["labels"]).sum(1)
        ref_kl = _per_token_logps(obj.ref_model, batch["KL_input_ids"], batch["KL_labels"]).sum(1)
    trl_loss, trl_metrics = _trl_kto(trl_mod, per_token, kl_per_token, ref, ref_kl, batch["label"], 0.5, 1.0, 1.0,
                                     loss_type)
    torch.testing.assert_close(loss.detach(), trl_loss, atol=1e-5, rtol=0)
    assert float(metrics["kl"]) == pytest.approx(trl_metrics["kl"], abs=1e-5)
    if loss_type == "kto":
        assert float(metrics["kl"]) > 0


# ---------------------------------------------------------------------------- metrics and objectives


def test_preference_metrics_values():
    m = preference_metrics(torch.tensor([1.0, 0.0, 2.0]), torch.tensor([0.5, 1.0, -1.0]))
    assert float(m["rewards/chosen"]) == pytest.approx(1.0)
    assert float(m["rewards/rejected"]) == pytest.approx(1 / 6)
    assert float(m["rewards/margins"]) == pytest.approx(5 / 6)
    assert float(m["rewards/accuracies"]) == pytest.approx(2 / 3)
    assert all(v.dim() == 0 and not v.requires_grad for v in m.values())


class _TinyLM(torch.nn.Module):
    def __init__(self, vocab=13, seed=0):
        super().__init__()
        torch.manual_seed(seed)
        self.emb = torch.nn.Embedding(vocab, 8)
        self.head = torch.nn.Linear(8, vocab)

    def forward(self, input_ids, attention_mask=None):
        return SimpleNamespace(logits=self.head(self.emb(input_ids)))


def _pair_batch():
    gen = torch.Generator().manual_seed(11)
    batch = {}
    for side, length in (("chosen", 7), ("rejected", 5)):
        ids = torch.randint(0, 13, (3, length), generator=gen)
        labels = ids.clone()
        labels[:, :2] = -100
        batch.update(
            {
                f"{side}_input_ids": ids,
                f"{side}_labels": labels,
                f"{side}_attention_mask": torch.ones_like(ids),
            }
        )
    return batch


def _objective(method, **options):
    import importlib

    reg = importlib.import_module(f"swiftkit.plugins.methods.{method}")
    spec = reg.swift_register_methods()[0]
    module, _, cls = spec.impl.partition(":")
    return getattr(importlib.import_module(module), cls)(spec, options)


@pytest.mark.parametrize(
    ("method", "options"),
    [
        ("dpo", {}),
        ("dpo", {"loss_type": "ipo", "rpo_alpha": 1.0}),
        ("orpo", {}),
        ("simpo", {}),
        ("cpo", {"loss_type": "hinge"}),
    ],
)
def test_paired_objectives_compute_loss(method, options):
    obj = _objective(method, **options)
    model = _TinyLM()
    if obj.needs_reference:
        obj.ref_model = _TinyLM(seed=0)  # the initial policy: rewards and margins start at 0
    loss, metrics = obj.compute_loss(model, _pair_batch())
    assert loss.dim() == 0 and torch.isfinite(loss)
    loss.backward()
    assert model.head.weight.grad is not None
    assert {"rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies"} <= set(metrics)
    if obj.needs_reference:
        assert float(metrics["rewards/margins"]) == pytest.approx(0.0, abs=1e-6)
        if options.get("loss_type", "sigmoid") == "sigmoid":
            assert float(loss.detach()) == pytest.approx(0.6931472, abs=1e-6)


def test_reference_via_disable_adapter():
    class Peft(_TinyLM):
        disabled = 0

        def disable_adapter(self):
            import contextlib

            @contextlib.contextmanager
            def cm():
                Peft.disabled += 1
                yield

            return cm()

    obj = _objective("dpo")
    loss, _ = obj.compute_loss(Peft(), _pair_batch())
    assert Peft.disabled == 1 and torch.isfinite(loss)

    from swiftkit.core.errors import SwiftkitError

    with pytest.raises(SwiftkitError, match="reference model"):
        obj.compute_loss(_TinyLM(), _pair_batch())


def test_kto_objective_compute_loss():
    obj = _objective("kto", desirable_weight=1.5)
    obj.ref_model = _TinyLM(seed=1)
    gen = torch.Generator().manual_seed(5)
    ids = torch.randint(0, 13, (4, 6), generator=gen)
    labels = ids.clone()
    labels[:, :2] = -100
    batch = {
        "input_ids": ids,
        "labels": labels,
        "attention_mask": torch.ones_like(ids),
        "label": torch.tensor([True, False, True, False]),
    }
    batch.update({f"KL_{k}": batch[k].roll(1, 0) for k in ("input_ids", "labels", "attention_mask")})
    loss, metrics = obj.compute_loss(_TinyLM(), batch)
    assert torch.isfinite(loss) and float(metrics["kl"]) >= 0
    assert {"rewards/chosen", "rewards/rejected", "rewards/margins"} <= set(metrics)


def test_loss_type_checked_per_method():
    from swiftkit.core.errors import ConfigError

    with pytest.raises(ConfigError, match="not a dpo loss"):
        _objective("dpo", loss_type="simpo")
    assert _objective("simpo").loss_type == "simpo" and _objective("simpo").beta == 2.0
    assert _objective("cpo").cpo_alpha == 1.0 and _objective("simpo").cpo_alpha == 0.0
    assert _objective("kto").loss_type == "kto"


# ---------------------------------------------------------------------------- registration


def test_registration_modules_import_nothing_heavy():
    code = (
        "import sys\n"
        + "".join(f"import swiftkit.plugins.methods.{m}\n" for m in METHODS)
        + "heavy = {'torch', 'transformers', 'peft', 'trl'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_option_schemas_validate_and_compose():
    import jsonschema

    from swiftkit.core.methods.interface import Objective
    from swiftkit.core.specs import MethodSpec
    from swiftkit.testing.harness import PluginHarness

    h = PluginHarness(include_installed=True)
    installed = {s.value for s in h.sources}
    for m in METHODS:  # the installed entry points, or the modules themselves before installation
        if f"swiftkit.plugins.methods.{m}" not in installed:
            h.add(f"swiftkit.plugins.methods.{m}", name=m, dist="swiftkit")
    discovery = h.discover()
    bad = [(p.name, p.reason) for p in discovery.plugins if not p.ok]
    assert not bad, bad
    reg = h.registry()
    shared: dict[str, dict] = {}
    for m in METHODS:
        spec = reg.get("method", m).spec
        jsonschema.validate(spec.to_dict(), MethodSpec.SCHEMA)
        assert spec.kind == "objective" and spec.command == "rlhf"
        for key, prop in spec.options["properties"].items():
            assert prop.get("description"), key
            jsonschema.validate(prop["default"], prop)
            assert shared.setdefault(key, prop) == prop, key  # byte-identical across plugins
        assert issubclass(reg.impl("method", m), Objective)


def _mean_worker(rank, world, port, cases, out):
    import torch.distributed as dist

    from swiftkit.plugins.methods._preference import mean_over_processes

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        results = []
        for values in cases:
            value = values[rank]
            result = mean_over_processes(None if value is None else torch.tensor(value), torch.device("cpu"))
            results.append(None if result is None else float(result))
        out[rank] = results
    finally:
        dist.destroy_process_group()


def test_kto_kl_is_averaged_over_processes():
    """Two gloo processes: the mean over the processes that have a KL estimate (TRL gathers and
    averages); a process without KL rows still takes part, so none waits forever."""
    import socket

    import torch.multiprocessing as mp

    cases = [(1.0, 4.0), (3.0, None), (None, None)]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = mp.Manager().dict()
    mp.spawn(_mean_worker, args=(2, port, cases, out), nprocs=2, join=True)
    assert dict(out) == {0: [2.5, 3.0, None], 1: [2.5, 3.0, None]}
