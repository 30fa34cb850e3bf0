"""Models no plugin registers: any causal LM transformers knows still trains and serves.

A local folder whose ``config.json`` names an architecture no family registers, or a hub id
that is not in the catalogue, gets a spec made on the spot: transformers' own class, the
generic ``tokenizer`` template (the checkpoint's own chat template) and a one-line notice, so
the catalogue is never a wall. Custom code (``auto_map``) is admitted only with
``--trust_remote_code true``, as for a registered ``remote_code`` family.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

from swiftkit.core.errors import NotFoundError
from swiftkit.core.specs import ModelSpec

#: a hub repository id (``org/name``), as the hubs spell them
HUB_ID = re.compile(r"^[\w.\-]+/[\w.\-]+$")


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


def unregistered_spec(name_or_path: str) -> tuple[ModelSpec, str] | None:
    """A spec and its notice for a folder or hub id no plugin registers, or ``None`` when
    transformers cannot load it as a causal LM either (the caller's not-found error stands)."""
    if os.path.isdir(name_or_path):
        config = _read_config(name_or_path)
        if config is None:
            return None
        model_type = str(config.get("model_type") or "")
        archs = [a for a in config.get("architectures") or [] if isinstance(a, str)]
        name = os.path.basename(os.path.normpath(name_or_path)) or "model"
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
        spec = ModelSpec(id=name, family=model_type, architecture=architecture, hf_model_type=model_type,
                         template="tokenizer", support=support, support_note=note, description=note)
        return spec, (f"{name_or_path}: model_type {model_type!r} is not in swiftkit's catalogue; loading it as "
                      f"{architecture or 'its own class'} with the tokenizer's own chat template")
    if HUB_ID.match(name_or_path):
        name = name_or_path.rsplit("/", 1)[-1]
        spec = ModelSpec(id=name, family="unregistered", architecture="", hf_model_type="unregistered",
                         template="tokenizer", support="untested", hf_id=name_or_path, ms_id=name_or_path,
                         support_note="not in swiftkit's catalogue: loaded as transformers reads its config.json")
        return spec, (f"{name_or_path} is not in swiftkit's catalogue (`swift list models`); loading it through "
                      "transformers with the tokenizer's own chat template")
    return None


def resolve_model_spec(registry: Any, name: str, *, model_type: str | None = None) -> tuple[ModelSpec, list[str]]:
    """The spec of ``--model name`` (or of ``--model_type``) and the notices to print.

    A registered id, alias, hub id, family or a local folder of a registered architecture
    resolves through the registry; anything else transformers can load gets
    :func:`unregistered_spec`; otherwise the registry's :class:`NotFoundError` is raised.
    """
    if model_type:
        return registry.resolve_model(model_type).spec, []
    try:
        return registry.resolve_model(name).spec, []
    except NotFoundError:
        found = unregistered_spec(name)
        if found is None:
            raise
        spec, notice = found
        return spec, [notice]
