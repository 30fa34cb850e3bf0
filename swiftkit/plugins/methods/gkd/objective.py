"""GKD: the student matches the teacher's token distributions on the reply tokens.

The loss is the generalized Jensen-Shannon divergence of Agarwal et al. (2024), as TRL's
``GKDTrainer.generalized_jsd_loss`` defines it: with mixture ``M = beta * P_teacher + (1 - beta)
* P_student``, ``JSD_beta = beta * KL(P_teacher || M) + (1 - beta) * KL(P_student || M)``,
averaged over the label tokens.

Which replies are distilled, per training batch (TRL's ``GKDTrainer.training_step``):

* with probability ``lmbda`` (a coin seeded with the run's ``--seed``, the same on every process)
  the batch is **on-policy**: the student samples a reply to each row's prompt (``generate``
  without gradients, ``max_completion_length`` new tokens at ``--temperature``, cut after the
  first end-of-sequence token) and the batch is rebuilt as prompt + sampled reply, labels on the
  sampled tokens only;
* otherwise, with ``seq_kd``, the teacher samples the replies the same way (sequence-level KD);
* otherwise the dataset's replies are used (supervised KD).

A row's prompt is everything before its last labelled run of tokens (the final assistant reply
of the SFT encoding), so multi-turn rows keep their history. Evaluation always uses the dataset.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from functools import cache
from typing import Any

from swiftkit.core.errors import ConfigError
from swiftkit.core.methods.interface import Objective
from swiftkit.core.options import option_value

DEFAULT_BETA = 0.5
IGNORE_INDEX = -100


def generalized_jsd(student_logits: Any, teacher_logits: Any, labels: Any, beta: float, temperature: float = 1.0,
                    topk: int | None = None) -> Any:
    """Mean generalized JSD over the positions whose (shifted) label is not -100; with ``topk``,
    over each position's ``topk`` most likely teacher tokens only, both distributions
    renormalised over them (``--gkd_logits_topk``)."""
    import math

    import torch
    import torch.nn.functional as F

    student_logits, teacher_logits = student_logits[:, :-1].float(), teacher_logits[:, :-1].float()
    if topk is not None and topk < teacher_logits.shape[-1]:
        index = teacher_logits.topk(topk, dim=-1).indices
        student_logits, teacher_logits = student_logits.gather(-1, index), teacher_logits.gather(-1, index)
    student = F.log_softmax(student_logits / temperature, dim=-1)
    teacher = F.log_softmax(teacher_logits / temperature, dim=-1)
    mask = labels[:, 1:] != IGNORE_INDEX
    # F.kl_div(input, target) is KL(target || input): beta 0 is the forward KL(teacher || student),
    # beta 1 the reverse KL(student || teacher), as in TRL
    if beta <= 0.0:
        per_token = F.kl_div(student, teacher, log_target=True, reduction="none").sum(-1)
    elif beta >= 1.0:
        per_token = F.kl_div(teacher, student, log_target=True, reduction="none").sum(-1)
    else:
        mixture = torch.logsumexp(torch.stack([student + math.log(1 - beta), teacher + math.log(beta)]), dim=0)
        kl_teacher = F.kl_div(mixture, teacher, log_target=True, reduction="none").sum(-1)
        kl_student = F.kl_div(mixture, student, log_target=True, reduction="none").sum(-1)
        per_token = beta * kl_teacher + (1 - beta) * kl_student
    return (per_token * mask).sum() / mask.sum().clamp(min=1)


# ---------------------------------------------------------------------------- sampled batches


def split_prompts(input_ids: Any, attention_mask: Any, labels: Any) -> list[list[int]]:
    """Each right-padded row's prompt: its tokens before the last run of labelled tokens."""
    prompts = []
    for ids, mask, labs in zip(input_ids.tolist(), attention_mask.tolist(), labels.tolist(), strict=True):
        n = sum(mask)
        ids, labs = ids[:n], labs[:n]
        end = max((i for i, x in enumerate(labs) if x != IGNORE_INDEX), default=None)
        if end is None:  # no reply to replace: the whole row is the prompt
            prompts.append(ids)
            continue
        start = end
        while start > 0 and labs[start - 1] != IGNORE_INDEX:
            start -= 1
        prompts.append(ids[:start])
    return prompts


def _eos_ids(model: Any, tokenizer: Any) -> list[int]:
    ids: set[int] = set()
    for value in (getattr(getattr(model, "generation_config", None), "eos_token_id", None),
                  getattr(tokenizer, "eos_token_id", None)):
        if isinstance(value, int):
            ids.add(value)
        elif value:
            ids.update(int(v) for v in value)
    return sorted(ids)


def sample_replies(model: Any, prompts: list[list[int]], *, max_new_tokens: int, temperature: float,
                   pad_token_id: int, eos_token_ids: list[int], min_p: float = 0.0) -> list[list[int]]:
    """``model``'s sampled continuation of each prompt (left-padded into one ``generate`` call, no
    gradients, dropout off), each cut after its first end-of-sequence token."""
    import torch

    device = next(model.parameters()).device
    width = max(len(p) for p in prompts)
    input_ids = torch.tensor([[pad_token_id] * (width - len(p)) + p for p in prompts], device=device)
    attention_mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts], device=device)
    kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "pad_token_id": pad_token_id, "use_cache": True}
    if eos_token_ids:
        kwargs["eos_token_id"] = eos_token_ids
    if temperature > 0:  # unbiased samples of the model's distribution, as TRL (top_k 0, top_p 1)
        kwargs.update(do_sample=True, temperature=temperature, top_k=0, top_p=1.0)
        if min_p > 0:
            kwargs["min_p"] = min_p
    else:
        kwargs.update(do_sample=False)
    from swiftkit.train.unwrap import unwrap_model

    model = unwrap_model(model)  # generate() is the model's, hidden by data-parallel wrappers
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model.generate(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
    finally:
        model.train(was_training)
    replies = []
    stop = set(eos_token_ids)
    for row in out[:, width:].tolist():
        cut = next((i + 1 for i, t in enumerate(row) if t in stop), len(row))
        replies.append(row[:cut])
    return replies


def reply_batch(prompts: list[list[int]], replies: list[list[int]], pad_token_id: int, device: Any) -> dict[str, Any]:
    """Right-padded ``input_ids`` / ``attention_mask`` / ``labels`` of prompt + reply rows,
    labels on the reply tokens only."""
    import torch

    rows = [p + r for p, r in zip(prompts, replies, strict=True)]
    width = max(len(r) for r in rows)
    return {
        "input_ids": torch.tensor([r + [pad_token_id] * (width - len(r)) for r in rows], device=device),
        "attention_mask": torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], device=device),
        "labels": torch.tensor(
            [[IGNORE_INDEX] * len(p) + r + [IGNORE_INDEX] * (width - len(p) - len(r)) for p, r in zip(prompts, replies, strict=True)],
            device=device,
        ),
    }


# ---------------------------------------------------------------------------- objective


class GkdObjective(Objective):
    data_mode = "sft"
    required_columns = ("messages",)
    teacher: Any = None
    temperature: float = 1.0

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        from swiftkit.plugins.methods._preference_options import check_beta

        check_beta("gkd", self.beta)
        self.lmbda = float(self._option("lmbda", 0.5))
        self.seq_kd = bool(self._option("seq_kd", False))
        self.max_new_tokens = int(self._option("max_completion_length", 32))
        self._coin: Any = None
        self.pad_token_id = 0
        self.eos_token_ids: list[int] = []
        self.sample_temperature = 1.0
        self.sft_alpha = float(self._option("sft_alpha", 0.0))
        self.min_p = float(self._option("min_p", 0.0))
        topk = self.options.get("gkd_logits_topk")
        self.logits_topk = None if topk is None else int(topk)
        self.offload_teacher = bool(self._option("offload_teacher_model", False))
        self.log_completions = bool(self._option("log_completions", False))
        self.completions_path: str | None = None  # set when training begins (log_completions)
        self.state: Any = None
        self.tokenizer: Any = None
        self.vllm: Any = None  # a VllmRollout with --use_vllm true
        self._seed = 42
        self._calls = 0

    def _option(self, key: str, default: Any) -> Any:
        return option_value(self.options, self.spec, key, default)

    @property
    def beta(self) -> float:
        value = self.options.get("beta")
        return DEFAULT_BETA if value is None else float(value)

    def setup(self, *, registry: Any, config: dict[str, Any], model: Any = None, tokenizer: Any = None,
              template: Any = None, **_: Any) -> None:
        """Load the teacher (frozen) through its family's loader; prepare sampling."""
        import os
        import random

        from swiftkit.core.lazy import resolve

        name = self.options.get("teacher_model")
        if not name:
            raise ConfigError("--rlhf_type gkd needs --teacher_model (a registered id, hub id or local folder)")
        if (self.lmbda > 0 or self.seq_kd) and (config.get("packing") or config.get("padding_free")):
            raise ConfigError("gkd samples replies per row (--lmbda > 0 or --seq_kd): it cannot run with --packing or "
                              "--padding_free; turn those off or pass --lmbda 0 --seq_kd false")
        from swiftkit.models.hub import fetch_model

        fetched = fetch_model(name, registry, config, revision_key="teacher_model_revision",
                              model_type=self.options.get("teacher_model_type"),
                              progress=os.environ.get("RANK", "0") == "0")
        spec, folder = fetched.spec, fetched.folder
        loader = resolve(spec.loader, spec.REFS["loader"])(spec)
        teacher, _ = loader.load(folder, torch_dtype=config.get("torch_dtype", "auto"))
        from swiftkit.models.merge_adapters import merge_adapters

        teacher = merge_adapters(teacher, self.options.get("teacher_adapters") or [], "--teacher_adapters")
        self.teacher = teacher.eval().requires_grad_(False)
        if self.offload_teacher:
            self.teacher.to("cpu")
        self.tokenizer = tokenizer
        temperature = config.get("temperature")
        self.temperature = float(temperature or 1.0)  # the divergence's temperature; 0 would divide by 0
        self.sample_temperature = 1.0 if temperature is None else float(temperature)  # 0: greedy
        # one coin sequence for every process (all of them sample, or none: sharded models need that)
        self._coin = random.Random(int(config.get("seed", 42)))
        pad = getattr(tokenizer, "pad_token_id", None)
        if pad is None:
            pad = getattr(tokenizer, "eos_token_id", None)
        self.pad_token_id = 0 if pad is None else int(pad)
        self.eos_token_ids = _eos_ids(model, tokenizer)
        from swiftkit.plugins.methods._vllm_rollout import VllmRollout, VllmSettings

        settings = VllmSettings.from_config(config, "gkd")
        if settings is not None:  # the student's on-policy replies come from vLLM (the teacher's stay on pt)
            self.vllm = VllmRollout(settings, tokenizer=tokenizer, template=template, registry=registry)
            self._seed = int(config.get("seed", 42))

    def _vllm_callbacks(self) -> list[Any]:
        """With ``--use_vllm``: mark vLLM's weights stale after each optimizer step, close the
        engine when training ends."""
        if self.vllm is None:
            return []
        from transformers import TrainerCallback

        from swiftkit.plugins.methods._vllm_rollout import step_callback

        objective = self

        class CloseVllm(TrainerCallback):
            def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
                objective.close()

        return [step_callback(self.vllm), CloseVllm()]

    def close(self) -> None:
        """Shut the rollout engine down (``--use_vllm``)."""
        if self.vllm is not None:
            self.vllm.close()

    def student_replies(self, model: Any, prompts: list[list[int]]) -> list[list[int]]:
        """The student's sampled replies through vLLM (``--use_vllm``), cut like :func:`sample_replies`."""
        self._calls += 1
        rows = self.vllm.generate_ids(model, prompts, max_tokens=self.max_new_tokens, temperature=self.sample_temperature,
                                      seed=self._seed * 1_000_003 + self._calls * 65_536, stop_ids=self.eos_token_ids)
        stop = set(self.eos_token_ids)
        return [c[: next((i + 1 for i, t in enumerate(c) if t in stop), len(c))] for _, c, _ in rows]

    # ------------------------------------------------------------------ batches

    def _source(self) -> str:
        """``student``, ``teacher`` or ``data``: whose replies the next training batch distils."""
        if self._coin is None:
            return "data"
        if self.lmbda > 0 and self._coin.random() < self.lmbda:
            return "student"
        return "teacher" if self.seq_kd else "data"

    def sampled_batch(self, sampler: Any, batch: dict[str, Any]) -> dict[str, Any]:
        """``batch`` with its replies replaced by ``sampler``'s samples (see the module docstring)."""
        labels = batch["labels"]
        mask = batch.get("attention_mask")
        if mask is None:
            import torch

            mask = torch.ones_like(batch["input_ids"])
        prompts = split_prompts(batch["input_ids"], mask, labels)
        if self.vllm is not None and sampler is not self.teacher:
            return reply_batch(prompts, self.student_replies(sampler, prompts), self.pad_token_id, labels.device)
        replies = sample_replies(sampler, prompts, max_new_tokens=self.max_new_tokens, temperature=self.sample_temperature,
                                 pad_token_id=self.pad_token_id, eos_token_ids=self.eos_token_ids,
                                 **({"min_p": self.min_p} if self.min_p > 0 else {}))
        return reply_batch(prompts, replies, self.pad_token_id, labels.device)

    @contextlib.contextmanager
    def _teacher_on(self, device: Any) -> Iterator[Any]:
        """The teacher on ``device`` for the block; back in CPU memory after it with
        ``offload_teacher_model``."""
        teacher = self.teacher.to(device)
        try:
            yield teacher
        finally:
            if self.offload_teacher:
                self.teacher.to("cpu")

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        import torch
        import torch.nn.functional as F

        source = self._source() if model.training else "data"
        if source == "student":
            batch = self.sampled_batch(getattr(model, "module", model), batch)
        elif source == "teacher":
            with self._teacher_on(batch["input_ids"].device) as teacher:
                batch = self.sampled_batch(teacher, batch)
        if source != "data" and self.log_completions and self.completions_path:
            self._log_completions(batch, source)
        inputs = {k: v for k, v in batch.items() if k != "labels"}
        student_logits = model(**inputs).logits
        with torch.no_grad(), self._teacher_on(student_logits.device) as teacher:
            teacher_logits = teacher(**inputs).logits
        if teacher_logits.shape[-1] != student_logits.shape[-1]:
            raise ConfigError(
                f"teacher vocabulary ({teacher_logits.shape[-1]}) differs from the student's ({student_logits.shape[-1]}): "
                "GKD needs a shared tokenizer"
            )
        topk = {"topk": self.logits_topk} if self.logits_topk is not None else {}
        jsd = generalized_jsd(student_logits, teacher_logits, batch["labels"], self.beta, self.temperature, **topk)
        loss = jsd
        metrics: dict[str, Any] = {"jsd": jsd.detach(), "on_policy": float(source == "student")}
        if self.sft_alpha > 0 and source != "student":  # SFT on the replies the student did not sample
            sft = F.cross_entropy(student_logits[:, :-1].flatten(0, 1).float(), batch["labels"][:, 1:].flatten(),
                                  ignore_index=IGNORE_INDEX)
            loss = jsd + self.sft_alpha * sft
            metrics["sft_loss"] = sft.detach()
        if source != "data":
            metrics["completion_length"] = float((batch["labels"] != IGNORE_INDEX).sum()) / batch["labels"].shape[0]
        return loss, metrics

    # ------------------------------------------------------------------ log_completions

    def callbacks(self) -> list[Any]:
        """``--use_vllm``'s weight-sync callbacks; with ``log_completions``, one that learns the run's
        output folder when training begins."""
        return [*self._vllm_callbacks(), *([_log_callback_class()(self)] if self.log_completions else [])]

    def _log_completions(self, batch: dict[str, Any], source: str) -> None:
        """One ``completions.jsonl`` row per sampled reply: step, source, prompt and completion text."""
        decode = getattr(self.tokenizer, "decode", None) or (lambda ids, **_: " ".join(map(str, ids)))
        rows = []
        for ids, labels in zip(batch["input_ids"].tolist(), batch["labels"].tolist(), strict=True):
            reply = [t for t, lab in zip(ids, labels, strict=True) if lab != IGNORE_INDEX]
            start = next((i for i, lab in enumerate(labels) if lab != IGNORE_INDEX), len(labels))
            rows.append({"step": int(getattr(self.state, "global_step", 0)), "source": source,
                         "prompt": decode(ids[:start], skip_special_tokens=False),
                         "completion": decode(reply, skip_special_tokens=True)})
        with open(self.completions_path, "a", encoding="utf-8") as f:  # type: ignore[arg-type]
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)


@cache
def _log_callback_class() -> type:
    from transformers import TrainerCallback

    class GkdCompletionsLog(TrainerCallback):
        def __init__(self, objective: Any):
            self.objective = objective

        def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            import os

            rank = int(getattr(args, "process_index", 0) or 0)
            os.makedirs(args.output_dir, exist_ok=True)
            name = "completions.jsonl" if rank == 0 else f"completions.rank{rank}.jsonl"
            self.objective.completions_path = os.path.join(args.output_dir, name)
            self.objective.state = state

    return GkdCompletionsLog
