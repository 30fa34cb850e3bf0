"""How close an exported model stays to the model it was made from.

Shared by every exporter (bnb, llm-compressor, GGUF ...), ``swift export --quality_check`` and
``benchmarks/export_quality.py``. The source is a Hugging Face model folder, loaded here in
float32; the export is whatever the exporter's loader callable returns: a causal LM whose
``model(input_ids)`` gives logits (a transformers model, quantized or read back from a GGUF
file). The figures:

- ``size_bytes`` / ``source_size_bytes`` / ``size_ratio``: bytes on disk (weight files only
  when the folder has any, so a tokenizer or README does not blur the ratio);
- ``greedy_agreement``: the source decodes ``max_new_tokens`` greedily after each prompt; the
  export is fed the same tokens and must pick the same next token at each position (teacher
  forced, so one early flip does not count every later token as a miss);
- ``greedy_match``: the share of prompts whose free-running greedy continuation is identical;
- ``perplexity_source`` / ``perplexity_export`` / ``perplexity_change`` (relative: 0.01 = +1 %)
  on the evaluation texts;
- ``max_abs_logit_diff``: the largest |source - export| logit over those positions.

Token ids go in, not text: the caller encodes prompts with the model's tokenizer (or takes
calibration rows), so a GGUF export without a transformers tokenizer is measured the same way.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

#: file endings that hold weights (their sizes are what "size on disk" compares)
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".gguf", ".pt", ".pth", ".npz")

#: texts measured when the caller gives none: short, plain, in the languages tokenizers cover
DEFAULT_TEXTS = (
    "The quick brown fox jumps over the lazy dog.",
    "Hello! How are you today? I am fine, thank you.",
    "What is two plus two? Two plus two is four.",
    "Paris is the capital of France, and Berlin is the capital of Germany.",
    "def add(a, b):\n    return a + b\n",
    "今天天气很好，我们去公园散步吧。",
)


@dataclass
class QualityReport:
    """The figures of :func:`compare_models` (see the module docstring for their meaning)."""

    size_bytes: int
    source_size_bytes: int
    size_ratio: float
    greedy_agreement: float
    greedy_match: float
    perplexity_source: float
    perplexity_export: float
    perplexity_change: float
    max_abs_logit_diff: float
    prompts: int
    new_tokens: int

    def metrics(self) -> dict[str, Any]:
        """As :attr:`swiftkit.core.export.interface.ExportResult.metrics` records them."""
        return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def size_on_disk(path: str, *, weights_only: bool = True) -> int:
    """Bytes of the files under ``path`` (a folder or one file). ``weights_only``: count only
    :data:`WEIGHT_SUFFIXES` files when there are any (else every file)."""
    if os.path.isfile(path):
        return os.path.getsize(path)
    sizes: list[tuple[str, int]] = []
    for root, _dirs, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            if not os.path.islink(full):
                sizes.append((name, os.path.getsize(full)))
    weights = [size for name, size in sizes if name.endswith(WEIGHT_SUFFIXES)]
    return sum(weights) if weights_only and weights else sum(size for _, size in sizes)


def encode_texts(tokenizer: Any, texts: Sequence[str] = DEFAULT_TEXTS, *, max_length: int = 64) -> list[list[int]]:
    """``texts`` as token-id lists (no special tokens added), each cut to ``max_length``."""
    return [list(tokenizer(text, add_special_tokens=False)["input_ids"])[:max_length] for text in texts]


def load_source(source_dir: str) -> Any:
    """The source folder as a float32 causal LM on the CPU, in eval mode."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(source_dir, dtype=torch.float32, device_map="cpu")
    return model.eval()


def _logits(model: Any, ids: list[int]) -> Any:
    """float32 CPU logits [len(ids), vocab] of one sequence."""
    import torch

    device = getattr(model, "device", None) or torch.device("cpu")
    out = model(input_ids=torch.tensor([ids], device=device))
    logits = out.logits if hasattr(out, "logits") else out[0] if isinstance(out, (tuple, list)) else out
    return logits[0].float().cpu()


def greedy_continuation(model: Any, prompt: list[int], new_tokens: int, *, eos: int | None = None) -> list[int]:
    """``new_tokens`` greedy tokens after ``prompt`` (full forward each step: works with any
    model that maps ids to logits, cache or not), stopping early at ``eos``."""
    ids = list(prompt)
    for _ in range(new_tokens):
        nxt = int(_logits(model, ids)[-1].argmax())
        ids.append(nxt)
        if eos is not None and nxt == eos:
            break
    return ids[len(prompt):]


def _nll(logits: Any, ids: list[int], start: int = 1) -> tuple[float, int]:
    """Summed negative log-likelihood of ``ids[start:]`` under ``logits`` and the token count."""
    import torch

    start = max(int(start), 1)
    if len(ids) <= start:
        return 0.0, 0
    logp = torch.log_softmax(logits[start - 1:-1], dim=-1)
    target = torch.tensor(ids[start:])
    return float(-logp.gather(1, target[:, None]).sum()), len(ids) - start


def compare_models(
    source_dir: str,
    load_export: Callable[[], Any],
    *,
    export_dir: str | None = None,
    prompts: Sequence[Sequence[int]] | None = None,
    texts: Sequence[Sequence[int]] | None = None,
    max_new_tokens: int = 16,
    prompt_tokens: int = 8,
    source_model: Any = None,
    eos_token_id: int | None = None,
    scored_from: Sequence[int] | None = None,
) -> QualityReport:
    """Measure an export against ``source_dir``.

    ``load_export()`` returns the exported model (called once, after the source ran, so both
    need not be in memory while the source loads). ``export_dir``: the folder (or file) whose
    size is reported (``size_bytes`` 0 when not given). ``texts``: token-id lists for the
    perplexity (default: :data:`DEFAULT_TEXTS` encoded with the source's tokenizer);
    ``prompts``: token-id lists to continue (default: the first ``prompt_tokens`` ids of each
    text). ``scored_from``: per text, the index of its first token the perplexity counts (the
    reply of a chat row, so a system prompt the model never learned does not swamp it; default:
    every token after the first). ``source_model``: an already loaded source (else
    :func:`load_source`).
    """
    import torch

    if texts is None:
        from transformers import AutoTokenizer

        texts = encode_texts(AutoTokenizer.from_pretrained(source_dir))
    starts = list(scored_from) if scored_from is not None else [1] * len(texts)
    if len(starts) != len(texts):
        raise ValueError(f"scored_from has {len(starts)} entries for {len(texts)} texts")
    kept = [(list(t), s) for t, s in zip(texts, starts, strict=True) if len(t) >= 2]
    texts, starts = [t for t, _ in kept], [s for _, s in kept]
    if prompts is None:
        prompts = [t[:prompt_tokens] for t in texts]
    prompts = [list(p) for p in prompts if p]
    if not texts or not prompts:
        raise ValueError("compare_models needs at least one text of 2+ tokens and one non-empty prompt")
    source = source_model if source_model is not None else load_source(source_dir)
    with torch.no_grad():
        continued = [p + greedy_continuation(source, p, max_new_tokens, eos=eos_token_id) for p in prompts]
        src_seq = [_logits(source, ids) for ids in continued]
        src_txt = [_logits(source, ids) for ids in texts]
        free_src = [ids[len(p):] for ids, p in zip(continued, prompts, strict=True)]
        del source
        model = load_export()
        if hasattr(model, "eval"):
            model.eval()
        exp_seq = [_logits(model, ids) for ids in continued]
        exp_txt = [_logits(model, ids) for ids in texts]
        free_exp = [greedy_continuation(model, p, max_new_tokens, eos=eos_token_id) for p in prompts]

    agree = total = 0
    max_diff = 0.0
    for ids, p, s, e in zip(continued, prompts, src_seq, exp_seq, strict=True):
        if s.shape[-1] != e.shape[-1]:  # a padded vocabulary: compare the common part
            width = min(s.shape[-1], e.shape[-1])
            s, e = s[:, :width], e[:, :width]
        positions = range(len(p) - 1, len(ids) - 1)  # each predicts the next generated token
        for pos in positions:
            agree += int(int(e[pos].argmax()) == ids[pos + 1])
            total += 1
        max_diff = max(max_diff, float((s - e).abs().max()))
    nll_s = nll_e = 0.0
    count = 0
    for ids, start, s, e in zip(texts, starts, src_txt, exp_txt, strict=True):
        a, n = _nll(s, ids, start)
        b, _ = _nll(e, ids, start)
        nll_s, nll_e, count = nll_s + a, nll_e + b, count + n
        width = min(s.shape[-1], e.shape[-1])
        max_diff = max(max_diff, float((s[:, :width] - e[:, :width]).abs().max()))
    ppl_s = math.exp(nll_s / max(count, 1))
    ppl_e = math.exp(nll_e / max(count, 1))
    size = size_on_disk(export_dir) if export_dir else 0
    src_size = size_on_disk(source_dir)
    return QualityReport(
        size_bytes=size,
        source_size_bytes=src_size,
        size_ratio=size / src_size if src_size else 0.0,
        greedy_agreement=agree / total if total else 1.0,
        greedy_match=sum(a == b for a, b in zip(free_src, free_exp, strict=True)) / len(prompts),
        perplexity_source=ppl_s,
        perplexity_export=ppl_e,
        perplexity_change=ppl_e / ppl_s - 1.0,
        max_abs_logit_diff=max_diff,
        prompts=len(prompts),
        new_tokens=max_new_tokens,
    )


def format_table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """A Markdown table of ``rows`` (dicts) over ``columns``; floats to 4 significant digits."""
    def cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.4g}"
        return "" if value is None else str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines += ["| " + " | ".join(cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines)
