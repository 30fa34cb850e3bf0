"""``swift export --to_cached_dataset true``: tokenize datasets once, as training would, and
write the rows to ``--output_dir`` (:mod:`swiftkit.data.cached`), so that ``--cached_dataset``
runs start training without tokenizing.

The tokenizer comes from ``--model`` (a hub id is fetched first; the weights are not loaded),
the template from ``--template`` or the model's, the row layout from the objective the run will
use (``--rlhf_type``, else ``swift sft``'s), ``max_length`` as training resolves it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from swiftkit.core.errors import ConfigError


@dataclass
class CachedExport:
    output_dir: str
    model_id: str
    template: str
    layout: str
    train_rows: int
    val_rows: int
    seconds: float
    report: Any


def export_cached_dataset(config: dict[str, Any], registry: Any, *, log: Callable[[str], None] = print,
                          console: Any = None) -> CachedExport:
    from transformers import AutoTokenizer

    from swiftkit.core.lazy import resolve
    from swiftkit.data.cached import identity, write_cached
    from swiftkit.data.run_data import data_seed, media_options, prepare_run_data
    from swiftkit.models.hub import fetch_model
    from swiftkit.train.run import _objective_id, _options

    started = time.perf_counter()
    if not config.get("model"):
        raise ConfigError("--to_cached_dataset needs --model (its tokenizer and template encode the rows)")
    if not config.get("dataset"):
        raise ConfigError("--to_cached_dataset needs --dataset (the rows to tokenize)")
    if not config.get("output_dir"):
        raise ConfigError("--to_cached_dataset needs --output_dir (the folder to write)")
    if config.get("streaming"):
        raise ConfigError("--to_cached_dataset writes every row; drop --streaming")
    fetched = fetch_model(config["model"], registry, config, model_type=config.get("model_type"), progress=True)
    spec = fetched.spec
    tokenizer = AutoTokenizer.from_pretrained(fetched.folder, trust_remote_code=bool(config.get("trust_remote_code")))
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token  # as the model loaders do: part of the tokenizer's fingerprint
    template_id = config.get("template") or spec.template
    template = registry.template(template_id, tokenizer=tokenizer).configure(
        enable_thinking=config.get("enable_thinking"), add_non_thinking_prefix=config.get("add_non_thinking_prefix"),
        media_options=media_options(config, fetched.folder))  # as training configures it: the same expanded ids
    command = "rlhf" if config.get("rlhf_type") else "sft"
    objective_id = _objective_id(registry, command, config)
    objective_spec = registry.get("method", objective_id).spec
    objective = resolve(objective_spec.impl, objective_spec.REFS["impl"])(
        objective_spec, _options(registry, "method", objective_id, config))
    layout = objective.data_layout()
    max_length = config.get("max_length") or spec.max_length or getattr(tokenizer, "model_max_length", None)
    run_config = {**config, "packing": False, "to_cached_dataset": False}  # rows are packed when a run reads them
    log(f"tokenizing {', '.join(config['dataset'])} with {spec.id}'s tokenizer, template {template_id}, "
        f"layout {layout.id}, max_length {max_length}")
    data = prepare_run_data(run_config, registry=registry, template=template, tokenizer=tokenizer, layout=layout,
                            max_length=max_length, console=console)
    ident = identity(tokenizer=tokenizer, template=template, layout=layout, max_length=max_length,
                     truncation_strategy=config.get("truncation_strategy", "delete"),
                     loss_scale=config.get("loss_scale", "default"))
    write_cached(config["output_dir"], data, ident, model=spec.id, overwrite=bool(config.get("overwrite")),
                 datasets_args={"dataset": list(config["dataset"]), "val_dataset": list(config.get("val_dataset") or []),
                                "data_seed": data_seed(config), "template_id": template_id, "objective": objective_id})
    return CachedExport(output_dir=config["output_dir"], model_id=spec.id, template=template_id, layout=layout.id,
                        train_rows=len(data.train), val_rows=len(data.val) if data.val is not None else 0,
                        seconds=time.perf_counter() - started, report=data.report)
