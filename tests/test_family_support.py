"""What ``support == "tested"`` must be backed by, checked over the whole registry.

A family marked ``tested`` runs through the training matrix (tests/test_family_matrix.py;
task checkpoints through tests/test_task_encoders.py, which checks its own);
these cheaper checks say what else the mark promises: its architecture is transformers' own
class (built at tiny size, no remote code), and each template its checkpoints name has a parity
file of the real chat template (tests/data/chat_templates/<template>.jinja). And every built-in
checkpoint states its support level: none is left ``untested``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from swiftkit.core.plugins import BUILTIN_DIST
from swiftkit.core.registry import get_registry
from swiftkit.models.checkpoints import TEMPLATE_UNVERIFIED

TEMPLATE_PARITY_DIR = Path(__file__).parent / "data" / "chat_templates"
#: parameters a tiny model may have (the dense ones have ~100k): the training matrix runs
#: every tested family, so each must train in well under a second per step on a CPU
TINY_LIMIT = 2_000_000


def specs_marked_tested(registry, *, architecture: bool = False) -> dict[str, list]:
    """family -> its causal-LM entries marked ``tested`` (with ``architecture``: also those whose
    architecture is tested but whose template is not, tagged ``template-unverified``). Task
    checkpoints (encoders, reward models) marked ``tested`` are proven by
    tests/test_task_encoders.py instead."""
    out: dict[str, list] = defaultdict(list)
    for entry in registry.entries("model"):
        if entry.data.get("task", "causal_lm") != "causal_lm":
            continue
        if entry.data.get("support") == "tested" or (architecture and TEMPLATE_UNVERIFIED in entry.data.get("tags", [])):
            out[entry.data["family"]].append(entry)
    return dict(sorted(out.items()))


@pytest.fixture(scope="module")
def registry():
    return get_registry()


def test_tested_families_build_their_own_native_architecture(registry):
    """Each distinct (loader, model_type, architecture) of a tested family builds, at tiny size
    (:data:`TINY_LIMIT`), a model of exactly the spec's ``architecture`` class, defined by
    transformers itself."""
    from transformers import AutoModelForCausalLM

    from swiftkit.core.lazy import resolve

    families = specs_marked_tested(registry, architecture=True)
    if not families:
        pytest.skip("no registered family is marked support='tested'")
    problems, seen = [], set()
    for family, entries in families.items():
        for entry in entries:
            spec = entry.spec
            key = (spec.loader, spec.hf_model_type, spec.architecture)
            if key in seen:
                continue
            seen.add(key)
            try:
                loader = resolve(spec.loader, spec.REFS["loader"])(spec)
                config = loader.tiny_config(256, bos_token_id=1, eos_token_id=2, pad_token_id=0)
                # a multimodal loader builds with its own auto class (API 1.4)
                model = loader.model_from_config(config) if hasattr(loader, "model_from_config") \
                    else AutoModelForCausalLM.from_config(config)
            except Exception as exc:  # noqa: BLE001 - reported with the family below
                problems.append(f"{family} ({spec.id}): no tiny model: {type(exc).__name__}: {exc}")
                continue
            cls = type(model)
            if cls.__name__ != spec.architecture:
                problems.append(f"{family} ({spec.id}): builds {cls.__name__}, the spec says {spec.architecture}")
            elif not cls.__module__.startswith("transformers.models."):
                problems.append(f"{family} ({spec.id}): {cls.__name__} comes from {cls.__module__}, not transformers")
            elif (size := sum(p.numel() for p in model.parameters())) > TINY_LIMIT:
                problems.append(f"{family} ({spec.id}): the tiny {cls.__name__} has {size:,} parameters (limit "
                                f"{TINY_LIMIT:,}): its loader's TINY_OVERRIDES must shrink what the defaults keep large "
                                "(experts: their number and moe_intermediate_size; head_dim ...)")
    assert not problems, "families marked 'tested' whose architecture is not native:\n" + "\n".join(problems)


def test_tested_families_have_a_checkpoint_the_matrix_trains(registry):
    """The training matrix (tests/test_family_matrix.py) runs a family's first ``tested``
    checkpoint that is a plain causal LM; a family marked ``tested`` without one is unproven."""
    from swiftkit.testing.tiny import tested_families

    unproven = sorted(family for family, model_id in tested_families(registry).items()
                      if not model_id and family in specs_marked_tested(registry, architecture=True))
    assert not unproven, (
        "families marked 'tested' without a task='causal_lm' checkpoint marked tested, so the "
        f"training matrix cannot run them: {', '.join(unproven)}"
    )


def test_tested_families_templates_have_parity_files(registry):
    families = specs_marked_tested(registry)
    if not families:
        pytest.skip("no registered family is marked support='tested'")
    if not TEMPLATE_PARITY_DIR.is_dir():
        pytest.skip(f"{TEMPLATE_PARITY_DIR} does not exist yet: the template parity files are not in this tree")
    from swiftkit.plugins.models._catalogue import VERIFIED_TEMPLATES

    missing: dict[str, set[str]] = defaultdict(set)
    for family, entries in families.items():
        for entry in entries:
            template = entry.data["template"]
            # a file of its own, or another name of a verified template's spec (gemma3_text: gemma)
            if not (TEMPLATE_PARITY_DIR / f"{template}.jinja").is_file() and template not in VERIFIED_TEMPLATES:
                missing[template].add(family)
    assert not missing, (
        f"templates of families marked 'tested' without a real chat template in {TEMPLATE_PARITY_DIR}:\n"
        + "\n".join(f"  {t}.jinja (families: {', '.join(sorted(f))})" for t, f in sorted(missing.items()))
    )


def test_no_built_in_checkpoint_is_left_untested(registry):
    """Built-in checkpoints say how far swiftkit vouches for them (tested, remote_code or
    unsupported); ``untested`` is what a third-party plugin gets when it says nothing, and what a
    built-in checkpoint of a tested architecture gets when its template has no real chat
    template to be checked against -- then with a note saying so."""
    untested: dict[str, list[str]] = defaultdict(list)
    for entry in registry.entries("model"):
        if entry.plugin.dist == BUILTIN_DIST and entry.data.get("support", "untested") == "untested" \
                and TEMPLATE_UNVERIFIED not in entry.data.get("tags", []) \
                and entry.data.get("task", "causal_lm") == "causal_lm":  # task models: outside the causal-LM matrix
            untested[f"{entry.plugin.name}:{entry.data['family']}"].append(entry.id)
    assert not untested, "built-in checkpoints without a support level:\n" + "\n".join(
        f"  {family}: {len(ids)} ({', '.join(ids[:3])}{', ...' if len(ids) > 3 else ''})"
        for family, ids in sorted(untested.items())
    )


def test_verified_templates_are_the_stored_real_chat_templates():
    """A checkpoint keeps ``tested`` only with a template in VERIFIED_TEMPLATES: exactly the
    stored real chat templates that render like ours in at least half of the parity tests'
    sample conversations (the rest being documented, intended differences)."""
    import test_template_parity as parity
    import test_template_parity_west as west

    from swiftkit.plugins.models._catalogue import VERIFIED_TEMPLATES

    cases, differing = Counter(t for t, _ in parity.PARAMS), Counter(t for t, _ in parity.KNOWN_DIFFERENCES)
    for template in west.IDS:
        cases[template] = len(west.CONVERSATIONS)
    differing.update(t for t, _ in west.KNOWN)
    # multimodal templates (SOURCES_mm.json) are checked by tests/test_mm_*.py, which fail on any difference
    mm_file = TEMPLATE_PARITY_DIR / "SOURCES_mm.json"
    multimodal = set(json.loads(mm_file.read_text(encoding="utf-8"))) if mm_file.exists() else set()
    stored = {p.stem for p in TEMPLATE_PARITY_DIR.glob("*.jinja")} - multimodal
    assert set(cases) == stored, "every stored real chat template is checked by a parity test"
    matching = {t for t in stored if differing[t] * 2 <= cases[t]} | multimodal
    assert matching <= VERIFIED_TEMPLATES, f"matching but not listed: {sorted(matching - VERIFIED_TEMPLATES)}"
    # the rest may only be other names of a matching template's spec
    others = {name for e in get_registry().entries("template") for name in (e.id, *e.data.get("aliases", []))
              if {e.id, *e.data.get("aliases", [])} & matching}
    assert VERIFIED_TEMPLATES - matching <= others, f"not verified: {sorted(VERIFIED_TEMPLATES - matching - others)}"
