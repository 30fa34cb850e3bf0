"""The built-in catalogue against the public listing (ms-swift's "Supported Models" page, in
``../shared/catalogue`` when present, else the copy under tests/data): every text checkpoint
registered with both hub ids exactly, an honest support level with its reason, templates that
exist. Registration modules only (no torch)."""

from __future__ import annotations

import collections
import csv
import importlib
from pathlib import Path

import pytest
import tomllib

REPO = Path(__file__).resolve().parents[1]
LISTING = REPO / "tests" / "data" / "catalogue" / "public-model-listing.csv"
TEXT = "Large Language Models"


def _vendor_modules() -> list[str]:
    with open(REPO / "pyproject.toml", "rb") as fh:
        return list(tomllib.load(fh)["project"]["entry-points"]["swiftkit.models"].values())


@pytest.fixture(scope="module")
def specs():
    out = []
    for name in _vendor_modules():
        out.extend(importlib.import_module(name).swift_register_models())
    return out


@pytest.fixture(scope="module")
def listing():
    with open(LISTING, encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["section"] == TEXT]


#: listing rows whose id on one hub is a slip of the listing, with what is registered instead and why
LISTING_SLIPS = {
    "PaddlePaddle/ERNIE-4.5-0.3B-Base-PT": (
        "baidu/ERNIE-4.5-0.3B-Base-PT",
        "the listing repeats the post-trained model's Hugging Face id (baidu/ERNIE-4.5-0.3B-PT) for the base row; "
        "the base model's own repository is registered",
    ),
}


def test_every_text_checkpoint_of_the_listing_is_registered_with_both_hub_ids(specs, listing):
    by_ms = {s.ms_id: s for s in specs if s.ms_id}
    by_hf = {s.hf_id: s for s in specs if s.hf_id}
    missing, wrong = [], []
    for row in listing:
        ms, hf = row["modelscope_id"] or None, row["hf_id"] or None
        spec = (by_ms.get(ms) if ms else None) or (by_hf.get(hf) if hf else None)
        if spec is None:
            missing.append(ms or hf)
        elif ms in LISTING_SLIPS and spec.hf_id == LISTING_SLIPS[ms][0]:
            continue
        elif (spec.ms_id, spec.hf_id) != (ms, hf):
            wrong.append(f"{spec.id}: ({spec.ms_id}, {spec.hf_id}) != listing ({ms}, {hf})")
    assert not missing, f"{len(missing)} listing rows not registered: {missing[:20]}"
    assert not wrong, "\n".join(wrong[:20])
    assert len(listing) >= 713


def test_hub_ids_that_appear_in_the_listing_match_its_row(specs, listing):
    rows = {r["modelscope_id"]: r for r in listing if r["modelscope_id"]}
    rows.update({r["hf_id"]: r for r in listing if r["hf_id"]})
    for spec in specs:
        for hub_id in (spec.ms_id, spec.hf_id):
            if hub_id in rows and spec.ms_id not in LISTING_SLIPS:
                row = rows[hub_id]
                assert (spec.ms_id, spec.hf_id) == (row["modelscope_id"] or None, row["hf_id"] or None), spec.id


def test_families_follow_the_listing_model_types(specs, listing):
    families = {s.family for s in specs}
    assert len(families) >= 100, len(families)
    listed_types = {r["model_type"] for r in listing}
    assert listed_types <= families, sorted(listed_types - families)


def test_support_levels_are_honest(specs):
    for spec in specs:
        if spec.support != "tested":
            assert spec.support_note, f"{spec.id}: a {spec.support} checkpoint says why"


def test_families_have_one_support_level(specs):
    by_family = collections.defaultdict(set)
    for s in specs:
        by_family[s.family].add(s.support)
    mixed = {f: sorted(v) for f, v in by_family.items() if len(v) > 1}
    # quantized checkpoints inherit the level; a family may mix only where the note explains it
    for family, levels in mixed.items():
        notes = {s.support_note for s in specs if s.family == family and s.support != "tested"}
        assert all(notes), f"{family}: levels {levels} without a reason"


def test_quantized_names_carry_their_format(specs):
    markers = ("-awq", "-gptq", "-fp8", "-bnb-4bit", "-int4", "-int8", "-aqlm")
    for spec in specs:
        name = (spec.hf_id or spec.ms_id or "").lower()
        if any(m in name for m in markers):
            assert spec.quant_method, f"{spec.id} ({name}) is pre-quantized but carries no quant_method"


def test_every_template_named_exists():
    from swiftkit.core.registry import get_registry

    registry = get_registry()
    names = {n.lower() for e in registry.find("template") for n in e.names()}
    missing = sorted({e.data["template"] for e in registry.find("model")} - names)
    assert not missing, missing
