"""Tiny offline models of a registered family's real architecture.

:func:`build_tiny_model` writes a folder that looks like a real checkpoint (``config.json``,
``model.safetensors``, ``generation_config.json``, tokenizer files with the chat template),
so tests load it through the same code path as a downloaded model: the family's
:class:`~swiftkit.core.models.interface.ModelLoader`. Nothing is downloaded and nothing is
cached between calls; a test that wants to reuse a model builds it in a session fixture::

    @pytest.fixture(scope="session")
    def tiny_qwen(tmp_path_factory):
        return build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("qwen"))

torch and transformers are imported inside the functions.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from swiftkit.core.registry import Registry
    from swiftkit.core.specs import ModelSpec

__all__ = ["build_tiny_model", "tested_families", "tiny_families"]


def _registry(registry: Registry | None) -> Registry:
    if registry is not None:
        return registry
    from swiftkit.core.registry import get_registry

    return get_registry()


def _model_spec(model: str | ModelSpec, registry: Registry) -> ModelSpec:
    from swiftkit.core.specs import ModelSpec

    if isinstance(model, ModelSpec):
        return model
    # id, alias, Hugging Face / ModelScope id (any case), or a family name (its first model)
    return registry.resolve_model(model).spec


def _stop_token_ids(tokenizer: Any, template: str, registry: Registry) -> list[int]:
    """The eos id first, then the ids of the template's stop words that are single tokens."""
    ids = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    try:
        stop_words = registry.get("template", template).spec.stop_words
    except LookupError:
        stop_words = []
    vocab = tokenizer.get_vocab()
    for word in stop_words:
        token_id = vocab.get(word)
        if token_id is not None and token_id not in ids:
            ids.append(token_id)
    return ids


def build_tiny_model(
    model: str | ModelSpec,
    out_dir: str | os.PathLike[str],
    *,
    registry: Registry | None = None,
    seed: int = 0,
    tokenizer_corpus: list[str] | None = None,
    vocab_size: int = 512,
    **config_overrides: Any,
) -> Path:
    """Build a tiny random model of ``model``'s family and save it, with its tokenizer, to ``out_dir``.

    ``model`` is a registered model (id, alias, hub id, any case), a family name (its first
    model), or a :class:`~swiftkit.core.specs.ModelSpec` not yet installed (a plugin under
    development). The tokenizer is :func:`swiftkit.testing.tokenizer.build_tokenizer` for the
    model's template (its special tokens, eos and exported ``chat_template``); the config is
    the family loader's :meth:`~swiftkit.core.models.interface.ModelLoader.tiny_config` with
    the tokenizer's vocabulary and special-token ids, then ``config_overrides``. The weights
    depend only on ``seed`` (the caller's torch RNG state is left untouched). The saved
    ``generation_config.json`` stops on the eos token and on the template's stop words.

    ``tokenizer_corpus`` / ``vocab_size`` shape the tokenizer (a demo trains it on its own data
    so that words are whole tokens).

    Returns ``Path(out_dir)``.
    """
    from swiftkit.core.lazy import resolve

    reg = _registry(registry)
    spec = _model_spec(model, reg)
    loader = resolve(spec.loader, spec.REFS["loader"])(spec)

    from swiftkit.models.offline_tokenizer import build_tokenizer

    tokenizer = build_tokenizer(spec.template, registry=reg, corpus=tokenizer_corpus, vocab_size=vocab_size)
    eos_id = tokenizer.eos_token_id
    if eos_id is None:
        raise ValueError(f"the tokenizer built for template {spec.template!r} has no eos token")
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else eos_id
    special = {"eos_token_id": eos_id, "pad_token_id": pad_id, "bos_token_id": tokenizer.bos_token_id}
    token_ids = loader.tiny_token_ids(tokenizer) if hasattr(loader, "tiny_token_ids") else {}
    config = loader.tiny_config(len(tokenizer), **{**special, **token_ids, **config_overrides})

    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if hasattr(loader, "model_from_config"):
            tiny = loader.model_from_config(config)
        else:  # a plugin loader written against API < 1.4
            tiny = AutoModelForCausalLM.from_config(config)
    tiny.eval()  # from_config returns train mode (dropout on); from_pretrained returns eval mode

    stop_ids = _stop_token_ids(tokenizer, spec.template, reg)
    tiny.generation_config = GenerationConfig(
        bos_token_id=config.bos_token_id,
        eos_token_id=stop_ids[0] if len(stop_ids) == 1 else stop_ids,
        pad_token_id=pad_id,
    )

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tiny.save_pretrained(out)
    tokenizer.save_pretrained(out)
    if hasattr(loader, "save_extras"):
        loader.save_extras(str(out), tokenizer, config)
    return out


def tiny_families(registry: Registry | None = None) -> list[str]:
    """One representative model id per registered family, sorted by family.

    The representative is the family's smallest instruction-tuned model (tag ``instruct``),
    else its smallest model; ties keep registration order.
    """
    reg = _registry(registry)
    out = []
    for _family, entries in sorted(reg.families().items()):
        instruct = [e for e in entries if "instruct" in e.data.get("tags", [])]
        pool = instruct or entries
        best = min(pool, key=lambda e: e.data.get("params_billion") or float("inf"))
        out.append(best.id)
    return out


def tested_families(registry: Registry | None = None, *, multimodal: bool = False) -> dict[str, str]:
    """Family -> representative model id, for every family with a checkpoint marked
    ``support == "tested"``, sorted by family: the training matrix of swiftkit's test suite
    runs each on a tiny model of the representative's architecture. ``multimodal``: the
    families whose checkpoints read media (``modalities``: the multimodal matrix,
    tests/test_mm_family_matrix.py) instead of the text ones (tests/test_family_matrix.py).

    The representative is the family's first (registration order) ``tested`` checkpoint whose
    ``task`` is ``causal_lm``, an unquantized one when there is one: the tiny model is built from
    the architecture's config either way, so a family published only pre-quantized (DeepSeek-V3.2
    in FP8) is trained at full precision. A family without a causal LM maps to ``""``: nothing
    the matrix can train (a family of task checkpoints, such as the encoders and reward models,
    is proven by tests/test_task_encoders.py instead).
    """
    from swiftkit.models.checkpoints import TEMPLATE_UNVERIFIED

    reg = _registry(registry)
    out: dict[str, str] = {}
    for family, entries in sorted(reg.families().items()):
        # a built-in checkpoint of a tested architecture whose template could not be checked is
        # `untested` with this tag: its architecture is still the matrix's to prove
        tested = [e for e in entries
                  if e.data.get("support") == "tested" or TEMPLATE_UNVERIFIED in e.data.get("tags", [])]
        if not tested or any(e.data.get("modalities") for e in entries) != multimodal:
            continue
        causal = [e for e in tested if e.data.get("task", "causal_lm") == "causal_lm"]
        trainable = [e for e in causal if not e.data.get("quant_method")] or causal
        out[family] = trainable[0].id if trainable else ""
    return out
