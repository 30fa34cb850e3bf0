"""Online-RL plumbing shared by the ``grpo`` and ``ppo`` objectives.

* **Sampling** goes through the public engine API: a ``pt`` engine over the policy being
  trained (a ``PeftModel`` included: requests without an adapter use its active adapter)
  answers :class:`~swiftkit.core.engines.interface.ChatRequest` s with ``engine.infer``;
  each :class:`~swiftkit.core.engines.interface.ChatResponse` carries ``prompt_token_ids``
  and ``token_ids``, the exact ids the policy saw and produced, which the loss is computed on
  (re-tokenizing the text would not give them back).
* **Packing** lays prompt + completion out as one batch: prompts left-padded, completions
  right-padded, so every completion starts at the same column and its log-probs are the last
  ``width`` positions.
* **Reuse**: a rollout may serve several optimizer steps (GRPO's ``num_iterations``, PPO's
  ``num_ppo_epochs`` x ``num_mini_batches``). :class:`ReuseSchedule` counts training
  micro-steps: the first ``gradient_accumulation_steps`` of each cycle sample a rollout from
  their batch (one slot each), the others reuse the slots in order. The trainer repeats each
  accumulation cycle's prompts ``reuse`` times (:attr:`OnlineObjective.batch_repeats`,
  :class:`swiftkit.train.samplers.RepeatBlocks`), so the batches the reusing steps receive
  are the prompts already sampled and an epoch covers every prompt (as TRL's repeat sampler).
* **Media** (prompt rows with ``images`` / ``videos`` / ``audios``, kept in their ``media``
  column): each request carries its prompt's media (``ChatRequest.images`` ...), so the engine
  generates from the pixels; for the loss, each prompt's media are processed once
  (:class:`swiftkit.data.pair_media.MediaBatcher`) and shared by its completions
  (:attr:`Packed.media_inputs`, passed to every forward).
* **Teardown**: :meth:`OnlineObjective.callbacks` gives ``run_training`` a Trainer callback
  that closes the engine when training ends (its scheduler thread and its hold on the model).

Light at import: torch and transformers are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from swiftkit.core.errors import SwiftkitError
from swiftkit.core.methods.interface import Objective
from swiftkit.core.options import option_value
from swiftkit.train.unwrap import adapters_off, unwrap_model

__all__ = [
    "OnlineObjective",
    "adapters_off",
    "Packed",
    "Rollout",
    "ReuseSchedule",
    "completion_logps",
    "pack",
    "reference_logps",
    "sample",
]

# ---------------------------------------------------------------------------- sampling


@dataclass
class Rollout:
    """Completions for prompts, in request order (``n`` per prompt, group after group)."""

    prompt_ids: list[list[int]]
    completion_ids: list[list[int]]
    texts: list[str]
    finish_reasons: list[str]

    @property
    def ended(self) -> list[bool]:
        """Whether each completion ended on its own (end-of-turn token or stop string) rather
        than at the token budget."""
        return [reason == "stop" for reason in self.finish_reasons]


def sample(
    engine: Any,
    prompts: Sequence[Sequence[dict[str, Any]]],
    *,
    n: int = 1,
    max_tokens: int,
    temperature: float = 1.0,
    top_p: float = 1.0,
    top_k: int = 0,
    seed: int | None = None,
    min_p: float = 0.0,
    media: Sequence[dict[str, Any]] | None = None,
) -> Rollout:
    """``n`` completions per prompt (message lists) from ``engine``, submitted in one
    ``infer`` call so they share batches; completion ``i * n + g`` is seeded ``seed + i * n + g``.
    ``media``: per prompt, its ``ChatRequest`` media (``{"images": [...], ...}``)."""
    from swiftkit.core.engines.interface import ChatRequest, SamplingOptions

    media = list(media) if media is not None else [{}] * len(prompts)
    requests = [
        ChatRequest(
            messages=list(messages),
            **media[i],
            sampling=SamplingOptions(
                max_tokens=max_tokens,
                temperature=temperature,
                top_p=top_p,
                top_k=top_k,
                min_p=min_p,
                seed=None if seed is None else seed + i * n + g,
            ),
        )
        for i, messages in enumerate(prompts)
        for g in range(n)
    ]
    responses = engine.infer(requests)
    if any(r.token_ids is None or r.prompt_token_ids is None for r in responses):
        raise SwiftkitError(
            f"engine {getattr(engine.spec, 'id', type(engine).__name__)!r} does not report token ids "
            "(ChatResponse.token_ids / prompt_token_ids); online RL needs an engine that does, such as pt"
        )
    return Rollout(
        prompt_ids=[list(r.prompt_token_ids) for r in responses],
        completion_ids=[list(r.token_ids) for r in responses],
        texts=[r.text for r in responses],
        finish_reasons=[r.finish_reason for r in responses],
    )


# ---------------------------------------------------------------------------- batches and log-probs


@dataclass
class Packed:
    """Prompt + completion rows: ``input_ids`` / ``attention_mask`` ``(rows, prompt + width)``,
    ``completion_mask`` ``(rows, width)`` (float) over the completion columns;
    ``media_inputs``: the model inputs of the prompts' media for these rows (``{}`` without)."""

    input_ids: Any
    attention_mask: Any
    completion_mask: Any
    media_inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def width(self) -> int:
        return int(self.completion_mask.shape[1])

    def select(self, rows: Any) -> Packed:
        if self.media_inputs:  # pixel tensors are laid out per image, not per row
            raise SwiftkitError("mini-batches of a rollout with media are not supported (PPO with images)")
        return Packed(self.input_ids[rows], self.attention_mask[rows], self.completion_mask[rows])


def pack(prompt_ids: Sequence[Sequence[int]], completion_ids: Sequence[Sequence[int]], pad_id: int, device: Any) -> Packed:
    """One batch: prompts left-padded, completions right-padded (so completions share columns)."""
    import torch

    p_width = max(len(p) for p in prompt_ids)
    c_width = max(max(len(c) for c in completion_ids), 1)
    ids, mask, c_mask = [], [], []
    for p, c in zip(prompt_ids, completion_ids, strict=True):
        ids.append([pad_id] * (p_width - len(p)) + list(p) + list(c) + [pad_id] * (c_width - len(c)))
        mask.append([0] * (p_width - len(p)) + [1] * (len(p) + len(c)) + [0] * (c_width - len(c)))
        c_mask.append([1] * len(c) + [0] * (c_width - len(c)))
    return Packed(
        torch.tensor(ids, dtype=torch.long, device=device),
        torch.tensor(mask, dtype=torch.long, device=device),
        torch.tensor(c_mask, dtype=torch.float32, device=device),
    )


@dataclass
class TokenOutputs:
    """Per completion token: ``logps`` ``(rows, width)``; ``hidden`` the last layer's state at
    the position that predicts the token (what a value head reads), ``entropy`` of the
    temperature-scaled distribution; each ``None`` unless asked for."""

    logps: Any
    hidden: Any = None
    entropy: Any = None


def completion_logps(model: Any, packed: Packed, temperature: float, *, hidden: bool = False,
                     entropy: bool = False) -> TokenOutputs:
    """Log-probabilities of the completion tokens under ``model``'s distribution divided by
    ``temperature`` (the one they were sampled from; ``0``: the raw logits)."""
    import torch

    width = packed.width
    kwargs: dict[str, Any] = {"input_ids": packed.input_ids, "attention_mask": packed.attention_mask,
                              **packed.media_inputs}
    if hidden:
        kwargs["output_hidden_states"] = True
    try:  # only the completion positions' logits: the full-vocabulary ones of the prompt are waste
        out = model(**kwargs, logits_to_keep=width + 1)
    except TypeError:
        out = model(**kwargs)
    logits = out.logits[:, -width - 1 : -1].float()  # prompt tuning prepends virtual positions: count from the end
    if temperature > 0:
        logits = logits / temperature
    targets = packed.input_ids[:, -width:]
    logp_all = torch.log_softmax(logits, dim=-1)
    result = TokenOutputs(torch.gather(logp_all, 2, targets.unsqueeze(-1)).squeeze(-1))
    if hidden:
        result.hidden = out.hidden_states[-1][:, -width - 1 : -1]
    if entropy:
        with torch.no_grad():
            result.entropy = -(logp_all.exp() * logp_all).sum(-1)
    return result


def _device_of(model: Any) -> Any:
    return next(model.parameters()).device


def reference_logps(model: Any, ref_model: Any, packed: Packed, temperature: float, what: str = "the KL term") -> Any:
    """The reference's log-probs of the completion tokens (no gradient): ``ref_model`` when the
    trainer set one (moved next to the policy on first use: the Trainer moves only the
    policy), else ``model`` with its PEFT adapter switched off."""
    import torch

    with torch.no_grad():
        if ref_model is not None:
            device = packed.input_ids.device
            if _device_of(ref_model) != device:
                ref_model.to(device)
            return completion_logps(ref_model, packed, temperature).logps
        inner = unwrap_model(model)  # no gradient to synchronise: the model inside any wrapper
        if hasattr(inner, "disable_adapter"):
            with adapters_off(inner):
                return completion_logps(inner, packed, temperature).logps
    raise SwiftkitError(
        f"{what} needs a reference model: the trainer must set objective.ref_model, "
        "or the policy must be a PEFT model (its adapter is switched off)"
    )


# ---------------------------------------------------------------------------- reuse across steps


class ReuseSchedule:
    """Which rollout slot a training micro-step uses (see the module docstring).

    ``next()`` returns ``(slot, pass_index, fresh)``: slot in ``[0, accumulation)``, the pass
    over the cycle's rollouts in ``[0, reuse)``, and whether the step samples a new rollout."""

    def __init__(self, accumulation: int = 1, reuse: int = 1):
        self.accumulation = max(1, int(accumulation))
        self.reuse = max(1, int(reuse))
        self.step = 0

    def next(self) -> tuple[int, int, bool]:
        position = self.step % (self.accumulation * self.reuse)
        self.step += 1
        return position % self.accumulation, position // self.accumulation, position < self.accumulation


# ---------------------------------------------------------------------------- the shared objective


@cache
def _close_callback_class() -> type:
    from transformers import TrainerCallback

    class CloseOnTrainEnd(TrainerCallback):
        """Calls ``close()`` on the objective when training ends."""

        def __init__(self, objective: Any):
            self.objective = objective

        def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.objective.close()

    return CloseOnTrainEnd


class OnlineObjective(Objective):
    """An objective that samples from the policy it trains: option lookup, ``setup``, the
    engine, seeded sampling, rollout reuse and teardown. Subclasses build a rollout from a
    batch (``make_rollout``) and compute the loss on it."""

    required_columns = ("messages",)
    ref_model: Any = None
    #: the sampling temperature when the run config leaves ``--temperature`` unset
    default_temperature: float = 1.0

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        self.ref_model = None
        self.max_completion_length = int(self._opt("max_completion_length", 32))
        self.temperature = self.default_temperature
        self.top_p = 1.0
        self.top_k = 0
        self.min_p = float(self._opt("min_p", 0.0))
        self.seed = 42
        self.accumulation = 1
        self.tokenizer: Any = None
        self.template: Any = None
        self.registry: Any = None
        self._engine: Any = None
        self._engine_model: Any = None
        self._calls = 0
        self._schedule: ReuseSchedule | None = None
        self._slots: list[Any] = []
        self.vllm: Any = None  # a VllmRollout with --use_vllm true

    def data_layout(self) -> Any:
        """Prompts, with the dataset's other columns kept for the rewards
        (:class:`swiftkit.data.preference.PromptLayout`)."""
        from swiftkit.data.preference import PromptLayout

        return PromptLayout(self.template)

    def _opt(self, key: str, fallback: Any) -> Any:
        return option_value(self.options, self.spec, key, fallback)

    #: optimizer steps one rollout serves (subclasses: num_iterations, epochs x mini-batches)
    @property
    def batch_repeats(self) -> int:
        """The trainer repeats each accumulation cycle's prompts this often, so the steps that
        reuse a rollout receive the prompts it was sampled from (none are skipped)."""
        return self.reuse

    @property
    def reuse(self) -> int:
        return 1

    def setup(self, *, model: Any = None, tokenizer: Any = None, template: Any = None, registry: Any = None,
              config: dict[str, Any] | None = None, **_: Any) -> None:
        """Receive what sampling needs (called by ``run_training`` before the Trainer exists)."""
        config = dict(config or {})
        self.tokenizer = tokenizer
        self.template = template
        self.registry = registry
        for key, cast in (("temperature", float), ("top_p", float), ("top_k", int), ("seed", int)):
            if config.get(key) is not None:
                setattr(self, key, cast(config[key]))
        self.accumulation = int(config.get("gradient_accumulation_steps") or 1)
        from swiftkit.plugins.methods._vllm_rollout import VllmRollout, VllmSettings

        settings = VllmSettings.from_config(config, self.spec.id)
        if settings is not None:
            self.vllm = VllmRollout(settings, tokenizer=tokenizer, template=template, registry=registry or _registry())

    # ------------------------------------------------------------------ engine and teardown

    def engine_for(self, model: Any) -> Any:
        """The ``pt`` engine over ``model`` (created on first use, again if the model object changed)."""
        if self.tokenizer is None:
            raise SwiftkitError(f"the {self.spec.id} objective was not set up: run_training must call objective.setup(...)")
        model = unwrap_model(model)  # sampling needs generate(), which data-parallel wrappers hide
        if self._engine is None or self._engine_model is not model:
            self._close_engine()
            registry = self.registry
            if registry is None:
                from swiftkit.core.registry import get_registry

                registry = get_registry()
            cls = registry.impl("engine", "pt")
            spec = registry.get("engine", "pt").spec
            was_training = model.training
            # every request of a rollout in one generate() call
            self._engine = cls(spec, "", self.template, {"max_batch_size": 1 << 16}, model=model, tokenizer=self.tokenizer)
            model.train(was_training)  # the engine puts the model in eval mode
            self._engine_model = model
        return self._engine

    @property
    def pad_token_id(self) -> int:
        if self._engine is not None:
            return int(self._engine.pad_token_id)
        pad = getattr(self.tokenizer, "pad_token_id", None)
        return int(pad if pad is not None else (getattr(self.tokenizer, "eos_token_id", None) or 0))

    def _close_engine(self) -> None:
        if self._engine is not None:
            self._engine.close()
        self._engine = self._engine_model = None

    def close(self) -> None:
        """Close the engine (its scheduler thread, its reference to the model) and drop the
        buffered rollouts; sampling again creates a new engine."""
        self._close_engine()
        if self.vllm is not None:
            self.vllm.close()
        self._slots = []
        self._schedule = None

    def callbacks(self) -> list[Any]:
        """Trainer callbacks ``run_training`` adds: close the engine when training ends (and,
        with ``--use_vllm``, mark vLLM's weights stale after each optimizer step)."""
        if self.vllm is not None:
            from swiftkit.plugins.methods._vllm_rollout import step_callback

            return [_close_callback_class()(self), step_callback(self.vllm)]
        return [_close_callback_class()(self)]

    # ------------------------------------------------------------------ sampling and reuse

    def sample(self, model: Any, prompts: Sequence[Any], n: int, media: Sequence[Any] | None = None) -> Rollout:
        """``n`` completions per prompt from the current policy (eval mode, no gradients),
        seeded per call and row so that a run is reproducible. ``media``: each prompt's
        ``media`` column value (the requests carry them)."""
        from swiftkit.data.pair_media import request_media

        seed = self.seed * 1_000_003 + self._calls * 65_536
        self._calls += 1
        requests_media = [request_media(m) for m in media] if media is not None else None
        if requests_media is not None and not any(requests_media):
            requests_media = None
        if self.vllm is not None:
            if requests_media is not None:
                raise SwiftkitError("--use_vllm rollouts of prompts with media are not supported yet; "
                                    "leave --use_vllm off (the pt engine reads the prompts' images)")
            return self._sample_vllm(model, prompts, n, seed)
        engine = self.engine_for(model)
        was_training = model.training
        model.eval()
        try:
            return sample(engine, prompts, n=n, max_tokens=self.max_completion_length, temperature=self.temperature,
                          top_p=self.top_p, top_k=self.top_k, seed=seed, min_p=self.min_p, media=requests_media)
        finally:
            model.train(was_training)

    def _sample_vllm(self, model: Any, prompts: Sequence[Any], n: int, seed: int) -> Rollout:
        """:meth:`sample` through vLLM (``--use_vllm``): the policy's weights are loaded into
        it first when an optimizer step changed them."""
        rows = self.vllm.generate_ids(model, self.vllm.prompt_ids(prompts), n=n, max_tokens=self.max_completion_length,
                                      temperature=self.temperature, top_p=self.top_p, top_k=self.top_k, seed=seed)
        return Rollout(
            prompt_ids=[p for p, _, _ in rows],
            completion_ids=[c for _, c, _ in rows],
            texts=[self.tokenizer.decode(c, skip_special_tokens=True) for _, c, _ in rows],
            finish_reasons=[r for _, _, r in rows],
        )

    def media_inputs(self, media: Sequence[Any] | None, group: int, input_ids: Any) -> dict[str, Any]:
        """The model inputs of a packed rollout's media: ``media`` holds one ``media`` column
        value per row, ``group`` consecutive rows sharing a prompt (its media processed once)."""
        if not media or not any(media):
            return {}
        from swiftkit.data.pair_media import MediaBatcher

        if getattr(self, "_media_batcher", None) is None:
            self._media_batcher = MediaBatcher(self.template, self.tokenizer)
        heads = self._media_batcher.row_inputs(list(media)[::group])
        return self._media_batcher.collate([heads[i // group] for i in range(len(media))], input_ids)

    def rollout_for_step(self, model: Any, batch: dict[str, Any], make_rollout: Callable[[Any, dict[str, Any]], Any]) -> tuple[Any, int]:
        """``(rollout, pass_index)`` for this step: a new rollout from ``batch`` on the first
        micro-steps of a reuse cycle (and always in evaluation), else a buffered one."""
        if not model.training:
            return make_rollout(model, batch), 0
        if self._schedule is None:
            self._schedule = ReuseSchedule(self.accumulation, self.reuse)
            self._slots = [None] * self._schedule.accumulation
        slot, pass_index, fresh = self._schedule.next()
        if fresh or self._slots[slot] is None:
            self._slots[slot] = make_rollout(model, batch)
        return self._slots[slot], pass_index


def _registry() -> Any:
    from swiftkit.core.registry import get_registry

    return get_registry()
