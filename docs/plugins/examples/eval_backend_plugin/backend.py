"""The ``quick-qa`` backend: greedy answers through an engine or a server, scored by exact match."""

from __future__ import annotations

import json
import os
import urllib.request
from typing import Any

from swiftkit.core.eval.interface import EvalBackend, EvalDataset, EvalOptions, EvalReport, EvalTarget
from swiftkit.evaluate.datasets import offline_message
from swiftkit.evaluate.local_files import read_local


class QuickQA(EvalBackend):
    def check_datasets(self, datasets: list[EvalDataset], *, offline: bool) -> list[str]:
        problems = []
        for dataset in datasets:
            if not dataset.is_local:  # no benchmarks of its own: a name is something to download
                problems.append(offline_message(dataset.name) if offline else
                                f"eval dataset {dataset.name!r}: quick-qa reads local files only")
            elif read_local(dataset.path, dataset.subset, name=dataset.name).kind != "qa":
                problems.append(f"eval dataset {dataset.name!r}: quick-qa scores open QA, not multiple choice")
        return problems

    def run(self, target: EvalTarget, datasets: list[EvalDataset], options: EvalOptions) -> EvalReport:
        report = EvalReport(backend=self.spec.id, target=target.label())
        answer, close = self._answerer(target, options)
        try:
            self._score(answer, datasets, options, report)
        finally:
            close()
        return report

    def _score(self, answer: Any, datasets: list[EvalDataset], options: EvalOptions, report: EvalReport) -> None:
        for dataset in datasets:
            rows = read_local(dataset.path, dataset.subset, name=dataset.name).rows
            if options.limit:
                rows = rows[: int(options.limit) if options.limit >= 1 else max(1, int(len(rows) * options.limit))]
            replies = answer([r["question"] for r in rows])
            hits = [self._same(reply, row["answer"]) for reply, row in zip(replies, rows, strict=True)]
            path = os.path.join(options.output_dir, f"{dataset.subset or 'dataset'}_predictions.jsonl")
            with open(path, "w", encoding="utf-8") as fh:
                for row, reply, hit in zip(rows, replies, hits, strict=True):
                    fh.write(json.dumps({**row, "prediction": reply, "exact_match": hit}) + "\n")
            report.metrics[dataset.name] = {"exact_match": sum(hits) / len(hits)}
            report.counts[dataset.name] = len(rows)
            report.samples[dataset.name] = path

    def _same(self, reply: str, reference: str) -> bool:
        a, b = reply.strip(), reference.strip()
        return a.lower() == b.lower() if self.options.get("quick_qa_ignore_case", True) else a == b

    def _answerer(self, target: EvalTarget, options: EvalOptions) -> tuple[Any, Any]:
        """``(answer(questions) -> replies, close())``."""
        max_tokens = int(options.generation.get("max_tokens", 32))
        if target.kind == "url" and target.engine is None:
            return (lambda questions: [self._ask_server(target, q, max_tokens) for q in questions]), lambda: None
        from swiftkit.core.engines.interface import ChatRequest, SamplingOptions

        engine, close = target.engine, (lambda: None)  # the live model during training: not ours to close
        if engine is None:  # load the target with swiftkit's own engine
            from swiftkit.infer.factory import create_engine

            engine, _ = create_engine({"model": target.model_dir, "adapters": target.adapters,
                                       "template": target.template, "infer_backend": "pt"})
            close = engine.close
        sampling = SamplingOptions(max_tokens=max_tokens, temperature=0.0)
        adapter = next(iter(engine.adapters), None)
        return (lambda questions: [r.text for r in engine.infer(
            [ChatRequest([{"role": "user", "content": q}], sampling, adapter=adapter) for q in questions])]), close

    @staticmethod
    def _ask_server(target: EvalTarget, question: str, max_tokens: int) -> str:
        body = {"model": target.served_model, "messages": [{"role": "user", "content": question}],
                "max_tokens": max_tokens, "temperature": 0}
        request = urllib.request.Request(f"{target.url}/chat/completions", data=json.dumps(body).encode(),
                                         headers={"Authorization": f"Bearer {target.api_key}",
                                                  "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310 - the user's own server
            return json.loads(answer.read())["choices"][0]["message"]["content"] or ""
