"""The ``lm_eval`` backend: lm-evaluation-harness driven through ``lm_eval.simple_evaluate``.

- Local files (:mod:`swiftkit.evaluate.local_files`) become task YAMLs in the run folder
  (``tasks/``), loaded with ``TaskManager(include_path=...)``: multiple choice is scored by
  log-likelihood (``acc``), open QA by greedy generation (``exact_match``, case and punctuation
  ignored). Hub benchmarks go to lm-eval by name (offline: refused before anything loads).
- A local model is loaded through its family's loader (the checkpoint's tuner applied, adapters
  merged) and handed to lm-eval's ``HFLM``; prompts are rendered with the model's registered
  template (the one it was trained with), not the tokenizer's.
- A live engine (``target.engine``, evaluation during training) is scored through
  ``InferEngine.prompt_logprobs`` and answers through ``engine.infer``
  (:mod:`swiftkit.plugins.eval.lm_eval_engine`).
- ``--eval_url``: generation tasks go through ``/v1/chat/completions`` (``local-chat-completions``:
  the server renders its template), multiple choice through ``/v1/completions``
  (``local-completions``: token-id prompts, ``echo`` + ``logprobs``), which needs a tokenizer.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from typing import Any

from swiftkit.core.errors import ConfigError, SwiftkitError
from swiftkit.core.eval.interface import EvalBackend, EvalDataset, EvalOptions, EvalReport, EvalTarget
from swiftkit.evaluate.datasets import offline_message
from swiftkit.evaluate.local_files import LocalEvalData, read_local

#: metrics reported per kind of local file (lm-eval's names)
LOCAL_METRICS = {"mcq": ["acc"], "qa": ["exact_match"]}
PLAIN_MCQ_PROMPT = "Question: {{question}}\nAnswer:"
PLAIN_QA_PROMPT = "Question: {{question}}\nAnswer:"


def _task_name(dataset: EvalDataset, taken: set[str]) -> str:
    base = "swift_" + re.sub(r"[^A-Za-z0-9_]", "_", dataset.subset or os.path.basename(dataset.name)).strip("_").lower()
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}_{n}"
    taken.add(name)
    return name


def task_config(name: str, data_file: str, kind: str, *, chat: bool, stop: list[str],
                max_gen_toks: int, num_fewshot: int | None = None) -> dict[str, Any]:
    """The lm-eval task config of a normalized local file (``kind`` ``mcq`` or ``qa``)."""
    config: dict[str, Any] = {
        "task": name,
        "dataset_path": "json",
        "dataset_kwargs": {"data_files": {"test": data_file}},
        "test_split": "test",
        "doc_to_text": "{{question}}" if chat else PLAIN_MCQ_PROMPT,
        "metadata": {"version": 1.0},
    }
    if num_fewshot:
        config.update(fewshot_split="test", num_fewshot=num_fewshot)
    if kind == "mcq":
        config.update(output_type="multiple_choice", doc_to_choice="{{choices}}", doc_to_target="answer",
                      target_delimiter=" ",
                      metric_list=[{"metric": "acc", "aggregation": "mean", "higher_is_better": True}])
    else:
        config.update(output_type="generate_until", doc_to_target="{{answer}}",
                      doc_to_text="{{question}}" if chat else PLAIN_QA_PROMPT, target_delimiter=" ",
                      generation_kwargs={"until": stop or ["\n"], "max_gen_toks": max_gen_toks, "do_sample": False,
                                         "temperature": 0.0},
                      metric_list=[{"metric": "exact_match", "aggregation": "mean", "higher_is_better": True,
                                    "ignore_case": True, "ignore_punctuation": True,
                                    "regexes_to_ignore": [r"^\s+", r"\s+$"]}])
    return config


def gen_kwargs(generation: dict[str, Any]) -> dict[str, Any]:
    """``--eval_generation_config`` (OpenAI names) as lm-eval's generation kwargs."""
    out: dict[str, Any] = {}
    for key, value in generation.items():
        if key in ("max_tokens", "max_new_tokens"):
            out["max_gen_toks"] = int(value)
        elif key == "stop":
            out["until"] = [value] if isinstance(value, str) else list(value)
        else:
            out[key] = value
    if float(out.get("temperature", 0) or 0) > 0:
        out.setdefault("do_sample", True)
    return out


class LmEvalBackend(EvalBackend):
    """lm-evaluation-harness (see the module docstring)."""

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        self._local: dict[str, LocalEvalData] = {}

    # ------------------------------------------------------------------ checks

    def check_datasets(self, datasets: list[EvalDataset], *, offline: bool) -> list[str]:
        problems = []
        for dataset in datasets:
            if dataset.is_local:
                try:
                    self._local[dataset.name] = read_local(dataset.path, dataset.subset, name=dataset.name)
                except ConfigError as exc:
                    problems.append(str(exc))
            elif offline:
                problems.append(offline_message(dataset.name))
        return problems

    def _local_data(self, dataset: EvalDataset) -> LocalEvalData:
        if dataset.name not in self._local:
            self._local[dataset.name] = read_local(dataset.path, dataset.subset, name=dataset.name)
        return self._local[dataset.name]

    # ------------------------------------------------------------------ run

    def run(self, target: EvalTarget, datasets: list[EvalDataset], options: EvalOptions) -> EvalReport:
        import logging

        quiet = [logging.getLogger(n) for n in ("lm-eval", "lm_eval")]  # it logs every batch, and warns of
        levels = [q.level for q in quiet]  # what we chose on purpose (a model object, our generation settings)
        for q in quiet:
            q.setLevel(logging.ERROR)
        try:
            return self._run(target, datasets, options)
        finally:
            for q, level in zip(quiet, levels, strict=True):
                q.setLevel(level)

    def _run(self, target: EvalTarget, datasets: list[EvalDataset], options: EvalOptions) -> EvalReport:
        from lm_eval.tasks import TaskManager


        chat = bool(self.options.get("lm_eval_chat_template", True))
        generation = gen_kwargs(options.generation)
        tasks_dir = os.path.join(options.output_dir, "tasks")
        os.makedirs(tasks_dir, exist_ok=True)
        plan: dict[str, tuple[str | dict[str, Any], str]] = {}  # dataset -> (lm-eval task spec, kind)
        taken: set[str] = set()
        stop = self._stop_words(target)
        hub = [d for d in datasets if not d.is_local]
        for dataset in datasets:
            if not dataset.is_local:
                continue
            data = self._local_data(dataset)
            name = _task_name(dataset, taken)
            data_file = os.path.join(tasks_dir, f"{name}.jsonl")
            with open(data_file, "w", encoding="utf-8") as fh:
                fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in data.rows)
            config = task_config(name, data_file, data.kind, chat=chat, stop=stop,
                                 max_gen_toks=int(generation.get("max_gen_toks", 256)),
                                 num_fewshot=dataset.args.get("num_fewshot"))
            with open(os.path.join(tasks_dir, f"{name}.yaml"), "w", encoding="utf-8") as fh:
                json.dump(config, fh, indent=1)  # JSON is YAML
            plan[dataset.name] = (name, data.kind)
        manager = TaskManager(include_path=tasks_dir, include_defaults=bool(hub))
        for dataset in hub:
            plan[dataset.name] = (self._hub_task(manager, dataset), self._hub_kind(manager, dataset.name))
        report = EvalReport(backend=self.spec.id, target=target.label())
        if target.engine is not None:  # the live model (evaluation during training): scored through the engine
            from swiftkit.plugins.eval.lm_eval_engine import EngineLM

            adapter = next(iter(target.engine.adapters), None)
            lm = EngineLM(target.engine, adapter=adapter, max_gen_toks=int(generation.get("max_gen_toks", 256)))
            self._evaluate(lm, list(plan), plan, manager, options, generation, report, chat=chat)
        elif target.kind == "url":
            groups = {"chat": [n for n, (_, k) in plan.items() if k != "mcq"],
                      "completions": [n for n, (_, k) in plan.items() if k == "mcq"]}
            for mode, names in groups.items():
                if names:
                    lm = self._url_model(target, options, mode)
                    self._evaluate(lm, names, plan, manager, options, generation, report, chat=True if mode == "chat"
                                   else chat)
        else:
            lm = self._local_model(target, options, chat)
            try:
                self._evaluate(lm, list(plan), plan, manager, options, generation, report, chat=chat)
            finally:
                del lm
        order = {d.name: i for i, d in enumerate(datasets)}  # the datasets' order, whatever ran first

        def rank(key: str) -> int:
            owners = [n for n in order if key == n or key.startswith(n + "/")]
            return order[max(owners, key=len)] if owners else len(order)

        report.metrics = dict(sorted(report.metrics.items(), key=lambda kv: rank(kv[0])))
        return report

    def _stop_words(self, target: EvalTarget) -> list[str]:
        if target.engine is not None and getattr(target.engine, "template", None) is not None:
            return [w for w in target.engine.template.stop_words if w]
        if not target.template:
            return []
        from swiftkit.core.registry import get_registry

        try:
            return [w for w in get_registry().template(target.template).stop_words if w]
        except SwiftkitError:
            return []

    @staticmethod
    def _hub_task(manager: Any, dataset: EvalDataset) -> str | dict[str, Any]:
        if dataset.name not in manager.all_tasks:
            close = difflib.get_close_matches(dataset.name, manager.all_tasks, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else "; see `lm_eval ls tasks`"
            raise ConfigError(f"eval dataset {dataset.name!r}: lm-evaluation-harness has no such task or group{hint}")
        return {"task": dataset.name, **dataset.args} if dataset.args else dataset.name

    @staticmethod
    def _hub_kind(manager: Any, name: str) -> str:
        """``qa`` for a generation benchmark (gsm8k), else ``mcq`` (scored by log-likelihood)."""
        entry = manager.task_index.get(name)
        cfg = getattr(entry, "cfg", None) or {}
        return "qa" if cfg.get("output_type") == "generate_until" else "mcq"

    # ------------------------------------------------------------------ models

    def _local_model(self, target: EvalTarget, options: EvalOptions, chat: bool) -> Any:
        import torch
        from lm_eval.models.huggingface import HFLM

        from swiftkit.core.registry import get_registry
        from swiftkit.infer.checkpoint import model_source
        from swiftkit.infer.factory import resolve_model
        from swiftkit.models.load_errors import model_load_errors

        registry = get_registry()
        resolved = resolve_model({"model": target.model_dir, "adapters": list(target.adapters),
                                  "template": target.template, "command": "eval"}, registry)
        device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = target.torch_dtype or ("float32" if device == "cpu" else "bfloat16")
        with model_load_errors(resolved.model_dir, resolved.model_id):
            model, tokenizer = model_source(resolved, registry).load(torch_dtype=dtype, device_map=device)
            for path in resolved.adapters.values():
                from peft import PeftModel

                model = PeftModel.from_pretrained(model, path).merge_and_unload()
        model.eval()
        template = registry.template(resolved.template)
        if template.requires_tokenizer:
            template = template.bind(tokenizer)
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token

        class TemplateHFLM(HFLM):
            """HFLM whose chat prompts are our template's rendering (what the model was trained on)."""

            def apply_chat_template(self, chat_history: list[dict[str, str]], add_generation_prompt: bool = True) -> str:
                return template.render(chat_history, add_generation_prompt=add_generation_prompt)

            def chat_template(self, chat_template: bool | str = False) -> str | None:
                return template.chat_template() if chat_template else None

        return TemplateHFLM(pretrained=model, tokenizer=tokenizer, batch_size=options.batch_size,
                            max_length=int(options.config.get("max_length") or 0) or None)

    def _url_model(self, target: EvalTarget, options: EvalOptions, mode: str) -> Any:
        common = {"model": target.served_model, "num_concurrent": options.num_proc, "max_retries": 2,
                  "header": {"Authorization": f"Bearer {target.api_key}"}, "seed": options.seed}
        if mode == "chat":
            from lm_eval.models.openai_completions import LocalChatCompletion

            return LocalChatCompletion(base_url=f"{target.url}/chat/completions", tokenizer_backend=None,
                                       tokenized_requests=False, **common)
        from lm_eval.models.openai_completions import LocalCompletionsAPI

        tokenizer = self.options.get("lm_eval_tokenizer") or target.model_id  # a folder, or a hub id
        if not tokenizer:
            raise ConfigError("eval backend 'lm_eval': multiple choice through --eval_url scores token ids, so it "
                              "needs the served model's tokenizer: give --model (its folder or hub id) or "
                              "--lm_eval_tokenizer")
        return LocalCompletionsAPI(base_url=f"{target.url}/completions", tokenizer=tokenizer,
                                   tokenizer_backend="huggingface", tokenized_requests=True, **common)

    # ------------------------------------------------------------------ evaluate + collect

    def _evaluate(self, lm: Any, names: list[str], plan: dict[str, tuple[Any, str]], manager: Any,
                  options: EvalOptions, generation: dict[str, Any], report: EvalReport, *, chat: bool) -> None:
        from lm_eval import simple_evaluate

        kwargs = {"limit": options.limit, "apply_chat_template": chat, "log_samples": True,
                  "gen_kwargs": generation or None, "random_seed": options.seed, "numpy_random_seed": options.seed,
                  "torch_random_seed": options.seed, "fewshot_random_seed": options.seed,
                  **options.extra}  # --extra_eval_args: simple_evaluate's own keywords, they win
        results = simple_evaluate(model=lm, tasks=[plan[n][0] for n in names], task_manager=manager, **kwargs)
        if results is None:  # only on non-zero ranks of a distributed run
            return
        samples_dir = os.path.join(options.output_dir, "samples")
        os.makedirs(samples_dir, exist_ok=True)
        for name in names:
            spec = plan[name][0]
            task = spec["task"] if isinstance(spec, dict) else spec
            self._collect(name, task, results, report, samples_dir)

    @staticmethod
    def _scores(values: dict[str, Any]) -> dict[str, float]:
        out = {}
        for key, value in values.items():
            metric, _, filt = key.partition(",")
            if metric.endswith("_stderr") or not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            if metric in ("alias", "samples", "sample_len"):
                continue
            out[metric if filt in ("", "none") else f"{metric}_{filt}"] = float(value)
        return out

    def _collect(self, name: str, task: str, results: dict[str, Any], report: EvalReport, samples_dir: str) -> None:
        table = results.get("results", {})
        subtasks = [t for t in (results.get("group_subtasks") or {}).get(task, []) if t != task]
        if task in table:
            report.metrics[name] = self._scores(table[task])
        n_samples = results.get("n-samples", {})
        for sub in [task, *subtasks]:
            if sub != task and sub in table:
                report.metrics[f"{name}/{sub}"] = self._scores(table[sub])
            if sub in n_samples:
                report.counts[name if sub == task else f"{name}/{sub}"] = int(n_samples[sub].get("effective", 0))
            rows = results.get("samples", {}).get(sub)
            if rows:
                path = os.path.join(samples_dir, f"{sub}.jsonl")
                with open(path, "w", encoding="utf-8") as fh:
                    for row in rows:
                        fh.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
                report.samples[name if sub == task else f"{name}/{sub}"] = path
        if name not in report.metrics and subtasks:  # a group without its own aggregate
            report.counts.setdefault(name, sum(report.counts.get(f"{name}/{s}", 0) for s in subtasks))
