"""Memory estimate vs measured training step, term by term.

Builds small random models of real architectures offline (Qwen2 and Llama, with
:func:`swiftkit.testing.tiny.build_tiny_model`; an 8192-token vocabulary so that the logits
weigh as they do in real models), runs one measured training step per configuration through
:func:`swiftkit.resources.measure.measure_folder` (family loader, registered tuner,
gradient checkpointing as the trainer enables it, AdamW, the objective's loss) and prints the
estimate of :func:`swiftkit.resources.estimate.estimate_memory` beside the measurement:
weights, gradients, optimizer states, activations held after the forward pass (with the fp32
log-probabilities) and the peak, with the relative error of each.

On a CPU, allocation comes from ``torch.profiler``'s memory events; with ``--device cuda``
from ``torch.cuda`` statistics (the estimate then models autocast, bool dropout masks and
foreach AdamW, and the peak leaves out the CUDA context, which the statistics do not see).

    .venv/bin/python benchmarks/memory_estimate.py [--device cuda] [--seq 256] [--json out.json]

The exit status is 0 whatever the errors (this is a report); the bounds are asserted in
``tests/test_recommend.py``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

MODELS = {
    # name: (registered model whose family is used, architecture sizes)
    "qwen2-tiny": ("qwen2.5-0.5b-instruct", dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4,
                                                 num_key_value_heads=2, intermediate_size=704)),
    "qwen2-small": ("qwen2.5-0.5b-instruct", dict(hidden_size=512, num_hidden_layers=6, num_attention_heads=8,
                                                  num_key_value_heads=2, intermediate_size=1408)),
    "llama-small": ("llama3.2-1b-instruct", dict(hidden_size=512, num_hidden_layers=6, num_attention_heads=8,
                                                 num_key_value_heads=4, intermediate_size=1536)),
}

#: (tuner, gradient checkpointing, batch, tuner options) per model
CONFIGS = [
    ("full", False, 2, {}), ("full", True, 2, {}),
    ("lora", False, 2, {}), ("lora", True, 2, {}),
    ("qlora", True, 1, {}), ("qlora", False, 1, {}),
    ("qlora", True, 1, {"qlora_upcast": "all"}),  # peft's prepare_model_for_kbit_training
]

TERMS = ("weights", "gradients", "optimizer", "activations", "peak")


def _corpus() -> list[str]:
    rng = random.Random(0)
    words = ["".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(3, 9))) for _ in range(6000)]
    return [" ".join(rng.choice(words) for _ in range(20)) for _ in range(2000)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", help="cpu or cuda")
    parser.add_argument("--seq", type=int, default=256, help="tokens per row")
    parser.add_argument("--dtypes", nargs="+", default=None, help="default: float32 bfloat16 on CPU, bfloat16 on CUDA")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--tuners", nargs="+", default=None, choices=sorted({c[0] for c in CONFIGS}),
                        help="only these tuners' rows (default: all)")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)

    import torch

    from swiftkit.core.errors import SwiftkitError
    from swiftkit.resources.measure import compare, measure_folder
    from swiftkit.testing.tiny import build_tiny_model

    if args.device == "cpu":
        torch.set_num_threads(1)  # small models: threads only add noise on a shared machine
    dtypes = args.dtypes or (["float32", "bfloat16"] if args.device == "cpu" else ["bfloat16"])
    corpus = _corpus()
    rows = []
    with tempfile.TemporaryDirectory(prefix="swiftkit-memory-") as tmp:
        for name in args.models:
            base, sizes = MODELS[name]
            folder = build_tiny_model(base, Path(tmp) / name, tokenizer_corpus=corpus, vocab_size=8192,
                                      tie_word_embeddings=False, max_position_embeddings=4096, **sizes)
            for dtype in dtypes:
                for tuner, ckpt, batch, options in CONFIGS:
                    if args.tuners and tuner not in args.tuners:
                        continue
                    extra = "".join(f" {k}={v}" for k, v in options.items())
                    label = f"{name} {dtype} {tuner}{extra}{' +ckpt' if ckpt else ''} B={batch} S={args.seq}"
                    start = time.perf_counter()
                    try:
                        measured, est = measure_folder(str(folder), tuner=tuner, dtype=dtype, batch_size=batch,
                                                       seq_len=args.seq, gradient_checkpointing=ckpt, options=options,
                                                       device=None if args.device == "cpu" else args.device)
                    except SwiftkitError as exc:
                        print(f"{label}: skipped ({exc})", file=sys.stderr)
                        continue
                    cmp = compare(measured, est)
                    rows.append({"config": label, "seconds": round(time.perf_counter() - start, 2),
                                 **{t: {"estimate": cmp[t][0], "measured": cmp[t][1], "error": cmp[t][2]} for t in TERMS}})
                    print(f"{label}: done in {rows[-1]['seconds']} s", file=sys.stderr)

    mib = 2**20
    head = f"| configuration | {' | '.join(f'{t} est / meas MiB (err)' for t in TERMS)} |"
    print(head)
    print("|" + "---|" * (len(TERMS) + 1))
    for row in rows:
        cells = [f"{row[t]['estimate'] / mib:.1f} / {row[t]['measured'] / mib:.1f} ({row[t]['error']:+.1%})" for t in TERMS]
        print(f"| {row['config']} | {' | '.join(cells)} |")
    worst = {t: max((abs(r[t]["error"]) for r in rows), default=0.0) for t in TERMS}
    print("\nlargest error per term: " + ", ".join(f"{t} {v:.1%}" for t, v in worst.items()))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
