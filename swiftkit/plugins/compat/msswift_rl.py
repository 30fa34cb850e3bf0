"""ms-swift 4.x flags of the RLHF, sampling, evaluation, export, app, web-ui, SGLang and LMDeploy
sections that swiftkit refuses, each with the reason and what to use instead.

Kept apart from :mod:`swiftkit.plugins.compat.msswift` (which merges :data:`RL_REFUSALS` into its
``REFUSED_FLAGS`` and :data:`RL_ALIASES` into its ``FLAG_ALIASES``) so that the two halves of the
table are edited independently. Every refusal yields to a plugin that defines the name as an
option: implementing one of these flags later means defining it, not deleting it here.

Light: plain data.
"""

from __future__ import annotations

_MEGATRON = ("Megatron-Core conversion (`swift export --to_mcore/--to_hf`, Megatron-SWIFT): swiftkit trains with "
             "transformers and exports Hugging Face folders only; convert with Megatron-SWIFT or Megatron-Bridge")
_TRAIN_INFER_MISMATCH = ("corrects the mismatch between a separate inference engine's (vLLM's) sampling "
                         "probabilities and the trainer's; swiftkit's GRPO samples with the pt engine over the "
                         "very weights it trains, so there is no mismatch to correct. Drop the flag")
_TEACHER_SERVER = ("a teacher served over HTTP (logprobs from a vLLM / swift deploy server, multi-teacher routing) "
                   "is not supported: pass the teacher's weights with --teacher_model")

#: flag -> why swiftkit refuses it, and what to use instead (see the module docstring)
RL_REFUSALS: dict[str, str] = {
    # ------------------------------------------------------------ Evaluation Arguments (swift eval)
    "local_dataset": "EvalScope's switch that fetches its benchmark files into a local folder first; swift eval "
    "reads local evaluation files given in --eval_dataset directly: drop the flag",
    "eval_metric": "ms-swift's plugin metric of evaluation during training is not supported: swiftkit evaluates the "
    "objective's loss on --val_dataset (and token accuracy for sft) and, with --eval_use_evalscope, --eval_dataset "
    "through --eval_backend",
    # ------------------------------------------------------------ Export Arguments
    **{name: _MEGATRON for name in ("to_mcore", "to_hf", "mcore_model", "mcore_adapter", "thread_count",
                                     "offload_bridge", "test_convert_precision", "test_convert_dtype")},
    "template_mode": "ms-swift's encoding mode of a cached dataset for rlhf/kto training; swiftkit has no such "
    "switch: drop the flag",
    # ------------------------------------------------------------ RLHF Arguments
    "loss_weights": "mixing several DPO loss types in one loss (MPO: a list of --loss_type values weighted by "
    "--loss_weights) is not supported: give one --loss_type; add the chosen replies' SFT term with --rpo_alpha",
    # ------------------------------------------------------------ GRPO Arguments
    "reward_model_plugin": "custom reward-model logic plugins are not supported: write the scoring as a reward "
    "function (a `swiftkit.rewards` plugin or module:function in --reward_funcs) that calls your reward model",
    **{name: "FIPO (future-KL influenced policy optimization) is not implemented: use --loss_type grpo/bnpo/dr_grpo/"
       "dapo with --epsilon/--epsilon_high, or --importance_sampling_level sequence (GSPO)"
       for name in ("fipo_decay_rate", "fipo_clip_range", "fipo_clip_high_only", "fipo_safety_threshold")},
    **{name: "SAPO's soft gate (--loss_type sapo) is not implemented: use --loss_type grpo/bnpo/dr_grpo/dapo with "
       "the hard clip --epsilon/--epsilon_high (or --delta)" for name in ("tau_pos", "tau_neg")},
    "teacher_kl_coef": "GRPO with a teacher's KL (on-policy distillation inside GRPO) is not implemented: distil with "
    "`swift rlhf --rlhf_type gkd --teacher_model ... --lmbda 1` (on-policy GKD)",
    **{name: "RLSD / SDAR self-distillation reweighting is not implemented: use plain GRPO advantages "
       "(--advantage_estimator grpo/rloo/reinforce_plus_plus)"
       for name in ("advantage_reweight", "rlsd_lambda", "rlsd_reweight_clip_range", "rlsd_lambda_warmup_steps",
                    "rlsd_lambda_decay_steps", "rlsd_negative_only", "sdar_loss_coef", "sdar_gate_beta")},
    "completion_length_limit_scope": "multi-turn GRPO rollouts are not supported, so a completion is one turn and "
    "--max_completion_length limits it; drop the flag",
    "rollout_importance_sampling_mode": _TRAIN_INFER_MISMATCH,
    "rollout_importance_sampling_threshold": _TRAIN_INFER_MISMATCH,
    "log_rollout_offpolicy_metrics": _TRAIN_INFER_MISMATCH,
    "off_policy_sequence_mask_delta": _TRAIN_INFER_MISMATCH,
    # ------------------------------------------------------------ Reward / Teacher model
    "teacher_model_server": _TEACHER_SERVER,
    "teacher_tag_key": _TEACHER_SERVER,
    "teacher_deepspeed": "a separate DeepSpeed config for the teacher is not supported: the teacher is loaded frozen "
    "next to the student (--offload_teacher_model keeps it in CPU memory between uses)",
    "reward_model_type": "PPO's --reward_model is a swiftkit `swift rlhf --rlhf_type rm` checkpoint, whose args.json "
    "records its model family; drop the flag",
    "reward_model_revision": "PPO's --reward_model is a local `swift rlhf --rlhf_type rm` checkpoint folder, which has "
    "no revision; download it first (`swift download`) if it is on a hub",
    "reward_adapters": "PPO's --reward_model is a swiftkit rm checkpoint that holds its own adapter and value head; "
    "adapters on top of it are not supported: train the reward model with `swift rlhf --rlhf_type rm`",
    # ------------------------------------------------------------ PPO Arguments
    "num_sample_generations": "TRL's periodic debug generations of PPO are not supported: the rollout's rewards, KL "
    "and completion length are logged every step",
}

#: ms-swift spelling -> swiftkit run-config key (same meaning)
RL_ALIASES: dict[str, str] = {
    # swift export: overwrite an existing --output_dir instead of refusing
    "exist_ok": "overwrite",
}
