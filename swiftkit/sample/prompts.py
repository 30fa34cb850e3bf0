"""The prompts ``swift sample`` asks: ``--dataset`` rows without their final assistant reply.

A prompt keeps the reference reply (when the row has one) as the ``solution`` column reward
functions such as ``accuracy`` read. :func:`prompt_key` identifies a prompt across runs: the
output file, its progress file and ``--cache_files`` are matched by it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from swiftkit.core.errors import ConfigError


@dataclass
class Prompt:
    """One prompt to sample: the conversation to continue and where it came from."""

    messages: list[dict[str, Any]]
    source: str
    row: int
    #: the row's final assistant reply, if it had one (given to rewards as ``solution``)
    reference: str | None = None
    images: list[Any] = field(default_factory=list)

    @property
    def key(self) -> str:
        return prompt_key(self.messages)


def prompt_key(messages: list[dict[str, Any]]) -> str:
    """A stable identity of a prompt conversation (roles and contents only)."""
    canon = [{"role": m.get("role"), "content": m.get("content")} for m in messages]
    return hashlib.sha1(json.dumps(canon, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def read_prompts(config: dict[str, Any], registry: Any) -> list[Prompt]:
    """The prompts of ``--dataset`` in order (``#N`` sampled as in training), the
    ``--data_range`` shard only. Rows are read as GRPO reads its prompts (the ``prompt``
    layout: ``{"messages"}`` or ``{"prompt"}``, a final assistant reply or a ``solution``
    column being the reference); a malformed row raises naming the file, row and field."""
    from swiftkit.core.data.errors import DatasetError, DatasetRowError
    from swiftkit.data import steps
    from swiftkit.data.media import media_folder
    from swiftkit.data.media_column import read_column
    from swiftkit.data.preference import PromptLayout
    from swiftkit.data.progress import quiet_datasets
    from swiftkit.data.run_data import data_seed, load_options
    from swiftkit.data.sources import line_numbers, load, resolve

    args = config.get("dataset") or []
    if not args:
        raise ConfigError("swift sample needs --dataset (the prompts: a file or a registered dataset)")
    options = load_options(config)
    layout = PromptLayout()
    prompts: list[Prompt] = []
    for index, arg in enumerate([args] if isinstance(args, str) else args):
        src = resolve(arg, registry, custom=getattr(options, "custom", None))
        with quiet_datasets():
            raw = load(src, hub=config, download_mode=options.download_mode, columns=options.columns)
        fmt = src.format or _prompt_format(registry, layout, src.label, raw.column_names)
        convert = steps.ConvertRows(layout, registry.converter(fmt), index, ["messages", "solution", "media"],
                                    src.json_columns, media_dir=media_folder(src))
        found: list[Prompt] = []
        converted = convert(raw[:], list(range(len(raw))))
        lines = line_numbers(src, list(converted["_row"]))
        for messages, solution, media, row, field_name, reason in zip(
                converted["messages"], converted["solution"], converted["media"], converted["_row"],
                converted["_field"], converted["_reason"], strict=True):
            if reason:
                raise DatasetRowError(src.label, lines[row], field_name, reason)
            if not messages or messages[-1].get("role") != "user":
                raise DatasetRowError(src.label, lines[row], "messages", "the prompt must end with a user message")
            found.append(Prompt(messages=[dict(m) for m in messages], source=src.label, row=lines[row],
                                reference=solution or None, images=read_column(media).get("images") or []))
        if src.sample is not None:
            if not found and src.sample > 0:
                raise DatasetError(f"{src.label}: no valid rows to sample {src.sample} from")
            found = [found[i] for i in steps.sample_indices(len(found), src.sample, data_seed(config))]
        prompts.extend(found)
    shard = config.get("data_range")
    if shard:
        index, count = int(shard[0]), int(shard[1])
        if not 0 <= index < count:
            raise ConfigError(f"--data_range {index} {count}: the shard index must be in 0..{count - 1}")
        prompts = prompts[index::count]
    return prompts


def _prompt_format(registry: Any, layout: Any, label: str, columns: list[str]) -> str:
    from swiftkit.core.data.errors import DatasetError

    candidates = [e.id for e in registry.entries("format") if layout.accepts(e.id, registry.converter(e.id))]
    for fmt in candidates:
        if registry.converter(fmt).matches(columns):
            return fmt
    raise DatasetError(f"{label}: cannot read prompts from columns {sorted(columns)}; formats that hold prompts: "
                       f"{', '.join(candidates)} (e.g. {{'messages': [{{'role': 'user', ...}}]}} or {{'prompt': ...}})")


def row_prompt(row: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The prompt of a row ``swift sample`` wrote (SFT ``messages`` or preference ``prompt``)."""
    if isinstance(row.get("prompt"), list):
        return row["prompt"]
    messages = row.get("messages")
    if isinstance(messages, list) and messages and messages[-1].get("role") == "assistant":
        return messages[:-1]
    return None


def keys_in(paths: Iterable[str]) -> set[str]:
    """The prompt keys of every row in these jsonl files (``--cache_files``, the output file
    being resumed, its ``.progress`` file of prompts that produced no row)."""
    keys: set[str] = set()
    for path in paths:
        if not os.path.isfile(path):
            raise ConfigError(f"--cache_files {path}: no such file")
        with open(path, encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ConfigError(f"{path} line {number}: not JSON ({exc.msg})") from None
                if isinstance(row.get("prompt_key"), str):  # a progress record
                    keys.add(row["prompt_key"])
                    continue
                prompt = row_prompt(row)
                if prompt is not None:
                    keys.add(prompt_key(prompt))
    return keys
