"""ms-swift 4.x command-line compatibility: its renamed flags, and its flags swiftkit refuses.

A flag listed in ms-swift's "Command Line Parameters" documentation is either a run-config key
of some plugin (accepted with the same meaning), another spelling of one (``flag_aliases``), or
refused here before anything loads, with the reason and what to use instead (``refused_flags``).
A refusal yields to any plugin that defines the name as an option. ``docs/ms-swift-compat.md``
lists every parameter and its status (``swift config-schema --ms-swift-compat CSV``).

The few options defined here are ms-swift flags that select nothing swiftkit lacks: they accept
only the value that means what swiftkit always does (``--tuner_backend peft``,
``--check_model false``), so a script that sets them to that value runs, and one that asks for
something else is told why not.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core import hookimpl
from swiftkit.plugins.compat.msswift_rl import RL_ALIASES, RL_REFUSALS

SWIFTKIT_PLUGIN_API = "1.5"

#: ms-swift 4 renamed these 3.x flags; both spellings work, the run records swiftkit's key
FLAG_ALIASES: dict[str, str] = {
    "tuner_type": "train_type",
    "init_weights": "init_lora_weights",  # ms-swift's tuner-wide name; swiftkit's LoRA family spells it peft's way
}

_NPU = "Ascend NPU only; swiftkit runs on CUDA GPUs and CPUs"
_RAY = ("swiftkit launches processes with torchrun or DeepSpeed, not Ray: use --nproc_per_node, --nnodes, "
        "--node_rank and --master_addr")
_SWANLAB = ("the SwanLab tracker is not installed or wired here; use --report_to tensorboard or wandb, or a plugin's "
            "swift_trainer_callbacks hook to log elsewhere")

#: flag -> why swiftkit refuses it, and what to use instead
REFUSED_FLAGS: dict[str, str] = {
    # Base arguments
    "enable_npu_model_patch": _NPU,
    "load_args": ("swiftkit always reads the args.json of a checkpoint given to infer/deploy/export (base model, "
                  "template, tuner) and never for training: override a recorded value by giving the flag"),
    "load_data_args": ("swift infer does not re-create a training run's validation split; pass the data with "
                       "--val_dataset"),
    "ignore_args_error": ("a Jupyter workaround of ms-swift's argument parser; swiftkit raises ConfigError, which a "
                          "notebook can catch, and build_config() takes a dict"),
    "model_kwargs": ("model-specific settings read by ms-swift's model code; swiftkit takes the multimodal ones as "
                     "flags of their own (--max_pixels, --min_pixels, --video_max_pixels, --fps, --fps_max_frames, "
                     "--fps_min_frames, --sampling_rate, or ms-swift's environment variables MAX_PIXELS ...) and the "
                     "loader takes --attn_impl, --rope_scaling, --device_map and --max_memory"),
    # Model arguments
    "local_repo_path": ("for models whose loading clones a GitHub repository (DeepSeek-VL2 ...); swiftkit registers no "
                        "such model: a checkpoint with its own code loads with --trust_remote_code"),
    # Template arguments
    "norm_bbox": ("grounding boxes are written in the family's own convention (thousandths for Qwen-VL) by its media "
                  "processor; ms-swift's norm1000/none switch is not implemented"),
    # Quantization
    "hqq_axis": ("HQQ quantization is not installed here; QLoRA quantizes with bitsandbytes: --train_type qlora "
                 "--quant_bits 4|8"),
    # RAY
    "use_ray": _RAY,
    "ray_exp_name": _RAY,
    "device_groups": _RAY,
    # Seq2SeqTrainer arguments
    "vit_gradient_checkpointing": ("--gradient_checkpointing turns checkpointing on for every submodule transformers "
                                   "supports, the vision tower included; a switch for the vision tower alone is not "
                                   "implemented"),
    "deepspeed_autotp_size": ("DeepSpeed AutoTP is not wired; tensor parallelism is --strategy tp (torch's DTensor "
                              "tensor parallelism)"),
    "enable_channel_loss": ("per-channel loss needs a 'channel' column the data pipeline does not carry; the "
                            "logged loss is the whole batch's"),
    "predict_with_generate": ("evaluation computes the loss only; generate answers for a validation set with swift "
                              "infer --val_dataset"),
    # Tuner arguments
    "init_strategy": ("swiftkit loads checkpoints whose weights are complete; a weight the checkpoint lacks is "
                      "initialised by the model class itself (transformers warns about it)"),
    "new_special_tokens": ("adding tokens to a tokenizer (and resizing the embeddings) is not supported yet; train "
                           "from a tokenizer that already holds them"),
    # Template arguments
    "use_chat_template": ("swiftkit chooses by command: swift sft/rlhf render rows through the chat template, swift pt "
                          "trains on the plain text; drop the flag"),
    "response_prefix": ("a text prefilled at the start of every inference answer is not supported; reasoning "
                        "templates open the thinking block themselves (--enable_thinking)"),
    "preserve_thinking": ("templates keep or drop earlier rounds' reasoning as the model's own chat template does "
                          "(see --loss_scale for what trains); there is no switch"),
    "disable_ignore_empty_think": ("empty thinking blocks are left out of the loss only with --loss_scale "
                                   "ignore_empty_think or last_round_with_ignore_empty_think; choose the loss_scale"),
    "is_binary_loss_scale": ("swiftkit's --loss_scale values are 0/1 masks already (default, last_round, all, "
                             "ignore_empty_think ...); weighted loss scales are not supported"),
    # Generation arguments
    "num_beams": ("beam search is not implemented: the pt engine decodes each request greedily (--temperature 0) or "
                  "by sampling (--temperature, --top_k, --top_p)"),
    "structured_outputs_regex": ("regex-constrained decoding is not wired in any engine here; validate answers "
                                 "after generation"),
    # Training arguments
    "packing_strategy": ("packing fills rows first-fit by decreasing length, the one strategy here; --packing_length "
                         "sets the row length"),
    "resume_only_model": ("--resume_from_checkpoint restores the optimizer too; to start from a checkpoint's weights "
                          "alone pass it as --adapters (LoRA) or --model (full) in a new run"),
    # Training arguments
    "use_flash_ckpt": "DLRover flash checkpointing is not installed; checkpoints are written atomically to disk",
    "optimizer": ("ms-swift's optimizer plugins (galore, lorap, muon ...); use --optim for transformers' optimizers, "
                  "--use_galore true (or --train_type galore) for GaLore, --train_type loraplus for LoRA+, or a tuner "
                  "plugin"),
    "callbacks": ("ms-swift's callback plugins by name; a swiftkit plugin adds Trainer callbacks through the "
                  "swift_trainer_callbacks hook"),
    "use_logits_to_keep": ("the causal-LM loss computes logits for every position; rows are truncated to "
                           "--max_length instead"),
    # SwanLab
    **{name: _SWANLAB for name in ("swanlab_token", "swanlab_project", "swanlab_workspace", "swanlab_exp_name",
                                   "swanlab_notification_method", "swanlab_webhook_url", "swanlab_secret",
                                   "swanlab_mode",
                                   # ms-swift 3's names of the notification flags
                                   "swanlab_lark_webhook_url", "swanlab_lark_secret")},
    # Inference
    "metric": ("swift infer writes answers next to the reference replies (--result_path) and does not score them; "
               "score the jsonl with your own metric"),
}

# RLHF, sampling, eval, export, app, web-ui and engine flags live in msswift_rl.py
FLAG_ALIASES.update(RL_ALIASES)
REFUSED_FLAGS.update(RL_REFUSALS)

# data arguments
_DATA_REFUSED: dict[str, str] = {
    "disable_auto_column_mapping": "swiftkit maps no column names on its own, so there is nothing to disable: a "
    "dataset's format is detected from its exact columns (`swift list formats`); rename columns with --columns",
    "lazy_tokenize": "swiftkit tokenizes every row once before training (checking each one, cached and reused by "
    "the next run); for data larger than memory use --streaming true (rows are tokenized as training reads them), "
    "to skip tokenizing use --cached_dataset from `swift export --to_cached_dataset true`",
}
REFUSED_FLAGS.update(_DATA_REFUSED)


@hookimpl
def swift_register_options() -> list[dict[str, Any]]:
    return [{
        "id": "ms-swift-compat",
        "description": "ms-swift 4.x flag spellings, and the ms-swift flags swiftkit refuses with the reason.",
        "options": {"type": "object", "properties": {
            "tuner_backend": {"enum": ["peft"], "description": "Tuners are peft's (or a plugin's); ms-swift's "
                              "'unsloth' backend is not supported."},
            "acc_strategy": {"enum": ["token"], "description": "Training logs token-level accuracy (token_acc); "
                             "sequence-level accuracy is not computed."},
            "check_model": {"enum": [False], "description": "swiftkit does not compare local model files with the "
                            "hub's (false, ms-swift's advice offline, is what it does)."},
        }},
        "flag_aliases": FLAG_ALIASES,
        "refused_flags": REFUSED_FLAGS,
    }]
