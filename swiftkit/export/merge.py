"""``swift export --merge_lora``: a training checkpoint written out as a complete model folder.

From a training checkpoint (``--model ckpt``, or ``--model base --adapters ckpt``) the base model
is loaded through its family's loader and the checkpoint applied by the tuner that wrote it
(``Tuner.load_trained``, the tuner named by the checkpoint's ``args.json``: peft for adapters,
the tuner's own reader for a checkpoint that holds only what it trained, such as ``freeze``'s);
a peft model is then merged (``merge_and_unload``). The folder written holds the merged weights, the generation config, the
tokenizer whose ``chat_template`` is the training template's exported Jinja
(``template.chat_template()``), and an ``args.json`` naming the template, the model and what it
was merged from, so ``swift infer`` / ``swift deploy`` need nothing else. Files an objective
saved next to the adapter (:data:`CARRIED_FILES`: a reward model's ``value_head.safetensors``)
are copied along.

Writing is atomic: everything goes into a hidden sibling folder (``.<name>.partial-<pid>-<id>``)
which is renamed into place only once complete and checked (the tokenizer is reloaded from it
and must render like the template, :mod:`swiftkit.templates.parity`). A failure removes
the partial folder; a killed export leaves only a hidden partial folder, removed by the next
export to the same place. An existing output folder is replaced only with ``overwrite``.

Details that keep the merged model answering exactly like base + adapter:

- tied input/output embeddings (``tie_word_embeddings``) are untied before merging, since a
  LoRA on ``lm_head`` would otherwise change the embeddings too; they are tied again when the
  merge left them equal;
- PiSSA / OLoRA checkpoints hold the adapter in its training form (relative to a base with the
  initial adapter subtracted); peft redoes that deterministic initialisation when it loads them,
  so the merge is right. Initialisations that cannot be redone (``pissa_niter_*``: randomised
  SVD; CorDA, LoftQ: data or quantisation dependent) are refused with the way out.
"""

from __future__ import annotations

import contextlib
import datetime
import glob
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from swiftkit import __version__
from swiftkit.core.errors import ConfigError, SwiftkitError

ADAPTER_CONFIG = "adapter_config.json"
MERGED_SUFFIX = "-merged"
#: files an objective saves next to its adapter that the merged model still needs (the rm
#: objective's value head: without it a merged reward model would score with a fresh head)
CARRIED_FILES = ("value_head.safetensors",)
_PARTIAL = ".partial-"
_OLD = ".replaced-"


@dataclass
class ExportResult:
    output_dir: str
    model_id: str
    template: str
    base_model_dir: str
    adapter: str
    parity_checked: bool
    seconds: float
    notes: list[str] = field(default_factory=list)


def default_output_dir(adapter_dir: str) -> str:
    """``<checkpoint>-merged`` (ms-swift's name), next to the checkpoint."""
    return os.path.normpath(os.path.abspath(adapter_dir)) + MERGED_SUFFIX


def partial_prefix(output_dir: str) -> str:
    parent, name = os.path.split(os.path.normpath(output_dir))
    return os.path.join(parent, f".{name}{_PARTIAL}")


def new_partial_dir(output_dir: str) -> str:
    """A fresh hidden sibling of ``output_dir`` to write into before the rename."""
    return partial_prefix(output_dir) + f"{os.getpid()}-{uuid.uuid4().hex[:8]}"


def remove_stale_partials(output_dir: str) -> list[str]:
    """Remove partial folders a killed export to ``output_dir`` left behind; return them."""
    removed = []
    for path in glob.glob(glob.escape(partial_prefix(output_dir)) + "*"):
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _check_adapter(path: str) -> dict[str, Any]:
    try:
        with open(os.path.join(path, ADAPTER_CONFIG), encoding="utf-8") as fh:
            cfg = json.load(fh)
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot read {ADAPTER_CONFIG}: {exc}") from exc
    init = cfg.get("init_lora_weights")
    if isinstance(init, str):
        low = init.lower()
        if low.startswith("pissa_niter") or low in ("corda", "loftq"):
            raise SwiftkitError(
                f"{path}: the adapter was initialised with init_lora_weights={init!r}, which changes the base weights "
                "in a way that cannot be redone when loading (randomised or data-dependent); merge it from an adapter "
                "converted for the original base (the LoRA tuner's save_pretrained converts PiSSA/OLoRA adapters), or "
                "train with init_lora_weights 'pissa' (exact SVD)"
            )
    return cfg


def _same_path(a: str, b: str) -> bool:
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))


def _tied(model: Any) -> bool:
    inp, out = model.get_input_embeddings(), model.get_output_embeddings()
    return inp is not None and out is not None and getattr(out, "weight", None) is getattr(inp, "weight", None)


def _set_tie_flag(model: Any, value: bool) -> None:
    configs = [model.config]
    get_text = getattr(model.config, "get_text_config", None)
    if callable(get_text):
        configs.append(get_text())
    for cfg in configs:
        if hasattr(cfg, "tie_word_embeddings"):
            cfg.tie_word_embeddings = value


def _untie(model: Any) -> None:
    import torch

    out = model.get_output_embeddings()
    out.weight = torch.nn.Parameter(out.weight.detach().clone(), requires_grad=out.weight.requires_grad)
    _set_tie_flag(model, False)


def _retie_if_equal(model: Any) -> bool:
    import torch

    inp, out = model.get_input_embeddings(), model.get_output_embeddings()
    if inp.weight.shape == out.weight.shape and torch.equal(inp.weight, out.weight):
        out.weight = inp.weight
        _set_tie_flag(model, True)
        return True
    return False


@contextlib.contextmanager
def staged_folder(output_dir: str, overwrite: bool) -> Iterator[str]:
    """A fresh hidden sibling of ``output_dir`` to write into: renamed into place when the block
    ends, removed when it raises (a killed process leaves it for :func:`remove_stale_partials`)."""
    os.makedirs(os.path.dirname(output_dir) or ".", exist_ok=True)
    partial = new_partial_dir(output_dir)
    try:
        os.makedirs(partial)
        yield partial
        atomic_publish(partial, output_dir, overwrite)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise


def write_export_record(folder: str, record: dict[str, Any]) -> None:
    """The export's ``args.json``: what it was made from, when, and by which swiftkit."""
    record = {**record, "created": datetime.datetime.now().isoformat(timespec="seconds"), "swiftkit_version": __version__}
    with open(os.path.join(folder, "args.json"), "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=2, ensure_ascii=False, default=str)


def atomic_publish(partial: str, output_dir: str, overwrite: bool) -> None:
    """Rename the complete ``partial`` folder to ``output_dir`` (replacing it with ``overwrite``)."""
    old = None
    if os.path.lexists(output_dir):
        if not overwrite:
            raise ConfigError(f"output folder {output_dir} already exists; pass --overwrite to replace it")
        parent, name = os.path.split(os.path.normpath(output_dir))
        old = os.path.join(parent, f".{name}{_OLD}{uuid.uuid4().hex[:8]}")
        os.replace(output_dir, old)
    try:
        os.replace(partial, output_dir)
    except BaseException:
        if old is not None:
            os.replace(old, output_dir)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def merge_lora(
    config: dict[str, Any],
    registry: Any = None,
    *,
    overwrite: bool | None = None,
    log: Any = None,
) -> ExportResult:
    """Merge the adapter that ``config`` (``model`` / ``adapters`` / ``output_dir`` / ``template``
    / ``torch_dtype``) names into its base and write the full model folder; see the module
    docstring. ``overwrite`` defaults to ``config['overwrite']``; ``log(text)`` reports progress."""
    from swiftkit.core.registry import get_registry
    from swiftkit.infer.checkpoint import checkpoint_tuner
    from swiftkit.infer.factory import resolve_model
    from swiftkit.train.args_file import read_args

    started = time.perf_counter()
    registry = registry or get_registry()
    say = log or (lambda _text: None)
    overwrite = bool(config.get("overwrite")) if overwrite is None else overwrite
    resolved = resolve_model(config, registry)
    if resolved.trained_checkpoint is not None:  # a checkpoint only its tuner reads: written out whole
        if resolved.adapters:
            raise ConfigError(f"{resolved.trained_checkpoint} is not a peft adapter; export it without --adapters")
        adapter_name, adapter_dir = "", resolved.trained_checkpoint
    else:
        if not resolved.adapters:
            raise ConfigError("--merge_lora needs a LoRA adapter: pass a training checkpoint with --model, "
                              "or the base with --model and the adapter with --adapters")
        if len(resolved.adapters) > 1:
            raise ConfigError(f"--merge_lora merges one adapter; got {len(resolved.adapters)}: "
                              + ", ".join(resolved.adapters.values()))
        adapter_name, adapter_dir = next(iter(resolved.adapters.items()))
        _check_adapter(adapter_dir)
    output_dir = os.path.abspath(config.get("output_dir") or default_output_dir(adapter_dir))
    for what, path in (("the checkpoint", adapter_dir), ("the base model", resolved.model_dir)):
        if os.path.exists(path) and os.path.exists(output_dir) and _same_path(path, output_dir):
            raise ConfigError(f"output folder {output_dir} is {what} being merged; choose another --output_dir")
    if os.path.lexists(output_dir) and not overwrite:
        raise ConfigError(f"output folder {output_dir} already exists; pass --overwrite to replace it")
    removed = remove_stale_partials(output_dir)
    if removed:
        say(f"removed the partial folder(s) of an interrupted export: {', '.join(removed)}")

    spec = resolved.spec
    template = registry.template(resolved.template)
    run_args = read_args(adapter_dir, missing_ok=True)
    task = run_args.get("task_type") or "causal_lm"
    if task != "causal_lm":  # its head is the task objective's, which this export does not rebuild
        raise ConfigError(f"{adapter_dir} was trained with --task_type {task}: swift export writes causal language "
                          "models only so far; serve the checkpoint itself with swift deploy / swift infer")
    tuner = checkpoint_tuner(run_args, registry, adapter_dir)

    import torch
    from peft import PeftModel

    loader = resolved.loader()
    for line in resolved.notices:
        say(f"note: {line}")
    say(f"loading base {resolved.model_dir} ({spec.id}) and checkpoint {adapter_dir} (tuner {tuner.spec.id})")
    try:
        model, tokenizer = loader.load(resolved.model_dir, torch_dtype=config.get("torch_dtype") or "auto", **resolved.load_kwargs)
    except OSError as exc:
        raise SwiftkitError(f"cannot load the base model {resolved.model_dir!r}: {str(exc).splitlines()[0]}") from exc
    notes: list[str] = []
    was_tied = _tied(model)
    if was_tied:
        _untie(model)
    with torch.no_grad():
        merged = tuner.load_trained(model, adapter_dir)
        if isinstance(merged, PeftModel):
            try:
                merged = merged.merge_and_unload()
            except (AttributeError, ValueError, NotImplementedError) as exc:
                raise SwiftkitError(f"{adapter_dir}: this adapter cannot be merged into its base: {exc}") from exc
    if was_tied:
        if _retie_if_equal(merged):
            notes.append("input and output embeddings stay tied")
        else:
            notes.append("input and output embeddings were untied (the adapter changed the output head)")
    merged.eval()
    # bound: formats written with the model's own bos/eos render with this tokenizer's tokens
    template = template.bind(tokenizer)
    if not template.requires_tokenizer:  # else the tokenizer's own chat_template: nothing to export
        tokenizer.chat_template = template.chat_template()

    with staged_folder(output_dir, overwrite) as partial:
        say(f"writing {output_dir}")
        merged.save_pretrained(partial, max_shard_size=config.get("max_shard_size") or "5GB")
        tokenizer.save_pretrained(partial)
        for name in CARRIED_FILES:
            if os.path.isfile(os.path.join(adapter_dir, name)):
                shutil.copy2(os.path.join(adapter_dir, name), os.path.join(partial, name))
                notes.append(f"{name} copied from the adapter folder")
        write_export_record(partial, {
            "command": "export",
            "merge_lora": True,
            "model_id": spec.id,
            "model_family": spec.family,
            "template": resolved.template,
            "torch_dtype": str(getattr(merged, "dtype", "")).replace("torch.", "") or None,
            "merged_from": {"model_dir": resolved.model_dir, "adapter": adapter_dir, "adapter_name": adapter_name,
                            "tuner": tuner.spec.id},
            "train_args": resolved.run_args or None,
        })
        parity_checked = False
        if not template.requires_tokenizer:
            from transformers import AutoTokenizer

            from swiftkit.templates.parity import check_template_parity

            check_template_parity(template, AutoTokenizer.from_pretrained(partial),
                                  where=f"the exported tokenizer ({output_dir})")
            parity_checked = True
    return ExportResult(
        output_dir=output_dir,
        model_id=spec.id,
        template=resolved.template,
        base_model_dir=resolved.model_dir,
        adapter=adapter_dir,
        parity_checked=parity_checked,
        seconds=time.perf_counter() - started,
        notes=notes,
    )
