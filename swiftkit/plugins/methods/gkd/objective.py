"""GKD: the student matches the teacher's token distributions on the reply tokens.

The loss is the generalized Jensen-Shannon divergence of Agarwal et al. (2024), as TRL's
``GKDTrainer.generalized_jsd_loss`` defines it: with mixture ``M = beta * P_teacher + (1 - beta)
* P_student``, ``JSD_beta = beta * KL(P_teacher || M) + (1 - beta) * KL(P_student || M)``,
averaged over the label tokens. This is the supervised (off-policy) variant on the dataset's
replies; on-policy student sampling is not implemented yet.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.errors import ConfigError
from swiftkit.core.methods.interface import Objective

DEFAULT_BETA = 0.5


def generalized_jsd(student_logits: Any, teacher_logits: Any, labels: Any, beta: float, temperature: float = 1.0) -> Any:
    """Mean generalized JSD over the positions whose (shifted) label is not -100."""
    import math

    import torch
    import torch.nn.functional as F

    student = F.log_softmax(student_logits[:, :-1].float() / temperature, dim=-1)
    teacher = F.log_softmax(teacher_logits[:, :-1].float() / temperature, dim=-1)
    mask = labels[:, 1:] != -100
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


class GkdObjective(Objective):
    data_mode = "sft"
    required_columns = ("messages",)
    teacher: Any = None

    @property
    def beta(self) -> float:
        value = self.options.get("beta")
        return DEFAULT_BETA if value is None else float(value)

    def setup(self, *, registry: Any, config: dict[str, Any], **_: Any) -> None:
        """Load the teacher (frozen) through its family's loader."""
        import os

        from swiftkit.core.lazy import resolve

        name = self.options.get("teacher_model")
        if not name:
            raise ConfigError("--rlhf_type gkd needs --teacher_model (a registered id, hub id or local folder)")
        spec = registry.resolve_model(name).spec
        folder = name if os.path.isdir(name) else (spec.hf_id or spec.ms_id or name)
        loader = resolve(spec.loader, spec.REFS["loader"])(spec)
        teacher, _ = loader.load(folder, torch_dtype=config.get("torch_dtype", "auto"))
        self.teacher = teacher.eval().requires_grad_(False)
        self.temperature = float(config.get("temperature") or 1.0)

    def compute_loss(self, model: Any, batch: dict[str, Any], num_items_in_batch: Any = None) -> Any:
        import torch

        inputs = {k: v for k, v in batch.items() if k != "labels"}
        student_logits = model(**inputs).logits
        with torch.no_grad():
            teacher = self.teacher.to(student_logits.device)
            teacher_logits = teacher(**inputs).logits
        if teacher_logits.shape[-1] != student_logits.shape[-1]:
            raise ConfigError(
                f"teacher vocabulary ({teacher_logits.shape[-1]}) differs from the student's ({student_logits.shape[-1]}): "
                "GKD needs a shared tokenizer"
            )
        loss = generalized_jsd(student_logits, teacher_logits, batch["labels"], self.beta, self.temperature)
        return loss, {"jsd": loss.detach()}
