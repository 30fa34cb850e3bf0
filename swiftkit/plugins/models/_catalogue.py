"""What every built-in vendor package shares: specs from its family tables, with each
checkpoint's support level held to what swiftkit's test suite proves.

A family table marks an architecture ``tested`` when the family matrix trains, resumes,
exports and serves a tiny model of it (tests/test_family_matrix.py). A checkpoint keeps that
level only if its template is also checked against the real chat template of a named
checkpoint (tests/data/chat_templates, tests/test_template_parity*.py); otherwise it is
``untested``, with a note saying which half is proven. Data only.

Task checkpoints (``task`` other than ``causal_lm``) are ``tested`` when
tests/test_task_encoders.py trains a tiny model of their architecture as their task and serves
or predicts with it. A bidirectional encoder (:data:`ENCODER_MODEL_TYPES`) reads plain text and
text pairs with its tokenizer's own special tokens, never a chat template, so its template is
not part of what is proven.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from swiftkit.core import ModelSpec
from swiftkit.models.checkpoints import TEMPLATE_UNVERIFIED, checkpoint_specs

#: templates whose real chat template is stored (tests/data/chat_templates) and renders like
#: ours in at least half of the parity tests' sample conversations, every other one being an
#: intended, documented difference (tests/test_family_support.py keeps this list honest)
VERIFIED_TEMPLATES: frozenset[str] = frozenset({
    "aya", "c4ai", "dbrx", "deepseek", "deepseek_v2_5", "deepseek_v3_1", "ernie", "gemma", "glm4_5", "glm4_7",
    "gpt_oss", "hy_v3", "internlm2", "kimi_k2", "llama", "llama3", "llama3_2", "megrez", "minimind", "mistral",
    "mistral_2501", "mistral_nemo", "orion", "phi3", "phi4", "qwen", "qwen2_5", "qwen2_5_math", "qwen3",
    "qwen3_coder", "qwen3_thinking", "qwq", "seed_oss", "yi_coder", "zephyr",
    # other names of those same specs, whose format is that family's by construction (not the
    # aliases guessed for formats nobody could read: deepseek_v4, glm5_1, glm5_2, minicpm5)
    "gemma3_text", "llama2", "qwen2_5_math_prm",
    # multimodal (issue 14): stored with tests/data/chat_templates/SOURCES_mm.json, checked by tests/test_mm_*.py
    "qwen2_vl", "qwen2_5_vl",
})


#: ``model_type`` of the bidirectional encoders in the catalogue (transformers has a masked-LM
#: head for each: :func:`swiftkit.plugins.methods._tasks.is_encoder` says the same at run time)
ENCODER_MODEL_TYPES: frozenset[str] = frozenset({"bert", "modernbert", "xlm-roberta"})


def builtin_checkpoint_specs(
    families: Mapping[str, Mapping[str, Any]],
    rows: Iterable[Sequence[Any]],
    shapes: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[ModelSpec]:
    """:func:`~swiftkit.models.checkpoints.checkpoint_specs`, then ``tested`` only where the
    checkpoint's template is verified too (an encoder's text takes no template)."""
    specs = checkpoint_specs(families, rows, shapes)
    for spec in specs:
        if spec.support == "tested" and spec.template not in VERIFIED_TEMPLATES \
                and spec.hf_model_type not in ENCODER_MODEL_TYPES:
            spec.support = "untested"
            spec.tags.append(TEMPLATE_UNVERIFIED)
            spec.support_note = (
                (f"{spec.support_note.rstrip('.')}. " if spec.support_note else "")
                + f"Only the architecture is proven: the {spec.template!r} template is not checked against the "
                "model's real chat template (no public copy of it was available to test against)"
            )
    return specs


def architecture_tested(spec: ModelSpec) -> bool:
    """Whether the family tests prove the checkpoint's architecture (``tested``, or ``untested``
    only for want of its real chat template)."""
    return spec.support == "tested" or TEMPLATE_UNVERIFIED in spec.tags


#: context length from which a checkpoint is tagged ``long-context`` (128K)
LONG_CONTEXT = 131072


def vendor_specs(package: str, modules: Sequence[str]) -> list[ModelSpec]:
    """Every checkpoint of the family data modules ``modules`` of the vendor ``package``
    (each holding ``FAMILIES`` / ``CHECKPOINTS`` and optionally ``SHAPES``), in order.

    Checkpoints of :data:`LONG_CONTEXT` tokens or more are tagged ``long-context``; a hub
    repository name that is another checkpoint's id (a re-upload under the same name) is not
    kept as an alias, so that every name stays unique.
    """
    import importlib

    specs: list[ModelSpec] = []
    for name in modules:
        module = importlib.import_module(f"{package}.{name}")
        specs.extend(builtin_checkpoint_specs(module.FAMILIES, module.CHECKPOINTS, getattr(module, "SHAPES", None)))
    ids = {spec.id for spec in specs}
    for spec in specs:
        spec.aliases = [alias for alias in spec.aliases if alias not in ids]
        if (spec.max_length or 0) >= LONG_CONTEXT and "long-context" not in spec.tags:
            spec.tags.append("long-context")
    return specs
