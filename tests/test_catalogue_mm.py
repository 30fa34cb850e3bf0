"""The multimodal catalogue rows no family branch owns (issue 14): every listing row of those model
types registered with its exact hub ids, family = model type, template = default template,
modalities = the listing's tags; honest support levels with notes; unique names; every template
they name resolves and renders text, and refuses media (no processor yet).

Data checks only: nothing here imports torch or transformers.
"""

from __future__ import annotations

import csv
import importlib
import re
from collections import Counter
from pathlib import Path

import pytest

from swiftkit.core.specs import SUPPORT_LEVELS, ModelSpec
from swiftkit.core.templates.media import Media
from swiftkit.plugins.templates import multimodal_templates
from swiftkit.templates.base import FormatTemplate

LISTING = Path("/work/shared/catalogue/public-model-listing.csv")
#: the model types the family branches own (tested families with media processors)
OWNED = set(
    "qwen2_vl qwen2_5_vl qwen3_vl qwen3_vl_moe qwen2_audio qwen2_5_omni llava1_5_hf llava1_6_mistral_hf "
    "llava1_6_vicuna_hf llava1_6_yi_hf llama3_llava_next_hf llava_llama3_hf llava_llama3_1_hf llava_next_qwen_hf "
    "llava_onevision_hf llava_next_video_hf llava_next_video_yi_hf idefics3 paligemma gemma3_vision "
    "llama3_2_vision mistral3 mistral3_2506 pixtral internvl glm4v glm4v_moe".split()
)
#: multimodal-section rows the text catalogue registers already (the same hub ids in its section)
TEXT_REGISTERED = {"ZhipuAI/glm-edge-4b-chat"}
#: templates of these rows that another branch registers (mm-audio: qwen2_audio)
OTHER_BRANCH_TEMPLATES = {"qwen2_audio"}
VENDORS = ("qwen", "community", "zhipu", "internlm", "llama", "yi", "baidu", "llava", "deepseek", "openbmb",
           "minimax", "rednote", "bytedance", "xiaomi", "phi", "allenai", "gemma", "tencent")
MODALITY = {"vision": "image", "video": "video", "audio": "audio", "tts": "audio"}
# what the listing says of a model type -> the model types' module names in their vendor packages
TRANSFORMERS_PIN = "5.19"


def _rows() -> list[dict[str, str]]:
    if not LISTING.exists():
        pytest.skip(f"{LISTING} is not on this machine")
    return [r for r in csv.DictReader(LISTING.open(encoding="utf-8"))
            if r["section"] == "Multimodal large models" and r["model_type"] not in OWNED]


@pytest.fixture(scope="module")
def specs() -> list[ModelSpec]:
    """Every spec of the catalogue modules of this issue (registered by their vendor packages)."""
    types = {r["model_type"] for r in _rows()}
    out: list[ModelSpec] = []
    for vendor in VENDORS:
        package = importlib.import_module(f"swiftkit.plugins.models.{vendor}")
        out += [s for s in package.swift_register_models() if s.family in types]
    return out


@pytest.fixture(scope="module")
def templates() -> dict[str, object]:
    from swiftkit.plugins import templates as builtin

    found = {}
    for spec in builtin.swift_register_templates():
        for name in spec.names():
            found[name] = spec
    return found


def test_every_listing_row_is_registered_exactly(specs):
    by_ms = {s.ms_id: s for s in specs if s.ms_id}
    by_hf = {s.hf_id: s for s in specs if s.hf_id}
    missing, wrong = [], []
    for r in _rows():
        if r["modelscope_id"] in TEXT_REGISTERED:
            continue
        spec = by_ms.get(r["modelscope_id"]) or by_hf.get(r["hf_id"])
        if spec is None:
            missing.append(r["modelscope_id"] or r["hf_id"])
            continue
        # a row the listing tags with nothing reads images (every one of them does: CogVLM, GLM-4V, Kimi-VL ...)
        mods = [m for tag, m in MODALITY.items() for t in r["tags"].split(",") if t.strip() == tag] or ["image"]
        got = (spec.ms_id, spec.hf_id, spec.family, spec.template, sorted(set(spec.modalities)))
        want = (r["modelscope_id"] or None, r["hf_id"] or None, r["model_type"], r["default_template"], sorted(set(mods)))
        if got != want:
            wrong.append((spec.id, got, want))
    assert not missing, f"listing rows not registered: {missing}"
    assert not wrong, wrong[:5]


def test_the_text_registered_row_is_the_text_catalogues():
    from swiftkit.plugins.models import zhipu

    ids = {s.ms_id: s for s in zhipu.swift_register_models()}
    assert ids["ZhipuAI/glm-edge-4b-chat"].family == "glm_edge"


def test_extra_checkpoints_are_of_registered_families_and_few(specs):
    listed = {r["modelscope_id"] for r in _rows()} | {r["hf_id"] for r in _rows()}
    extra = [s for s in specs if s.ms_id not in listed and s.hf_id not in listed]
    assert 40 <= len(extra) <= 60, len(extra)
    families = {s.family for s in specs if s.ms_id in listed or s.hf_id in listed}
    for s in extra:
        assert s.family in families, s.id
        assert s.hf_id and re.fullmatch(r"[\w.\-]+/[\w.\-]+", s.hf_id), s.id
        assert s.ms_id is None, f"{s.id}: no ModelScope id was verified for the extra checkpoints"


def test_names_are_unique_across_the_whole_registry(specs):
    """Discovery refuses a plugin whose names clash (with itself or another plugin): every vendor
    package stays healthy, and the catalogue reaches the issue's 1,200 with the other branches' rows."""
    from swiftkit.core.registry import get_registry

    registry = get_registry()
    broken = [(p.name, p.reason) for p in registry.plugins if p.status != "ok" and p.name in VENDORS]
    assert not broken, broken
    names = Counter(n for e in registry.entries("model") for n in {m.lower() for m in e.names()})
    assert not [n for n, c in names.items() if c > 1]
    ids = {e.id for e in registry.entries("model")}
    assert {s.id for s in specs} <= ids
    owned_rows = 451 - len(_rows())  # the family branches register these
    assert len(ids) + owned_rows >= 1200, len(ids)


def test_support_levels_are_honest(specs):
    levels = Counter(s.support for s in specs)
    assert set(levels) <= set(SUPPORT_LEVELS) - {"untested", "tested"}, levels
    for s in specs:
        assert s.support_note, s.id
        note = s.support_note
        if s.support == "remote_code":
            # names the checkpoint's class: the architecture recorded for it
            assert s.architecture in note and "checkpoint's own" in note, (s.id, note)
        else:
            assert re.search(r"transformers|package|repository|task|torchvision|subfolder|generat", note), (s.id, note)
        if "media processor" in note and s.support == "unsupported":
            # "native in transformers 5.19": the architecture really is there
            assert TRANSFORMERS_PIN in note
        pinned = [r for r in s.requires if r.startswith("transformers") and re.search(r"<|==", r)]
        if pinned and s.support == "remote_code":
            pytest.fail(f"{s.id}: requires {pinned} but is marked remote_code")


def test_native_architectures_exist_in_the_pinned_transformers(specs):
    pytest.importorskip("transformers")
    from transformers.models.auto import modeling_auto
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    native = set()
    for name in dir(modeling_auto):
        if name.startswith("MODEL_") and name.endswith("_MAPPING_NAMES"):
            native.update(v for v in getattr(modeling_auto, name).values() if isinstance(v, str))
    for s in specs:
        if "is native in transformers" in (s.support_note or ""):
            assert s.architecture in native, s.id
        if s.support == "remote_code":
            # the checkpoint's config names a model type transformers does not know, or (GLM-Edge-V, the
            # original Florence-2 repositories) maps a known one to its own code through auto_map
            assert s.hf_model_type not in CONFIG_MAPPING_NAMES or s.hf_model_type in {"glm", "florence2"}, s.id


def test_every_template_resolves_renders_text_and_refuses_media(specs, templates):
    used = {s.template for s in specs}
    unresolved = used - set(templates) - OTHER_BRANCH_TEMPLATES
    assert not unresolved, sorted(unresolved)
    ours = {t.id: t for t in multimodal_templates.swift_register_templates()}
    for name in sorted(used & set(ours)):
        spec = ours[name]
        assert spec.media is None and "does not process" in spec.description, name
        template = FormatTemplate(spec)
        text = template.render([{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4"}])
        assert "What is 2+2?" in text and "4" in text, name
        with pytest.raises(ValueError):
            template.with_media([{"role": "user", "content": "<image>What is this?"}], Media(images=["x"]))


def test_template_formats_read_from_ms_swift_are_those_formats():
    ours = {t.id: t for t in multimodal_templates.swift_register_templates()}
    internvl2 = FormatTemplate(ours["internvl2"]).render([{"role": "user", "content": "hi"}], add_generation_prompt=True)
    assert internvl2 == (f"<|im_start|>system\n{multimodal_templates.INTERNVL2_SYSTEM}<|im_end|>\n"
                         "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")
    molmo = FormatTemplate(ours["molmo"]).render([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}])
    assert molmo == " User: hi Assistant:yo<|endoftext|>"
    unverified = [t.id for t in ours.values() if "format unverified" in t.description]
    cited = [t.id for t in ours.values() if "format of ms-swift's" in t.description]
    assert len(unverified) + len(cited) == len(ours) and len(cited) >= 15
