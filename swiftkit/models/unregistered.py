"""Models no plugin registers: any causal LM transformers knows still trains and serves.

A local folder (or the snapshot of a hub id, see :func:`swiftkit.models.hub.fetch_model`)
whose ``config.json`` names an architecture no family registers gets a spec made on the spot:
transformers' own class, the generic ``tokenizer`` template (the checkpoint's own chat
template) and a one-line notice, so the catalogue is never a wall. Custom code (``auto_map``) is admitted only with
``--trust_remote_code true``, as for a registered ``remote_code`` family.
"""

from __future__ import annotations

import json
import os
from typing import Any

from swiftkit.core.errors import NotFoundError
from swiftkit.core.specs import ModelSpec


def _read_config(folder: str) -> dict[str, Any] | None:
    try:
        with open(os.path.join(folder, "config.json"), encoding="utf-8") as fh:
            config = json.load(fh)
    except (OSError, ValueError):
        return None
    return config if isinstance(config, dict) else None


def _causal_lm_class(model_type: str) -> str | None:
    """transformers' causal-LM class for ``model_type``, or ``None`` when it has none."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_CAUSAL_LM_MAPPING_NAMES

    return MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.get(model_type)


def unregistered_spec(folder: str, *, name: str | None = None) -> tuple[ModelSpec, str] | None:
    """A spec and its notice for a local folder no plugin registers, or ``None`` when
    transformers cannot load it as a causal LM either (the caller's not-found error stands).

    ``name`` is what the user gave (a hub id whose snapshot ``folder`` is): the spec's id and
    hub ids and the notice use it; without it, the folder names them."""
    config = _read_config(folder)
    if config is None:
        return None
    model_type = str(config.get("model_type") or "")
    archs = [a for a in config.get("architectures") or [] if isinstance(a, str)]
    native = _causal_lm_class(model_type) if model_type else None
    custom = (config.get("auto_map") or {}).get("AutoModelForCausalLM")
    if native:
        support, note = "untested", "not in swiftkit's catalogue: transformers' own class, the checkpoint's chat template"
        architecture = archs[0] if archs else native
    elif custom:
        support, note = "remote_code", f"{custom} from the checkpoint's own code (not in swiftkit's catalogue)"
        architecture = archs[0] if archs else ""
    else:
        return None
    shown = name or folder
    spec = ModelSpec(id=(name or os.path.normpath(folder)).rsplit("/", 1)[-1] or "model", family=model_type,
                     architecture=architecture, hf_model_type=model_type, template="tokenizer", support=support,
                     support_note=note, description=note, hf_id=name, ms_id=name)
    return spec, (f"{shown}: model_type {model_type!r} is not in swiftkit's catalogue (`swift list models`); loading it "
                  f"as {architecture or 'its own class'} with the tokenizer's own chat template")


def resolve_model_spec(registry: Any, name: str, *, model_type: str | None = None,
                       shown_as: str | None = None) -> tuple[ModelSpec, list[str]]:
    """The spec of ``--model name`` (or of ``--model_type``) and the notices to print.

    A registered id, alias, hub id, family or a local folder of a registered architecture
    resolves through the registry; a folder of anything else transformers can load gets
    :func:`unregistered_spec` (``shown_as``: the hub id it was downloaded as); otherwise the
    registry's :class:`NotFoundError` is raised.
    """
    if model_type:
        return registry.resolve_model(model_type).spec, []
    try:
        return registry.resolve_model(name).spec, []
    except NotFoundError:
        found = unregistered_spec(name, name=shown_as) if os.path.isdir(name) else None
        if found is None:
            raise
        spec, notice = found
        return spec, [notice]
