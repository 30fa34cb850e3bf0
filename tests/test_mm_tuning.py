"""ms-swift's multimodal tuning flags on a tiny Qwen2-VL (issue 14, item 4): ``--freeze_vit``,
``--freeze_aligner``, ``--freeze_llm`` decide which parts train (full fine-tuning) and what
``--target_modules all-linear`` adapts (LoRA); ``--vit_lr`` / ``--aligner_lr`` give those parts
their own optimizer groups; ``swift recommend`` counts the vision tower.

One tiny model is built for the module; each test loads a fresh copy (small: ~1 s).
"""

from __future__ import annotations

import json
import re
from types import SimpleNamespace

import pytest

from swiftkit.core.registry import get_registry
from swiftkit.train import multimodal

pytestmark = pytest.mark.usefixtures("one_torch_thread")

MODEL_ID = "qwen2-vl-2b-instruct"
PARTS = {"vision_tower": ["model.visual"], "aligner": ["model.visual.merger"],
         "language_model": ["model.language_model", "lm_head"]}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    from swiftkit.models.tiny import build_tiny_model

    return build_tiny_model(MODEL_ID, tmp_path_factory.mktemp("qwen2vl"))


@pytest.fixture(scope="module")
def spec():
    return get_registry().resolve_model(MODEL_ID).spec


def _load(spec, folder):
    from swiftkit.core.lazy import resolve

    model, _ = resolve(spec.loader, spec.REFS["loader"])(spec).load(str(folder))
    return model


def _prepare(spec, folder, tuner_id: str, **config):
    """The run's preparation (swiftkit.train.run._prepare_multimodal) for ``config``."""
    from swiftkit.core.lazy import resolve
    from swiftkit.train import run

    registry = get_registry()
    tuner_spec = registry.get("method", tuner_id).spec
    tuner = resolve(tuner_spec.impl, tuner_spec.REFS["impl"])(tuner_spec, run._tuner_options(registry, tuner_id, config))
    plan = SimpleNamespace(model_spec=spec, tuner=tuner, tuner_spec=tuner_spec, config=config, registry=registry)
    return run._prepare_multimodal(plan, _load(spec, folder)), tuner


def _trainable_parts(model) -> dict[str | None, bool]:
    """part -> whether any of its parameters trains (the aligner told apart from the tower)."""
    out: dict[str | None, bool] = {}
    for name, param in model.named_parameters():
        part = multimodal.part_of(name, PARTS)
        out[part] = out.get(part, False) or param.requires_grad
    return out


def test_the_family_names_its_parts_as_the_loaded_model_does(spec, folder):
    assert spec.model_parts == PARTS
    multimodal.check_parts(_load(spec, folder), spec.model_parts, spec.id)
    with pytest.raises(Exception, match="model.vision_tower"):
        multimodal.check_parts(_load(spec, folder), {"vision_tower": ["model.vision_tower"]}, spec.id)


def test_part_of_takes_the_longest_prefix_and_looks_through_peft():
    assert multimodal.part_of("model.visual.blocks.0.attn.qkv.weight", PARTS) == "vision_tower"
    assert multimodal.part_of("model.visual.merger.mlp.0.weight", PARTS) == "aligner"
    assert multimodal.part_of("base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_A.default.weight",
                              PARTS) == "language_model"
    assert multimodal.part_of("lm_head.weight", PARTS) == "language_model"
    assert multimodal.part_of("model.visualizer.x", PARTS) is None  # a prefix is a whole dotted name


@pytest.mark.parametrize(("flags", "trains"), [
    ({}, {"vision_tower": False, "aligner": False, "language_model": True}),  # ms-swift's defaults
    ({"freeze_vit": False}, {"vision_tower": True, "aligner": False, "language_model": True}),
    ({"freeze_aligner": False}, {"vision_tower": False, "aligner": True, "language_model": True}),
    ({"freeze_vit": False, "freeze_aligner": False, "freeze_llm": True},
     {"vision_tower": True, "aligner": True, "language_model": False}),
])
def test_full_fine_tuning_trains_the_unfrozen_parts_only(spec, folder, flags, trains):
    model, _ = _prepare(spec, folder, "full", **flags)
    assert _trainable_parts(model) == trains


def _adapted(model) -> set[str]:
    """The parts holding LoRA weights, and whether the output head got any."""
    names = [n for n, _ in model.named_parameters() if "lora_A" in n]
    parts = {multimodal.part_of(n, PARTS) for n in names}
    if any(".lm_head." in n for n in names):
        parts.add("lm_head")
    return parts


def test_lora_all_linear_adapts_the_language_model_only_by_default(spec, folder):
    model, tuner = _prepare(spec, folder, "lora")
    assert _adapted(model) == {"language_model"}
    assert all(not p.requires_grad for n, p in model.named_parameters() if "lora_" not in n)
    # every linear layer of the language model, its output head excepted
    import torch

    base = _load(spec, folder)
    expected = {n for n, m in base.named_modules() if isinstance(m, torch.nn.Linear)
                and multimodal.part_of(n, PARTS) == "language_model" and n != "lm_head"}
    adapted = {re.sub(r"^base_model\.model\.|\.lora_A\..*$", "", n) for n, _ in model.named_parameters() if "lora_A" in n}
    assert adapted == expected and expected
    assert re.fullmatch(tuner.options["target_modules"], "model.language_model.layers.0.self_attn.q_proj")
    assert not re.fullmatch(tuner.options["target_modules"], "model.visual.blocks.0.attn.qkv")


def test_lora_all_linear_reaches_the_unfrozen_vision_tower_and_aligner(spec, folder):
    model, _ = _prepare(spec, folder, "lora", freeze_vit=False)
    assert _adapted(model) == {"language_model", "vision_tower"}
    model, _ = _prepare(spec, folder, "lora", freeze_vit=False, freeze_aligner=False, freeze_llm=True)
    assert _adapted(model) == {"vision_tower", "aligner"}


def test_lora_keeps_names_listed_beside_all_linear(spec, folder):
    model, _ = _prepare(spec, folder, "lora", target_modules=["all-linear", "lm_head"])
    assert _adapted(model) == {"language_model", "lm_head"}


def test_lora_with_every_part_frozen_is_refused_by_name(spec, folder):
    with pytest.raises(Exception, match="leaves no linear layer"):
        _prepare(spec, folder, "lora", freeze_llm=True)


def test_text_models_ignore_the_flags(tmp_path):
    from swiftkit.models.tiny import build_tiny_model

    text_spec = get_registry().resolve_model("qwen2.5-0.5b-instruct").spec
    assert not text_spec.model_parts
    folder = build_tiny_model(text_spec.id, tmp_path / "text")
    model, tuner = _prepare(text_spec, folder, "full", freeze_llm=True, vit_lr=1e-3)
    assert all(p.requires_grad for p in model.parameters())


def _trainer(model, tmp_path, tuner, part_lrs):
    from transformers import TrainingArguments

    from swiftkit.train.trainer import SwiftTrainer

    args = TrainingArguments(output_dir=str(tmp_path), learning_rate=1e-4, weight_decay=0.1, report_to=[],
                             use_cpu=True, lr_scheduler_type="linear", warmup_steps=0)
    return SwiftTrainer(model=model, args=args, objective=SimpleNamespace(token_normalized_loss=True), tuner=tuner,
                        model_parts=PARTS, part_lrs=part_lrs)


def test_vit_lr_and_aligner_lr_give_those_parts_their_own_groups(spec, folder, tmp_path):
    model, tuner = _prepare(spec, folder, "full", freeze_vit=False, freeze_aligner=False)
    config = {"vit_lr": 1e-5, "aligner_lr": 5e-5}
    trainer = _trainer(model, tmp_path, tuner, multimodal.part_lrs(config))
    optimizer = trainer.create_optimizer()
    name_of = {id(p): n for n, p in model.named_parameters()}
    seen = {}
    for group in optimizer.param_groups:
        parts = {multimodal.part_of(name_of[id(p)], PARTS) for p in group["params"]}
        assert len(parts) == 1, parts  # every group is one part's
        part = parts.pop()
        seen.setdefault(part, set()).add((group["lr"], group["weight_decay"]))
    assert seen["vision_tower"] == {(1e-5, 0.1), (1e-5, 0.0)}  # decay and no-decay groups both kept
    assert seen["aligner"] == {(5e-5, 0.1), (5e-5, 0.0)}
    assert {lr for lr, _ in seen["language_model"]} == {1e-4}
    n_trainable = sum(1 for p in model.parameters() if p.requires_grad)
    assert sum(len(g["params"]) for g in optimizer.param_groups) == n_trainable
    # the scheduler scales every group alike: the ratios stay
    scheduler = trainer.create_scheduler(num_training_steps=10, optimizer=optimizer)
    optimizer.step()
    scheduler.step()
    lrs = {multimodal.part_of(name_of[id(g["params"][0])], PARTS): g["lr"] for g in optimizer.param_groups}
    assert lrs["vision_tower"] / lrs["language_model"] == pytest.approx(0.1)
    assert lrs["aligner"] / lrs["language_model"] == pytest.approx(0.5)


def test_lora_optimizer_without_part_lrs_is_the_tuners(spec, folder, tmp_path):
    model, tuner = _prepare(spec, folder, "lora")
    optimizer = _trainer(model, tmp_path, tuner, {}).create_optimizer()
    assert {g["lr"] for g in optimizer.param_groups} == {1e-4}


def test_swift_sft_accepts_the_flags_and_records_what_trained(run_swift, folder, tmp_path):
    data = tmp_path / "rows.jsonl"
    data.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"q{i}"},
                                                     {"role": "assistant", "content": f"a{i}"}]}) + "\n"
                            for i in range(4)))
    out = tmp_path / "out"
    result = run_swift("sft", "--model", str(folder), "--model_type", "qwen2_vl", "--dataset", str(data),
                       "--train_type", "full", "--freeze_vit", "false", "--vit_lr", "1e-5", "--max_steps", "1",
                       "--output_dir", str(out), "--add_version", "false", "--save_strategy", "no",
                       "--report_to", "none", timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    args = json.loads((out / "args.json").read_text())
    assert args["freeze_vit"] is False and args["vit_lr"] == 1e-5
    model = _load(get_registry().resolve_model(MODEL_ID).spec, folder)
    aligner = sum(p.numel() for n, p in model.named_parameters() if multimodal.part_of(n, PARTS) == "aligner")
    assert args["trainable_parameter_count"] == sum(p.numel() for p in model.parameters()) - aligner


# ------------------------------------------------------------------ swift recommend


def test_the_shape_counts_the_vision_tower_and_aligner(spec, folder):
    from swiftkit.resources.shape import shape_from_folder

    shape = shape_from_folder(folder)
    model = _load(spec, folder)
    sizes = {}
    for name, param in model.named_parameters():
        part = multimodal.part_of(name, PARTS)
        sizes[part] = sizes.get(part, 0) + param.numel()
    assert shape.vision_params == pytest.approx(sizes["vision_tower"], rel=0.02)
    assert shape.aligner_params == pytest.approx(sizes["aligner"], rel=0.02)
    assert shape.num_params() == pytest.approx(sum(sizes.values()), rel=0.02)


def test_the_estimate_trains_only_the_unfrozen_parts(folder):
    from swiftkit.resources.estimate import estimate_memory
    from swiftkit.resources.shape import shape_from_folder

    shape = shape_from_folder(folder)
    llm = shape.language_params()

    def gradients(tuner: str, **flags) -> int:
        est = estimate_memory(shape, tuner=tuner, dtype="float32", device="cpu", seq_len=16, **flags)
        assert any("vision tower" in n for n in est.notes)
        return est.terms["gradients"]

    # full fine-tuning: fp32 gradients of the trainable weights (4 bytes each)
    assert gradients("full") == 4 * llm
    assert gradients("full", freeze_vit=False) == 4 * (llm + shape.vision_params)
    assert gradients("full", freeze_vit=False, freeze_aligner=False, freeze_llm=True) == 4 * (
        shape.vision_params + shape.aligner_params)
    # LoRA: the vision tower's adapters only when it is unfrozen; its frozen weights count either way
    assert gradients("lora", freeze_vit=False) > gradients("lora")
    weights = estimate_memory(shape, tuner="full", dtype="float32", device="cpu", seq_len=16).terms["weights"]
    assert weights == 4 * shape.num_params()


def test_swift_recommend_reports_the_vision_tower(run_swift, folder):
    result = run_swift("recommend", "--model", str(folder), "--devices", "1x24GB", "--train_type", "full",
                       "--freeze_vit", "false", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    rec = json.loads(result.stdout)
    notes = " ".join(rec["estimate"]["notes"] if rec.get("estimate") else rec.get("notes", []))
    assert "vision tower" in notes and "trains" in notes
