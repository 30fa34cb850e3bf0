"""Serving a model trained for a task other than text generation (``--task_type``).

The task of what ``swift infer`` / ``deploy`` serve is ``--task_type`` when given, else the task
the checkpoint was trained for (its ``args.json``), else the registered model's
(``ModelSpec.task``: Qwen3-Embedding is ``embedding``). For anything but ``causal_lm`` the
objective plugin of that task (``MethodSpec.task``) loads the model with its head
(``Objective.load_model``), the checkpoint's tuner reads the trained state into it (a peft
adapter, or what ``load_trained`` rebuilds), and the objective's
:class:`~swiftkit.core.methods.interface.TaskPredictor` answers: the :class:`TaskEngine` carries
it to the server's task routes (:mod:`swiftkit.serve.task_routes`) and to ``swift infer``.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.engines.interface import ChatResponse, InferEngine
from swiftkit.core.errors import ConfigError
from swiftkit.core.specs import EngineSpec

CAUSAL_LM = "causal_lm"

#: what each task's model answers on the server (named in the chat routes' refusal)
TASK_ROUTES = {"embedding": "/v1/embeddings", "reranker": "/v1/rerank", "generative_reranker": "/v1/rerank",
               "seq_cls": "/v1/classify"}


def served_task(config: dict[str, Any], run_args: dict[str, Any], spec: Any) -> str:
    """The task a served model answers for (see the module docstring)."""
    return config.get("task_type") or run_args.get("task_type") or getattr(spec, "task", None) or CAUSAL_LM


def given_task(config: dict[str, Any]) -> str | None:
    """The task ``--task_type`` or the ``--model`` checkpoint's ``args.json`` names, before
    anything loads (``None``: neither says; the registered model's may still)."""
    import os

    from swiftkit.train.args_file import read_args

    if config.get("task_type"):
        return config["task_type"]
    model = config.get("model")
    return read_args(model, missing_ok=True).get("task_type") if model and os.path.isdir(model) else None


class TaskEngine(InferEngine):
    """An engine whose model does not generate: the chat and completion routes refuse with the
    route to use; :attr:`predictor` answers instead (one call at a time, see the server)."""

    def __init__(self, spec: EngineSpec, model_dir: str, template: Any, options: dict[str, Any] | None = None, *,
                 predictor: Any = None, tokenizer: Any = None, task: str = ""):
        super().__init__(spec, model_dir, template, options)
        self.predictor, self.tokenizer, self.task = predictor, tokenizer, task
        self.max_length = (options or {}).get("max_length")

    def infer(self, requests: list[Any]) -> list[ChatResponse]:
        raise NotImplementedError(f"this is a {self.task} model, which does not generate text; "
                                  f"use {TASK_ROUTES.get(self.task, 'its task route')}")

    def add_adapter(self, name: str, path: str) -> None:
        self.adapters[name] = path  # already applied to the model when it was loaded


def _objective(registry: Any, task: str, options_from: dict[str, Any]) -> Any:
    from swiftkit.core.config import task_objectives
    from swiftkit.core.lazy import resolve

    objective_id = task_objectives(registry).get(task)
    if objective_id is None:
        raise ConfigError(f"task {task!r}: no installed objective plugin serves it (see `swift list methods`)")
    spec = registry.get("method", objective_id).spec
    props = (spec.options or {}).get("properties", {})
    options = {k: options_from[k] for k in props if options_from.get(k) is not None}
    return resolve(spec.impl, spec.REFS["impl"])(spec, options)


def create_task_engine(config: dict[str, Any], registry: Any, resolved: Any, task: str) -> TaskEngine:
    """Load ``resolved`` for ``task`` through the task's objective and wrap its predictor."""
    from swiftkit.infer.checkpoint import checkpoint_tuner
    from swiftkit.models.load_errors import model_load_errors

    given = {k: v for k, v in config.items() if v is not None}
    objective = _objective(registry, task, {**resolved.run_args, **given})
    adapters = list(resolved.adapters.values())
    if len(adapters) > 1:
        raise ConfigError(f"a {task} model is served with one adapter at a time; got {len(adapters)} (--adapters)")
    with model_load_errors(resolved.model_dir, resolved.model_id):
        model, tokenizer = objective.load_model(resolved.loader(), resolved.model_dir,
                                                torch_dtype=config.get("torch_dtype"), **resolved.load_kwargs)
        if resolved.trained_checkpoint is not None:
            tuner = checkpoint_tuner(resolved.run_args, registry, resolved.trained_checkpoint)
            model = tuner.load_trained(model, resolved.trained_checkpoint)
        elif adapters:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, adapters[0], is_trainable=False)
    model.eval()
    template = registry.template(resolved.template, tokenizer=tokenizer)
    predictor = objective.predictor(model, tokenizer, template, given)
    if predictor is None:
        raise ConfigError(f"objective {objective.spec.id!r} (task {task!r}) has no predictor: it cannot be served")
    spec = EngineSpec(id=f"task:{task}", impl="swiftkit.infer.tasks:TaskEngine")
    return TaskEngine(spec, resolved.model_dir, template, {"max_length": config.get("max_length")},
                      predictor=predictor, tokenizer=tokenizer, task=task)


# ----------------------------------------------------------------------------- swift infer


def _conversation(value: Any) -> list[dict[str, str]] | None:
    """A row's ``messages`` (or a plain text) as the conversation to predict for: a final
    assistant reply is dropped (it is what a generative model would have answered)."""
    if isinstance(value, str):
        return [{"role": "user", "content": value}] if value.strip() else None
    if not isinstance(value, list) or not value:
        return None
    messages = [{"role": str(m.get("role")), "content": str(m.get("content"))} for m in value if isinstance(m, dict)]
    if messages and messages[-1]["role"] == "assistant" and len(messages) > 1:
        messages = messages[:-1]
    return messages or None


def _describe(task: str, result: Any) -> str:
    if task == "seq_cls":
        probs = ", ".join(f"{p:.3f}" for p in result.get("probs") or [])
        return f"label {result['label']}" + (f" (probs {probs})" if probs else "")
    return f"embedding of {len(result)} dimensions, first {', '.join(f'{v:.4f}' for v in result[:4])}"


def _predict(engine: TaskEngine, conversations: list[list[dict[str, str]]]) -> list[Any]:
    if engine.task == "seq_cls":
        return engine.predictor.classify(conversations)
    if engine.task == "embedding":
        return engine.predictor.embed(conversations)
    raise ConfigError(f"swift infer answers classifiers and embedding models; serve a {engine.task} model with "
                      "swift deploy (POST /v1/rerank)")


def task_infer(engine: TaskEngine, config: dict[str, Any], out: Any, *, result_path: str | None = None) -> None:
    """``swift infer`` of a task model: with ``--val_dataset``, a prediction per row (``messages``
    or ``text``; a final assistant reply left out), printed (classifiers: the label, and the
    accuracy against each row's ``label`` where there is one) and written as jsonl to
    ``--result_path``; otherwise one prediction per line read from stdin."""
    import json

    from rich.markup import escape

    if not config.get("val_dataset"):
        _predict(engine, [])  # refuses a task swift infer does not answer, before reading stdin
        out.print(f"{engine.task} model: type a text per line ('exit' to quit)")
        while True:
            try:
                line = input("<<< ")
            except EOFError:
                break
            if line.strip() in ("exit", "quit"):
                break
            if line.strip():
                out.print(escape(_describe(engine.task, _predict(engine, [[{"role": "user", "content": line}]])[0])))
        return
    from swiftkit.core.registry import get_registry
    from swiftkit.data.sources import load, resolve
    from swiftkit.data.steps import sample_indices

    rows: list[dict[str, Any]] = []
    for arg in config["val_dataset"]:
        source = resolve(arg, get_registry())
        data = load(source, hub=config)
        if source.sample is not None:  # path#N, as training samples
            data = data.select(sample_indices(len(data), source.sample, config.get("seed") or 42))
        for i, raw in enumerate(data):
            messages = _conversation(raw.get("messages") if raw.get("messages") is not None else raw.get("text"))
            if messages is None:
                raise ConfigError(f"{arg} row {i + 1}: no 'messages' (or 'text') to predict for")
            rows.append({"messages": messages, "reference": raw.get("label")})
    predictions = _predict(engine, [r["messages"] for r in rows])
    right = counted = 0
    for i, (row, found) in enumerate(zip(rows, predictions, strict=True)):
        if engine.task == "seq_cls":
            out.print(escape(f"row {i + 1}: {_describe(engine.task, found)}"
                             + (f", reference {row['reference']}" if row["reference"] is not None else "")))
            if row["reference"] is not None:
                counted += 1
                right += found["label"] == row["reference"]
        row["prediction"] = found
    if counted:
        out.print(f"accuracy: {right}/{counted} = {right / counted:.3f}")
    if result_path:
        with open(result_path, "w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.print(f"results: {escape(result_path)}", highlight=False)
