"""GRPO (Group Relative Policy Optimization) as an :class:`~swiftkit.core.methods.interface.Objective`.

torch is imported inside the functions, so importing this module stays cheap.

One training step (``compute_loss``) on a batch of prompts (data mode ``prompt``):

1. **Sample** ``num_generations`` completions per prompt from the *current policy* with the
   project's own ``pt`` inference engine (:class:`~swiftkit.plugins.engines.pt_engine.PtEngine`,
   created once over the model being trained, a ``PeftModel`` included: requests without an
   adapter use its active adapter), in eval mode and without gradients; temperature from the core
   ``--temperature`` (1.0 when unset), at most ``max_completion_length`` tokens, seeded per
   step and row so a run is reproducible.
2. **Score** them with the reward functions (``--reward_funcs``, see
   :mod:`swiftkit.core.methods.rewards`); the total is their weighted sum (``--reward_weights``).
3. **Advantages** are group-normalised: ``(r - mean_group) / (std_group + 1e-4)`` (sample std, as TRL).
4. **Loss** per completion token: ``-(exp(logp - logp.detach()) * A) + beta * KL`` with the k3
   estimator ``KL = exp(ref - logp) - (ref - logp) - 1``, averaged over each completion's tokens
   and then over completions (one update per sampling, TRL's default, so the ratio is 1 and only
   its gradient matters). The reference log-probs come from ``objective.ref_model`` when the
   trainer set one, else from the PEFT model with its adapter switched off; with ``beta`` 0 no
   reference is run (and none is loaded).

Metrics: ``reward`` / ``reward_std`` (weighted total), ``rewards/<name>/mean`` and
``rewards/<name>/std`` per function, ``kl`` and ``completion_length``.

The trainer hands the objective what sampling needs through :meth:`GrpoObjective.setup`
(``run_training`` calls it when the objective has one).
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.errors import SwiftkitError
from swiftkit.core.methods.interface import Objective

__all__ = ["GrpoObjective", "group_advantages", "k3_kl"]

#: ``beta`` when the run config leaves it null (ms-swift's GRPO default)
DEFAULT_BETA = 0.04
EPSILON = 1e-4


def group_advantages(rewards: Any, group_size: int, eps: float = EPSILON) -> Any:
    """``(r - group mean) / (group std + eps)`` for rewards laid out group after group
    (a 1-D tensor of ``n_groups * group_size``); the std is the sample (n-1) one, as TRL."""
    grouped = rewards.view(-1, group_size)
    mean = grouped.mean(dim=1, keepdim=True)
    std = grouped.std(dim=1, keepdim=True) if group_size > 1 else grouped.new_zeros(grouped.shape[0], 1)
    return ((grouped - mean) / (std + eps)).view(-1)


def k3_kl(logps: Any, ref_logps: Any) -> Any:
    """Per-token k3 estimate of KL(pi || ref): ``exp(ref - logp) - (ref - logp) - 1`` (>= 0)."""
    import torch

    delta = ref_logps - logps
    return torch.exp(delta) - delta - 1


class GrpoObjective(Objective):
    """``swift rlhf --rlhf_type grpo``."""

    data_mode: str = "prompt"
    required_columns = ("messages",)
    ref_model: Any = None

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        self.spec = spec
        self.options = dict(options or {})
        self.ref_model = None
        self.num_generations = int(self._opt("num_generations", 4))
        self.max_completion_length = int(self._opt("max_completion_length", 32))
        beta = self.options.get("beta")
        self.beta = float(DEFAULT_BETA if beta is None else beta)
        self.reward_names = list(self.options.get("reward_funcs") or [])
        self.reward_weights = self.options.get("reward_weights")
        if not self.reward_names:
            raise SwiftkitError("--rlhf_type grpo needs --reward_funcs (see `swift list rewards`)")
        if self.reward_weights is not None and len(self.reward_weights) != len(self.reward_names):
            raise SwiftkitError(
                f"--reward_weights has {len(self.reward_weights)} values for {len(self.reward_names)} reward functions"
            )
        self.reward_functions: list[Any] | None = None
        self.temperature = 1.0
        self.top_p = 1.0
        self.top_k = 0
        self.seed = 42
        self.tokenizer = None
        self.template = None
        self.registry = None
        self._engine = None
        self._engine_model = None
        self._calls = 0

    def _opt(self, key: str, fallback: Any) -> Any:
        value = self.options.get(key)
        if value is None:
            props = (getattr(self.spec, "options", None) or {}).get("properties", {})
            value = props.get(key, {}).get("default", fallback)
        return fallback if value is None else value

    @property
    def needs_reference(self) -> bool:
        """A frozen reference is needed only for the KL term."""
        return self.beta > 0

    # ------------------------------------------------------------------ wiring

    def setup(self, *, model: Any = None, tokenizer: Any = None, template: Any = None, registry: Any = None,
              config: dict[str, Any] | None = None, **_: Any) -> None:
        """Receive what sampling and scoring need (called by ``run_training``)."""
        config = dict(config or {})
        self.tokenizer = tokenizer
        self.template = template
        self.registry = registry
        if config.get("temperature") is not None:
            self.temperature = float(config["temperature"])
        if config.get("top_p") is not None:
            self.top_p = float(config["top_p"])
        if config.get("top_k") is not None:
            self.top_k = int(config["top_k"])
        if config.get("seed") is not None:
            self.seed = int(config["seed"])
        from swiftkit.core.methods.rewards import load_reward_functions

        self.reward_functions = load_reward_functions(self.reward_names, registry, {**config, **self.options})

    def _engine_for(self, model: Any) -> Any:
        if self.tokenizer is None or self.reward_functions is None:
            raise SwiftkitError("the grpo objective was not set up: run_training must call objective.setup(...)")
        if self._engine is None or self._engine_model is not model:
            if self._engine is not None:
                self._engine.close()
            registry = self.registry
            if registry is None:
                from swiftkit.core.registry import get_registry

                registry = get_registry()
            cls = registry.impl("engine", "pt")
            spec = registry.get("engine", "pt").spec
            was_training = model.training
            self._engine = cls(spec, "", self.template, {"max_batch_size": 1 << 16}, model=model, tokenizer=self.tokenizer)
            model.train(was_training)  # the engine puts the model in eval mode
            self._engine_model = model
        return self._engine

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
            self._engine = self._engine_model = None

    # ------------------------------------------------------------------ sampling

    def sample(self, model: Any, prompts: list[Any]) -> tuple[list[list[int]], list[list[int]], list[str]]:
        """``num_generations`` completions per prompt, group after group: prompt ids,
        completion ids (an end-of-turn token included) and completion texts."""
        from swiftkit.core.engines.interface import ChatRequest, SamplingOptions

        engine = self._engine_for(model)
        rows = []
        base = self.seed * 1_000_003 + self._calls * 65_536
        for i, messages in enumerate(prompts):
            for g in range(self.num_generations):
                sampling = SamplingOptions(
                    max_tokens=self.max_completion_length,
                    temperature=self.temperature,
                    top_p=self.top_p,
                    top_k=self.top_k,
                    seed=base + i * self.num_generations + g,
                )
                rows.append(engine.prepare(ChatRequest(messages=list(messages), sampling=sampling)))
        self._calls += 1
        was_training = model.training
        model.eval()
        try:
            # submitted together so they share generate() calls; the row keeps the token ids
            engine._submit(rows, wait=False)
            for row in rows:
                row.future.result()
        finally:
            for row in rows:
                row.cancel()
            model.train(was_training)
        return [list(r.prompt_ids) for r in rows], [list(r.tokens) for r in rows], [r.text for r in rows]

    # ------------------------------------------------------------------ the loss

    @staticmethod
    def _token_logps(model: Any, input_ids: Any, attention_mask: Any, n_completion: int, temperature: float) -> Any:
        """Log-probabilities of the last ``n_completion`` positions' tokens (right-aligned batch)."""
        import torch

        logits = model(input_ids=input_ids, attention_mask=attention_mask).logits
        logits = logits[:, -input_ids.shape[1] :]  # prompt tuning prepends virtual-token positions
        logits = logits[:, -n_completion - 1 : -1].float()
        if temperature > 0:
            logits = logits / temperature
        targets = input_ids[:, -n_completion:]
        return torch.gather(torch.log_softmax(logits, dim=-1), 2, targets.unsqueeze(-1)).squeeze(-1)

    def _reference_logps(self, model: Any, *args: Any) -> Any:
        import torch

        with torch.no_grad():
            if self.ref_model is not None:
                return self._token_logps(self.ref_model, *args)
            if hasattr(model, "disable_adapter"):
                with model.disable_adapter():
                    return self._token_logps(model, *args)
        raise SwiftkitError(
            "grpo with beta > 0 needs a reference model: the trainer must set objective.ref_model, "
            "or the policy must be a PEFT model (its adapter is switched off)"
        )

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        import torch

        from swiftkit.core.methods.rewards import score, summarize, total

        prompts = list(batch["messages"])
        n_gen = self.num_generations
        prompt_ids, completion_ids, texts = self.sample(model, prompts)

        # ---- rewards and advantages
        skip = {"messages", "prompt_input_ids", "prompt_attention_mask", "length"}
        columns = {
            k: [v for v in values for _ in range(n_gen)]
            for k, values in batch.items()
            if k not in skip and not k.startswith("_") and isinstance(values, list) and len(values) == len(prompts)
        }
        repeated_prompts = [p for p in prompts for _ in range(n_gen)]
        scores = score(self.reward_functions or [], repeated_prompts, texts, columns)
        weights = self.reward_weights
        device = next(model.parameters()).device
        rewards = torch.tensor(total(scores, weights), dtype=torch.float32, device=device)
        advantages = group_advantages(rewards, n_gen)

        # ---- one batch: prompt left-padded, completion right-padded (so completions share positions)
        pad = self._engine.pad_token_id
        p_width = max(len(p) for p in prompt_ids)
        c_width = max(max(len(c) for c in completion_ids), 1)
        ids, mask, c_mask = [], [], []
        for p, c in zip(prompt_ids, completion_ids, strict=True):
            ids.append([pad] * (p_width - len(p)) + p + c + [pad] * (c_width - len(c)))
            mask.append([0] * (p_width - len(p)) + [1] * (len(p) + len(c)) + [0] * (c_width - len(c)))
            c_mask.append([1] * len(c) + [0] * (c_width - len(c)))
        input_ids = torch.tensor(ids, dtype=torch.long, device=device)
        attention_mask = torch.tensor(mask, dtype=torch.long, device=device)
        completion_mask = torch.tensor(c_mask, dtype=torch.float32, device=device)
        args = (input_ids, attention_mask, c_width, self.temperature)

        logps = self._token_logps(model, *args)
        per_token = -torch.exp(logps - logps.detach()) * advantages.unsqueeze(1)
        metrics: dict[str, Any] = {}
        lengths = completion_mask.sum(1).clamp(min=1)
        if self.beta > 0:
            ref = self._reference_logps(model, *args)
            kl = k3_kl(logps, ref)
            per_token = per_token + self.beta * kl
            metrics["kl"] = ((kl * completion_mask).sum(1) / lengths).mean().detach()
        loss = ((per_token * completion_mask).sum(1) / lengths).mean()

        metrics.update(summarize(scores, weights))
        metrics["completion_length"] = float(completion_mask.sum(1).mean())
        grouped = rewards.view(-1, n_gen)
        metrics["frac_reward_zero_std"] = float((grouped.std(dim=1) == 0).float().mean()) if n_gen > 1 else 1.0
        return loss, metrics
