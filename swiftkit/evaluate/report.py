"""A run's report: ``report.json`` (the :class:`~swiftkit.core.eval.interface.EvalReport` plus
where it ran) and ``report.md`` (the table ``swift eval`` prints)."""

from __future__ import annotations

import json
import os
from typing import Any

from swiftkit.core.eval.interface import EvalReport

REPORT_JSON = "report.json"
REPORT_MD = "report.md"


def _score(value: Any) -> str:
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def report_table(report: EvalReport) -> str:
    """A markdown table, one line per dataset and metric: ``| dataset | metric | score | rows |``."""
    lines = [f"backend {report.backend}, target {report.target}", "",
             "| dataset | metric | score | rows |", "|---|---|---:|---:|"]
    for name, scores in report.metrics.items():
        for metric, score in scores.items():
            lines.append(f"| {name} | {metric} | {_score(score)} | {report.counts.get(name, '')} |")
    lines.extend(["", *(f"note: {n}" for n in report.notes)] if report.notes else [])
    return "\n".join(lines) + "\n"


def write_report(report: EvalReport, run_dir: str, *, extra: dict[str, Any] | None = None) -> tuple[str, str]:
    """Write ``report.json`` and ``report.md`` into ``run_dir``; returns their paths. ``extra``
    (the datasets, the run config ...) is stored beside the report's own fields."""
    os.makedirs(run_dir, exist_ok=True)
    json_path, md_path = os.path.join(run_dir, REPORT_JSON), os.path.join(run_dir, REPORT_MD)
    with open(json_path, "w", encoding="utf-8") as fh:
        json.dump({**report.to_dict(), **(extra or {})}, fh, indent=2, ensure_ascii=False, default=str)
        fh.write("\n")
    with open(md_path, "w", encoding="utf-8") as fh:
        fh.write(report_table(report))
    return json_path, md_path


def read_report(path: str) -> dict[str, Any]:
    """A ``report.json`` (or the one in the folder ``path``) as a dict."""
    if os.path.isdir(path):
        path = os.path.join(path, REPORT_JSON)
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)
