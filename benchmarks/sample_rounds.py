"""Rejection-sampling rounds with ``swift sample`` + ``swift sft``: does the reward keep rising?

Round 0 samples N completions per prompt from a tiny random Qwen2.5 (built offline), keeps those
scoring 1 under the ``contains`` reward (``--contains_text``), trains on them, and every next
round samples from the model the previous round trained, on the same prompts with the same
seeds. Prints per round: the mean reward of all completions, accepted completions, training
seconds and sampling seconds.

Usage::

    python benchmarks/sample_rounds.py                    # 3 rounds, 16 prompts x 8, 'o', 3 tokens
    python benchmarks/sample_rounds.py --rounds 4 --text 7 --max_new_tokens 8 --json
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--prompts", type=int, default=16)
    parser.add_argument("--n", type=int, default=8)
    parser.add_argument("--text", default="o")
    parser.add_argument("--max_new_tokens", type=int, default=3)
    parser.add_argument("--steps", type=int, default=24)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    from click.testing import CliRunner

    from swiftkit.cli import cli
    from swiftkit.core.registry import get_registry
    from swiftkit.testing.tiny import build_tiny_model

    torch.set_num_threads(1)
    work = tempfile.mkdtemp(prefix="swiftkit-sample-rounds-")
    model = str(build_tiny_model("qwen2.5-0.5b-instruct", os.path.join(work, "tiny"), registry=get_registry()))
    prompts = os.path.join(work, "prompts.jsonl")
    with open(prompts, "w", encoding="utf-8") as fh:
        for i in range(args.prompts):
            fh.write(json.dumps({"messages": [{"role": "user", "content": f"Question number {i}?"}]}) + "\n")

    def swift(*argv: str) -> None:
        result = CliRunner().invoke(cli, list(argv), catch_exceptions=False)
        if result.exit_code:
            raise SystemExit(result.output)

    rows = []
    for round_ in range(args.rounds + 1):
        out = os.path.join(work, f"round{round_}")
        started = time.perf_counter()
        swift("sample", "--model", model, "--dataset", prompts, "--orm_model", "contains", "--contains_text", args.text,
              "--num_return_sequences", str(args.n), "--max_new_tokens", str(args.max_new_tokens), "--seed", "3",
              "--prm_threshold", "1", "--n_best_to_keep", "2", "--output_dir", out)
        sampled = time.perf_counter() - started
        with open(os.path.join(out, "sample.jsonl.progress.jsonl"), encoding="utf-8") as fh:
            progress = [json.loads(line) for line in fh]
        scores = [s for p in progress for s in p["scores"]]
        record = {"round": round_, "mean_reward": round(sum(scores) / len(scores), 4),
                  "accepted": sum(p["accepted"] for p in progress), "completions": len(scores),
                  "sample_s": round(sampled, 1), "train_s": None}
        rows.append(record)
        if round_ == args.rounds:
            break
        started = time.perf_counter()
        run = os.path.join(work, f"train{round_}")
        swift("sft", "--model", model, "--dataset", os.path.join(out, "sample.jsonl"), "--train_type", "full",
              "--max_steps", str(args.steps), "--learning_rate", "1e-2", "--per_device_train_batch_size", "4",
              "--save_steps", str(args.steps), "--report_to", "none", "--seed", "1", "--output_dir", run,
              "--add_version", "false", "--logging_steps", str(args.steps))
        record["train_s"] = round(time.perf_counter() - started, 1)
        model = os.path.join(run, f"checkpoint-{args.steps}")
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"reward: completion contains {args.text!r}; {args.prompts} prompts x {args.n}, "
          f"{args.max_new_tokens} tokens; {args.steps} full fine-tuning steps per round")
    print(f"{'round':>5} {'mean reward':>11} {'accepted':>8} {'sample s':>8} {'train s':>7}")
    for r in rows:
        print(f"{r['round']:>5} {r['mean_reward']:>11.3f} {r['accepted']:>4}/{r['completions']:<3} "
              f"{r['sample_s']:>8} {r['train_s'] if r['train_s'] is not None else '':>7}")


if __name__ == "__main__":
    main()
