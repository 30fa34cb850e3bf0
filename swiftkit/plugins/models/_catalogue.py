"""What every built-in vendor package shares: specs from its family tables, with each
checkpoint's support level held to what swiftkit's test suite proves.

A family table marks an architecture ``tested`` when the family matrix trains, resumes,
exports and serves a tiny model of it (tests/test_family_matrix.py). A checkpoint keeps that
level only if its template is also checked against the real chat template of a named
checkpoint (tests/data/chat_templates, tests/test_template_parity*.py); otherwise it is
``untested``, with a note saying which half is proven. Data only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from swiftkit.core import ModelSpec
from swiftkit.models.checkpoints import checkpoint_specs

#: the tag of a checkpoint whose architecture is tested but whose template is not (``swift list
#: models --tag template-unverified``); the family matrix trains these architectures too
TEMPLATE_UNVERIFIED = "template-unverified"

#: template names with a stored real chat template that their parity test passes; a test keeps
#: this equal to the files in tests/data/chat_templates
VERIFIED_TEMPLATES: frozenset[str] = frozenset()


def builtin_checkpoint_specs(
    families: Mapping[str, Mapping[str, Any]],
    rows: Iterable[Sequence[Any]],
    shapes: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[ModelSpec]:
    """:func:`~swiftkit.models.checkpoints.checkpoint_specs`, then ``tested`` only where the
    checkpoint's template is verified too."""
    specs = checkpoint_specs(families, rows, shapes)
    for spec in specs:
        if spec.support == "tested" and spec.template not in VERIFIED_TEMPLATES:
            spec.support = "untested"
            spec.tags.append(TEMPLATE_UNVERIFIED)
            spec.support_note = (
                f"the {spec.architecture} architecture is trained, resumed, exported and served by swiftkit's family "
                f"tests, but the {spec.template!r} template is not checked against the model's real chat template "
                "(no public copy of it was available to test against)"
            )
    return specs
