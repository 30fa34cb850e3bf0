"""The ``swift sample`` loop: prompts in batches -> N completions each -> scores -> rows,
appended to the output file batch by batch.

Resumable: every prompt done is recorded (its rows in ``--output_file``, and a line in
``<output_file>.progress.jsonl``, also for prompts that gave no row), so running the same
command again continues where it stopped; ``--override_exist_file true`` starts over;
``--cache_files`` are earlier outputs whose prompts are skipped.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from swiftkit.core.errors import ConfigError

DEFAULT_N = 4
DEFAULT_BATCH = 8


@dataclass
class SampleResult:
    output_file: str
    prompts: int = 0  #: prompts of the dataset (the --data_range shard)
    skipped: int = 0  #: already done (resumed) or in --cache_files
    sampled: int = 0
    completions: int = 0
    accepted: int = 0
    easy: int = 0  #: prompts dropped by --easy_query_threshold
    rows: int = 0
    seconds: float = 0.0
    #: mean score of every completion generated (None without a scorer)
    mean_score: float | None = None
    generator: str = ""
    scorers: list[str] = field(default_factory=list)


def sampling_settings(config: dict[str, Any], n: int) -> Any:
    """Generation settings: the command's flags; temperature 1.0 unless given when several
    completions per prompt are wanted (greedy ones would all be the same)."""
    from swiftkit.core.engines.interface import SamplingOptions

    temperature = config.get("temperature")
    if temperature is None:
        temperature = 1.0 if n > 1 else 0.0
    return SamplingOptions(max_tokens=int(config.get("max_new_tokens") or 256), temperature=float(temperature),
                           top_p=float(config["top_p"]) if config.get("top_p") is not None else 1.0,
                           top_k=int(config.get("top_k") or 0), stop=list(config.get("stop_words") or []),
                           repetition_penalty=float(config.get("repetition_penalty") or 1.0))


def output_path(config: dict[str, Any]) -> str:
    name = config.get("output_file") or f"{config.get('sampler_type') or 'sample'}.jsonl"
    if os.path.isabs(name):
        return name
    return os.path.join(config.get("output_dir") or "sample_output", name)


def check_config(config: dict[str, Any]) -> None:
    """What cannot go together, refused before any model loads."""
    kind = config.get("sampler_type") or "sample"
    fmt = config.get("sample_format") or "sft"
    scored = bool(config.get("orm_model") or config.get("prm_model"))
    if kind == "sample" and not scored:
        raise ConfigError("swift sample --sampler_type sample needs --orm_model (a reward id, module:function or a "
                          "reward-model folder) or --prm_model to rank the completions; --sampler_type distill keeps a "
                          "teacher's completions unscored")
    if fmt == "preference" and not scored:
        raise ConfigError("--sample_format preference needs scores to tell chosen from rejected: give --orm_model")
    for key in ("prm_threshold", "easy_query_threshold"):
        if config.get(key) is not None and not scored:
            raise ConfigError(f"--{key} filters by score: give --orm_model or --prm_model")
    n = int(config.get("num_return_sequences") or DEFAULT_N)
    if fmt == "preference" and n < 2:
        raise ConfigError("--sample_format preference needs --num_return_sequences 2 or more (a pair per prompt)")


def run_sample(config: dict[str, Any], registry: Any, log: Callable[[str], None] = print) -> SampleResult:
    """Sample ``--dataset``'s prompts as the config says; see the module docstring."""
    from swiftkit.sample.generate import create_generator
    from swiftkit.sample.prompts import keys_in, read_prompts
    from swiftkit.sample.scoring import create_scorer
    from swiftkit.sample.select import select_rows

    check_config(config)
    start = time.perf_counter()
    kind = config.get("sampler_type") or "sample"
    n = int(config.get("num_return_sequences") or (DEFAULT_N if kind == "sample" else 1))
    keep = int(config.get("n_best_to_keep") or (1 if kind == "sample" else n))
    fmt = config.get("sample_format") or "sft"
    out_file = output_path(config)
    progress = out_file + ".progress.jsonl"
    result = SampleResult(output_file=out_file)

    prompts = read_prompts(config, registry)
    result.prompts = len(prompts)
    done: set[str] = keys_in(config.get("cache_files") or [])
    if config.get("override_exist_file"):
        for path in (out_file, progress):
            if os.path.exists(path):
                os.remove(path)
    else:
        done |= keys_in([p for p in (out_file, progress) if os.path.exists(p)])
    todo = [p for p in prompts if p.key not in done]
    result.skipped = len(prompts) - len(todo)
    batch_size = int(config.get("num_sampling_batch_size") or DEFAULT_BATCH)
    batches = [todo[i:i + batch_size] for i in range(0, len(todo), batch_size)]
    if config.get("num_sampling_batches"):
        batches = batches[:int(config["num_sampling_batches"])]
    if result.skipped:
        log(f"{result.skipped} of {len(prompts)} prompts already sampled (in {out_file} or --cache_files): skipped")
    if not batches:
        result.seconds = time.perf_counter() - start
        return result

    os.makedirs(os.path.dirname(os.path.abspath(out_file)), exist_ok=True)
    sampling = sampling_settings(config, n)
    seed = int(config["seed"]) if config.get("seed") is not None else 42
    scorer = create_scorer(config, registry)
    generator = create_generator(config, registry)
    result.generator, result.scorers = generator.name, scorer.names if scorer else []
    log(f"sampling {sum(map(len, batches))} prompts x {n} with {generator.name}"
        + (f", scored by {', '.join(result.scorers)}" if scorer else "") + f" -> {out_file}")
    total_score = 0.0
    try:
        for number, batch in enumerate(batches, 1):
            completions = generator.generate(batch, n, sampling, seed, config.get("system"))
            scores = scorer(batch, completions) if scorer else None
            with open(out_file, "a", encoding="utf-8") as rows_out, open(progress, "a", encoding="utf-8") as prog_out:
                for i, prompt in enumerate(batch):
                    chosen = select_rows(prompt, completions[i], scores[i] if scores else None, fmt=fmt, keep=keep,
                                         threshold=config.get("prm_threshold"),
                                         easy_threshold=config.get("easy_query_threshold"))
                    for row in chosen.rows:
                        rows_out.write(json.dumps(row, ensure_ascii=False) + "\n")
                    prog_out.write(json.dumps({"prompt_key": prompt.key, "source": prompt.source, "row": prompt.row,
                                               "rows": len(chosen.rows), "accepted": chosen.accepted,
                                               "easy": chosen.easy,
                                               **({"scores": scores[i]} if scores else {})}) + "\n")
                    result.accepted += chosen.accepted
                    result.easy += int(chosen.easy)
                    result.rows += len(chosen.rows)
                    if scores:
                        total_score += sum(scores[i])
            result.sampled += len(batch)
            result.completions += sum(map(len, completions))
            log(f"batch {number}/{len(batches)}: {result.sampled} prompts, {result.rows} rows so far")
    finally:
        generator.close()
        if scorer:
            scorer.close()
    if scorer and result.completions:
        result.mean_score = total_score / result.completions
    result.seconds = time.perf_counter() - start
    return result
