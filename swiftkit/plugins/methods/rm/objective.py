"""Reward model objective: a scalar value head on a causal LM, trained on chosen/rejected pairs.

The core loader builds ``AutoModelForCausalLM``; this objective adds the sequence-classification
part itself, so any causal LM family (and any tuner) can become a reward model:

* **the head**: :meth:`RewardModelObjective.setup` (called by ``run_training`` once the tuner
  has prepared the model, before the Trainer and its optimizer exist) attaches ``torch.nn.Linear(hidden_size, 1, bias=False)`` as the
  submodule ``v_head`` of the (PEFT-wrapped) model, in float32 and trainable. Being a
  submodule, it is in ``model.parameters()`` with ``requires_grad``, so the Trainer's optimizer
  trains it and ``.to(device)`` moves it;
* **the reward** of a row is ``v_head(h)``, ``h`` the last layer's hidden state at the row's last
  non-padding token (rows are right-padded by the pair collator);
* **the loss** is Bradley-Terry, ``-logsigmoid(r_chosen - r_rejected - reward_margin)``, plus
  ``center_rewards_coefficient * mean((r_chosen + r_rejected) ** 2)`` when set (TRL's
  ``RewardTrainer``); metrics ``rewards/chosen``, ``rewards/rejected``, ``rewards/margins``,
  ``rewards/accuracies``;
* **saving**: a PEFT model's ``save_pretrained`` writes only the adapter, so ``setup`` wraps the
  model's ``save_pretrained`` (on that instance only) to also write the head to
  ``value_head.safetensors`` in the same folder: every ``checkpoint-N`` (and any later
  ``save_pretrained``) carries it, whatever the tuner. ``--resume_from_checkpoint`` restores the
  head from the checkpoint's file (the Trainer restores adapter and optimizer state);
* **scoring**: :func:`load_reward_model` rebuilds base model + adapter (or full weights) + head
  from a checkpoint folder alone (or a run folder's latest checkpoint, or a ``swift export
  --merge_lora`` folder, which carries the head too) and returns a :class:`RewardModel`:
  ``score(conversations) -> list[float]`` (batched), ``rewards(input_ids, attention_mask)`` on
  token rows, ``reward_model(messages) -> float``.
"""

from __future__ import annotations

import os
from typing import Any

from swiftkit.plugins.methods._preference import PreferenceObjective, preference_metrics

__all__ = [
    "HEAD_ATTR",
    "HEAD_FILE",
    "RewardModel",
    "RewardModelObjective",
    "attach_value_head",
    "last_token_rewards",
    "load_reward_model",
    "load_value_head",
    "reward_checkpoint",
    "reward_model_loss",
    "save_value_head",
]

#: the submodule name of the head on the trained model
HEAD_ATTR = "v_head"
#: the head's file in every checkpoint folder
HEAD_FILE = "value_head.safetensors"


# ---------------------------------------------------------------------------- the head


def _hidden_size(model: Any) -> int:
    config = model.config
    if hasattr(config, "get_text_config"):
        config = config.get_text_config()
    return int(config.hidden_size)


def _initializer_range(model: Any) -> float:
    return float(getattr(model.config, "initializer_range", None) or 0.02)


def attach_value_head(model: Any, head: Any = None) -> Any:
    """Attach ``head`` (or a new float32 ``Linear(hidden, 1, bias=False)``, weights drawn from
    ``N(0, initializer_range)``) as ``model.v_head``; return the head."""
    import torch

    if head is None:
        head = torch.nn.Linear(_hidden_size(model), 1, bias=False, dtype=torch.float32)
        torch.nn.init.normal_(head.weight, std=_initializer_range(model))
    try:
        device = next(model.parameters()).device
    except StopIteration:
        device = torch.device("cpu")
    head = head.to(device=device, dtype=torch.float32).requires_grad_(True)
    setattr(model, HEAD_ATTR, head)  # nn.Module.__setattr__ registers it as a submodule
    return head


def save_value_head(head: Any, output_dir: str) -> str:
    """Write the head's weights to ``output_dir/value_head.safetensors``; return the path."""
    from safetensors.torch import save_file

    os.makedirs(output_dir, exist_ok=True)
    path = os.path.join(output_dir, HEAD_FILE)
    save_file({"weight": head.weight.detach().float().cpu().contiguous()}, path)
    return path


def load_value_head(path: str) -> Any:
    """A ``Linear(hidden, 1, bias=False)`` with the weights of ``value_head.safetensors`` (a file or
    the folder holding it)."""
    import torch
    from safetensors.torch import load_file

    if os.path.isdir(path):
        path = os.path.join(path, HEAD_FILE)
    weight = load_file(path)["weight"]
    head = torch.nn.Linear(weight.shape[1], 1, bias=False, dtype=torch.float32)
    with torch.no_grad():
        head.weight.copy_(weight)
    return head


def _save_head_with_model(model: Any, head: Any) -> None:
    """Make ``model.save_pretrained`` (this instance only) also write the head next to what it
    saves: a PEFT model saves only its adapter weights."""
    original = model.save_pretrained

    def save_pretrained(save_directory: str, *args: Any, **kwargs: Any) -> Any:
        result = original(save_directory, *args, **kwargs)
        if kwargs.get("is_main_process", True):
            save_value_head(head, save_directory)
        return result

    model.save_pretrained = save_pretrained


# ---------------------------------------------------------------------------- rewards and loss


def last_token_rewards(model: Any, head: Any, input_ids: Any, attention_mask: Any) -> Any:
    """One reward per row: ``head`` on the last hidden state at the row's last attended token
    (rows right-padded). Float32, shape ``(batch,)``."""
    import torch

    kwargs = {"input_ids": input_ids, "attention_mask": attention_mask, "output_hidden_states": True}
    try:  # skip the full-vocabulary logits where the model allows it
        out = model(**kwargs, logits_to_keep=1)
    except TypeError:
        out = model(**kwargs)
    hidden = out.hidden_states[-1][:, -input_ids.shape[1] :]  # prompt tuning prepends virtual tokens
    last = (attention_mask.sum(-1) - 1).clamp(min=0).to(hidden.device)
    picked = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
    return head(picked.to(head.weight.dtype)).squeeze(-1)


def reward_model_loss(
    chosen_rewards: Any, rejected_rewards: Any, margin: float = 0.0, center_rewards_coefficient: float | None = None
) -> Any:
    """Per-pair Bradley-Terry losses ``-logsigmoid(r_c - r_r - margin)``, plus the centring term
    ``coef * (r_c + r_r) ** 2`` when ``center_rewards_coefficient`` is set."""
    import torch.nn.functional as F

    losses = -F.logsigmoid(chosen_rewards - rejected_rewards - margin)
    if center_rewards_coefficient:
        losses = losses + center_rewards_coefficient * (chosen_rewards + rejected_rewards) ** 2
    return losses


# ---------------------------------------------------------------------------- objective


class RewardModelObjective(PreferenceObjective):
    """Bradley-Terry reward modelling on pair batches (see the module docstring)."""

    method = "rm"
    needs_reference = False
    needs_beta = False

    #: the head, set by :meth:`setup`
    head: Any = None

    def setup(self, model: Any, tokenizer: Any = None, config: dict[str, Any] | None = None, **_: Any) -> Any:
        """Attach a trainable value head to ``model`` (restored from
        ``--resume_from_checkpoint`` when that folder has one) and make saves include it."""
        resume = (config or {}).get("resume_from_checkpoint")
        saved = os.path.join(resume, HEAD_FILE) if resume else None
        head = load_value_head(saved) if saved and os.path.isfile(saved) else None
        self.head = attach_value_head(model, head)
        _save_head_with_model(model, self.head)
        return model

    def _head(self, model: Any) -> Any:
        from swiftkit.core.errors import SwiftkitError

        head = getattr(model, HEAD_ATTR, None)  # None under a wrapper (DDP): then the one setup attached
        head = head if head is not None else self.head
        if head is None:
            raise SwiftkitError("rm: the model has no value head; the trainer must call objective.setup(model=...)")
        return head

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        inputs = self.concatenated_inputs(batch)
        rewards = last_token_rewards(model, self._head(model), inputs["input_ids"], inputs["attention_mask"])
        n = batch["chosen_input_ids"].shape[0]
        chosen, rejected = rewards[:n], rewards[n:]
        coef = self.option("center_rewards_coefficient")
        losses = reward_model_loss(
            chosen, rejected, float(self.option("reward_margin") or 0.0), None if coef is None else float(coef)
        )
        return losses.mean(), preference_metrics(chosen, rejected)


# ---------------------------------------------------------------------------- scoring


class RewardModel:
    """A trained reward model: ``score(conversations) -> list[float]``, each conversation a
    message list ending with the assistant reply to score, encoded by the run's template as in
    training; ``reward_model(messages) -> float`` scores one."""

    def __init__(self, model: Any, tokenizer: Any, template: Any, head: Any):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.template = template
        self.head = head.to(next(model.parameters()).device).eval()
        pad = getattr(tokenizer, "pad_token_id", None)
        pad = getattr(tokenizer, "eos_token_id", None) if pad is None else pad
        self.pad_token_id = 0 if pad is None else int(pad)

    @property
    def device(self) -> Any:
        return next(self.model.parameters()).device

    def to(self, device: Any) -> RewardModel:
        self.model.to(device)
        self.head.to(device)
        return self

    def __call__(self, messages: list[dict[str, str]]) -> float:
        return self.score([messages])[0]

    def encode(self, messages: list[dict[str, str]]) -> list[int]:
        """The token ids the reward of ``messages`` is read from (the template's training encoding)."""
        return list(self.template.encode(self.tokenizer, messages, loss_scale="last_round")["input_ids"])

    def rewards(self, input_ids: Any, attention_mask: Any) -> Any:
        """Rewards of right-padded token rows (float32 tensor ``(batch,)``, no gradients): for
        callers that hold token ids already (PPO rollouts with the same tokenizer)."""
        import torch

        with torch.no_grad():
            return last_token_rewards(self.model, self.head, input_ids.to(self.device), attention_mask.to(self.device))

    def score(self, conversations: list[list[dict[str, str]]], batch_size: int = 8) -> list[float]:
        """Rewards of several conversations, ``batch_size`` per forward (right-padded)."""
        import torch

        out: list[float] = []
        for start in range(0, len(conversations), batch_size):
            rows = [self.encode(m) for m in conversations[start : start + batch_size]]
            width = max(len(r) for r in rows)
            ids = torch.tensor([r + [self.pad_token_id] * (width - len(r)) for r in rows])
            mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows])
            out.extend(float(x) for x in self.rewards(ids, mask))
        return out


def _load_base(model_dir: str, model_id: str | None, registry: Any, torch_dtype: Any) -> tuple[Any, Any]:
    from swiftkit.core.lazy import resolve

    entry = registry.resolve_model(model_id or model_dir)
    spec = entry.spec
    loader = resolve(spec.loader, spec.REFS["loader"])(spec)
    return loader.load(model_dir, torch_dtype=torch_dtype)


def build_reward_model(
    model_dir: str,
    template: str,
    *,
    adapter: str | None = None,
    head: Any = None,
    model_id: str | None = None,
    torch_dtype: Any = "float32",
    seed: int | None = 0,
    registry: Any = None,
) -> RewardModel:
    """A :class:`RewardModel` from a base model folder, an optional PEFT ``adapter`` folder and a
    ``head`` (a module, a ``value_head.safetensors`` path or folder, or ``None`` for a fresh
    head drawn with ``seed``: an untrained reward model)."""
    import torch

    from swiftkit.core.registry import get_registry

    registry = registry or get_registry()
    model, tokenizer = _load_base(model_dir, model_id, registry, torch_dtype)
    if adapter:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, adapter)
    if head is None:
        if seed is not None:
            torch.manual_seed(seed)
        head = attach_value_head(model)
    elif isinstance(head, str):
        head = load_value_head(head)
    return RewardModel(model, tokenizer, registry.template(template, tokenizer=tokenizer), head)


def reward_checkpoint(path: str) -> str:
    """The folder holding the reward model: ``path`` itself when it has ``value_head.safetensors``
    (a checkpoint, a merged export), else the latest ``checkpoint-N`` of the run folder ``path``."""
    import re

    from swiftkit.core.errors import ConfigError

    if os.path.isfile(os.path.join(path, HEAD_FILE)):
        return path
    steps = []
    if os.path.isdir(path):
        for name in os.listdir(path):
            m = re.fullmatch(r"checkpoint-(\d+)", name)
            if m and os.path.isfile(os.path.join(path, name, HEAD_FILE)):
                steps.append((int(m.group(1)), name))
    if not steps:
        raise ConfigError(f"{path} holds no {HEAD_FILE}, nor a checkpoint-N folder with one: not a reward model "
                          "(train one with swift rlhf --rlhf_type rm)")
    return os.path.join(path, max(steps)[1])


def load_reward_model(
    checkpoint: str, *, torch_dtype: Any = "float32", registry: Any = None, device: Any = None
) -> RewardModel:
    """The trained reward model of ``swift rlhf --rlhf_type rm``, from a checkpoint folder (LoRA:
    adapter + head on the base that ``args.json`` names; full: weights + head), a run folder (its
    latest checkpoint) or a ``swift export --merge_lora`` folder; moved to ``device`` when given.
    ``args.json`` names the model and the template."""
    from swiftkit.train.args_file import read_args

    checkpoint = reward_checkpoint(checkpoint)
    args = read_args(checkpoint)
    is_adapter = os.path.isfile(os.path.join(checkpoint, "adapter_config.json"))
    reward_model = build_reward_model(
        args["model_dir"] if is_adapter else checkpoint,
        args["template"],
        adapter=checkpoint if is_adapter else None,
        head=checkpoint,
        model_id=args.get("model_type") or args.get("model_id"),
        torch_dtype=torch_dtype,
        registry=registry,
    )
    return reward_model.to(device) if device is not None else reward_model
