"""Generalized knowledge distillation (GKD): registration module (light: imports nothing heavy).

Options are ms-swift's / TRL's flags: ``teacher_model``, ``beta`` (the JSD interpolation, shared
key), ``lmbda`` (share of on-policy batches), ``seq_kd`` (teacher-generated replies otherwise) and
``max_completion_length`` (tokens sampled per completion, shared with grpo); the sampling
temperature is the core ``--temperature`` (default 1.0).
"""

from __future__ import annotations

from swiftkit.core import MethodSpec, hookimpl
from swiftkit.core.options import VLLM, VLLM_MODE, VLLM_ROLLOUT, option, option_properties

SWIFTKIT_PLUGIN_API = "1.5"

GKD_OPTIONS = {
    "type": "object",
    "properties": {
        "teacher_model": {
            "type": "string",
            "description": "The teacher: a registered id, hub id or local folder sharing the student's tokenizer.",
        },
        "teacher_model_revision": {
            "type": "string",
            "description": "GKD: the branch, tag or commit of a hub --teacher_model (default: the hub's default branch).",
        },
        # the same schema as the preference methods' --beta (one flat key, one schema); for GKD it
        # interpolates the generalized Jensen-Shannon divergence (default 0.5 when left unset)
        "beta": option("beta"),
        "lmbda": {
            "type": "number",
            "minimum": 0,
            "maximum": 1,
            "default": 0.5,
            "description": "GKD: probability that a batch is on-policy: its replies are sampled from the student "
            "(max_completion_length tokens at --temperature) and distilled instead of the dataset's.",
        },
        "seq_kd": {
            "type": "boolean",
            "default": False,
            "description": "GKD: on the batches that are not on-policy, distil replies sampled from the teacher "
            "(sequence-level KD) instead of the dataset's.",
        },
        "max_completion_length": option("max_completion_length"),
        "min_p": option("min_p"),
        "teacher_model_type": {
            "type": "string",
            "description": "GKD: the teacher's model family (a registered model id, as --model_type) when its "
            "config.json does not tell it.",
        },
        "teacher_adapters": {
            "type": "array",
            "items": {"type": "string", "minLength": 1},
            "default": [],
            "description": "GKD: LoRA adapter folders merged into the teacher after it loads (in order).",
        },
        "sft_alpha": {
            "type": "number",
            "minimum": 0,
            "default": 0.0,
            "description": "GKD: weight of the cross-entropy (SFT) loss on the batches whose replies are not the "
            "student's samples: loss = jsd + sft_alpha * sft_loss.",
        },
        "gkd_logits_topk": {
            "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
            "default": None,
            "description": "GKD: compute the divergence over the teacher's top-k tokens of each position only "
            "(both distributions renormalised over them). Null: the full vocabulary.",
        },
        "offload_teacher_model": {
            "type": "boolean",
            "default": False,
            "description": "GKD: keep the teacher in CPU memory and move it to the accelerator only for its "
            "forward passes and samples (saves accelerator memory, costs transfers).",
        },
        "log_completions": {
            "type": "boolean",
            "default": False,
            "description": "GRPO / GKD: write each sampled completion (step, prompt, completion, rewards, "
            "advantage) as a row of completions.jsonl in the run's output folder.",
        },
        # --use_vllm: sampling through vLLM (colocated or a `swift rollout` server)
        **option_properties(VLLM_ROLLOUT, VLLM, VLLM_MODE, defaults={"vllm_mode": "colocate"}),
    },
}


@hookimpl
def swift_register_methods():
    return [
        MethodSpec(
            id="gkd",
            kind="objective",
            command="rlhf",
            description="Distillation from a teacher model: generalized Jensen-Shannon divergence between the "
            "student's and the teacher's next-token distributions on the reply tokens (dataset replies, "
            "student samples with probability lmbda, or teacher samples with seq_kd).",
            options=GKD_OPTIONS,
            impl="swiftkit.plugins.methods.gkd.objective:GkdObjective",
        )
    ]
