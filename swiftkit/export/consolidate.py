"""``swift export --model CHECKPOINT`` for a checkpoint a sharded strategy wrote (DeepSpeed ZeRO
shards under ``global_stepN/``): its weights gathered into a plain model folder.

Which checkpoints are sharded, and how to gather them, is each strategy plugin's business
(:meth:`swiftkit.core.parallel.interface.Strategy.consolidate_checkpoint`); the core asks every
installed strategy and writes the first full state dict it gets, with the checkpoint's config,
tokenizer and ``args.json``, through the same atomic partial-folder rename as ``--merge_lora``.
"""

from __future__ import annotations

import os
import shutil
import time
from typing import Any

from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.export.merge import ExportResult, remove_stale_partials, staged_folder, write_export_record
from swiftkit.train.args_file import read_args

CONSOLIDATED_SUFFIX = "-consolidated"
#: what a checkpoint folder may hold besides weights that a model folder keeps
_KEPT = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
         "chat_template.jinja", "vocab.json", "merges.txt", "tokenizer.model", "added_tokens.json")


def gathered_state(checkpoint_dir: str, registry: Any) -> tuple[str, dict[str, Any]] | None:
    """``(strategy id, full state dict)`` from the first strategy that recognises the
    checkpoint as its sharded kind, or None."""
    from swiftkit.parallel.select import build_strategy

    for entry in registry.entries("strategy"):
        state = build_strategy(entry.id, {}, registry).consolidate_checkpoint(checkpoint_dir)
        if state is not None:
            return entry.id, state
    return None


def consolidate(config: dict[str, Any], registry: Any, *, log: Any = None) -> ExportResult:
    """Write ``<checkpoint>-consolidated`` (or ``--output_dir``) from a sharded checkpoint."""

    started = time.perf_counter()
    say = log or (lambda _text: None)
    checkpoint = config.get("model") or ""
    if not os.path.isdir(checkpoint):
        raise ConfigError(f"--model {checkpoint!r}: not a checkpoint folder")
    found = gathered_state(checkpoint, registry)
    if found is None:
        from swiftkit.export.merge import merge_lora
        from swiftkit.infer.factory import resolve_model

        if resolve_model(config, registry).trained_checkpoint is not None:
            # a checkpoint only its tuner reads back (freeze's trained weights): written out whole
            return merge_lora(config, registry, log=log)
        raise ConfigError(
            f"nothing to export: {checkpoint} holds no sharded training state an installed strategy can gather "
            "(a plain checkpoint is already a model folder); pass --merge_lora to merge a LoRA adapter"
        )
    strategy_id, state = found
    if any(".lora_" in key or "lora_A" in key for key in state):
        raise ConfigError(f"{checkpoint} is a LoRA run: its adapter is saved whole in adapter_model.safetensors; "
                          "use --merge_lora to merge it into the base")
    if not os.path.isfile(os.path.join(checkpoint, "config.json")):
        raise SwiftkitError(f"{checkpoint} has no config.json to rebuild the model from")
    output_dir = os.path.abspath(config.get("output_dir") or os.path.normpath(os.path.abspath(checkpoint)) + CONSOLIDATED_SUFFIX)
    overwrite = bool(config.get("overwrite"))
    if os.path.lexists(output_dir) and not overwrite:
        raise ConfigError(f"output folder {output_dir} already exists; pass --overwrite to replace it")
    remove_stale_partials(output_dir)

    import torch
    from transformers import AutoConfig, AutoModelForCausalLM

    model_config = AutoConfig.from_pretrained(checkpoint)
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(model_config)
    state = {k.removeprefix("module."): v for k, v in state.items()}
    missing, unexpected = model.load_state_dict(state, strict=False, assign=True)
    tied = {"lm_head.weight"} if getattr(model_config, "tie_word_embeddings", False) else set()
    if unexpected or set(missing) - tied:
        raise SwiftkitError(f"{checkpoint}: the gathered weights do not fit {model_config.architectures}: "
                            f"missing {sorted(set(missing) - tied)[:5]}, unexpected {sorted(unexpected)[:5]}")
    if tied:
        model.tie_weights()
    say(f"gathered {len(state)} tensors from {strategy_id} shards in {checkpoint}")

    run_args = read_args(checkpoint, missing_ok=True)
    with staged_folder(output_dir, overwrite) as partial:
        model.save_pretrained(partial)
        for name in _KEPT:
            src = os.path.join(checkpoint, name)
            if os.path.isfile(src) and not os.path.exists(os.path.join(partial, name)):
                shutil.copy2(src, os.path.join(partial, name))
        write_export_record(partial, {
            "command": "export",
            "consolidated_from": {"checkpoint": os.path.abspath(checkpoint), "strategy": strategy_id},
            "model_id": run_args.get("model_id"),
            "model_family": run_args.get("model_family"),
            "template": run_args.get("template"),
            "train_args": run_args or None,
        })
    return ExportResult(
        output_dir=output_dir,
        model_id=run_args.get("model_id") or "",
        template=run_args.get("template") or "",
        base_model_dir=os.path.abspath(checkpoint),
        adapter="",
        parity_checked=False,
        seconds=time.perf_counter() - started,
        notes=[f"weights gathered from {strategy_id} shards"],
    )
