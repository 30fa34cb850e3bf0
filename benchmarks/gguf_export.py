"""GGUF export per family and quant type: file size, max-abs logit diff and greedy agreement after
transformers' GGUF loader reads the file back.

For each family the GGUF writer converts (llama, mistral, qwen2, qwen3, phi3, gemma2, gemma3) a tiny
random model of the family's architecture is built offline, by default 256 wide so that the
K-quants (rows of 256 values) apply to every weight, and written with each ``--gguf_quant``
(f32, f16, q8_0, q4_0, q4_k_m). Each file is read back and measured against the source with
:func:`swiftkit.export.quality.compare_models` (greedy agreement teacher-forced over 16 new
tokens after 6 prompts, perplexity change, max-abs logit diff). Random tiny models have flat
next-token distributions, so greedy agreement below f16 is a pessimistic figure.

Usage::

    python benchmarks/gguf_export.py                           # every family and quant, hidden 256
    python benchmarks/gguf_export.py --families qwen2,llama --quants f16,q4_k_m --hidden 64 --json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

#: family -> (model id, config overrides transformers' GGUF loader can restore; see the tests)
FAMILIES = {
    "qwen2": ("qwen2.5-0.5b-instruct", {}),
    "llama": ("llama2-7b", {}),
    "mistral": ("mistral-7b-instruct-v0.1", {}),
    "qwen3": ("qwen3-0.6b", {"head_dim": 128}),
    "phi3": ("phi3-mini-4k-instruct", {}),
    "gemma2": ("gemma2-2b-it", {"tie_word_embeddings": True, "query_pre_attn_scalar": 256}),
    "gemma3_text": ("gemma-3-1b-pt", {"tie_word_embeddings": True, "query_pre_attn_scalar": 256,
                                      "num_hidden_layers": 6, "layer_types": None}),
}
QUANTS = ["f32", "f16", "q8_0", "q4_0", "q4_k_m"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--quants", default=",".join(QUANTS))
    parser.add_argument("--hidden", type=int, default=256, help="hidden size of the tiny models (K-quants need 256)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args()

    import torch

    from swiftkit.export.quality import compare_models, format_table, load_source
    from swiftkit.plugins.export.gguf_impl import load_gguf
    from swiftkit.plugins.export.gguf_writer import write_gguf
    from swiftkit.testing.tiny import build_tiny_model

    torch.set_num_threads(max(1, (os.cpu_count() or 2) // 2))
    rows = []
    with tempfile.TemporaryDirectory(prefix="swiftkit-gguf-bench-") as tmp:
        for family in args.families.split(","):
            model, overrides = FAMILIES[family]
            wide = {"hidden_size": args.hidden, "intermediate_size": 2 * args.hidden}
            if "head_dim" not in overrides:
                wide["head_dim"] = args.hidden // 4
            source = str(build_tiny_model(model, os.path.join(tmp, family), **{**wide, **overrides}))
            f32_bytes = sum(os.path.getsize(os.path.join(source, f)) for f in os.listdir(source)
                            if f.endswith(".safetensors"))
            reference = load_source(source)
            for quant in args.quants.split(","):
                out = os.path.join(tmp, f"{family}-{quant}")
                os.makedirs(out)
                started = time.perf_counter()
                written = write_gguf(source, os.path.join(out, f"{family}-{quant}.gguf"), quant, log=lambda _t: None)
                seconds = time.perf_counter() - started
                report = compare_models(source, lambda out=out: load_gguf(out), export_dir=out, source_model=reference)
                rows.append({
                    "family": family, "quant": quant, "gguf_bytes": report.size_bytes,
                    "safetensors_f32_bytes": f32_bytes, "ratio": report.size_bytes / f32_bytes,
                    "max_abs_logit_diff": report.max_abs_logit_diff, "greedy_agreement": report.greedy_agreement,
                    "perplexity_change": report.perplexity_change, "write_s": round(seconds, 2),
                    "types": " ".join(f"{n}x{t}" for t, n in sorted(written.types.items())),
                    "notes": len(written.notes),
                })
                print(f"{family} {quant}: {report.size_bytes} B, max-abs logit diff {report.max_abs_logit_diff:.3g}, "
                      f"greedy {report.greedy_agreement:.3f}", file=sys.stderr)
    columns = ["family", "quant", "gguf_bytes", "ratio", "max_abs_logit_diff", "greedy_agreement",
               "perplexity_change", "types", "notes", "write_s"]
    print(format_table(rows, columns))
    if args.json:
        print(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
