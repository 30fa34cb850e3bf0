"""The run-configuration keys the core owns (plain data, imported by discovery and by
:mod:`swiftkit.core.config`). Plugins may not redefine them; their own keys join these in the
composed schema (``swift config-schema``)."""

from __future__ import annotations

from typing import Any

_STRS = {"type": "array", "items": {"type": "string"}}

#: keys the core owns; plugins may not redefine them
CORE_PROPERTIES: dict[str, dict[str, Any]] = {
    "model": {"type": "string", "description": "Registered model id, hub id, or local folder."},
    "model_type": {"type": "string", "description": "Model family, when --model does not identify it."},
    "model_revision": {"type": "string", "description": "Branch, tag or commit of a hub --model (default: the hub's "
                       "default branch)."},
    "use_hf": {"type": "boolean", "description": "Download hub ids from Hugging Face (true) or ModelScope (false; needs "
               "the 'modelscope' package). Default $USE_HF, else true."},
    "hub_token": {"type": "string", "description": "Token for private or gated hub repositories (default: the client's "
                  "own: $HF_TOKEN / $MODELSCOPE_API_TOKEN or a saved login)."},
    "template": {"type": "string", "description": "Chat template id (default: the model's)."},
    "system": {"type": "string", "description": "Default system prompt."},
    "enable_thinking": {"type": "boolean", "description": "Reasoning models (Qwen3, DeepSeek-V3.1, GLM-4.5+ ...): "
                        "whether the generation prompt opens a thinking block (false: the template's empty "
                        "<think></think> block, as the model's own chat template writes it). Default: the template's."},
    "add_non_thinking_prefix": {"type": "boolean", "default": True, "description": "Reasoning models, training: put the "
                                "template's empty thinking block before replies that have none (as their chat template "
                                "writes the last reply); false trains such replies as they are."},
    "dataset": {**_STRS, "description": "Registered dataset ids or local files; 'path#N' samples N rows."},
    "val_dataset": {**_STRS, "description": "Validation datasets, same syntax as --dataset."},
    "split_dataset_ratio": {"type": "number", "minimum": 0, "maximum": 1},
    "trust_remote_code": {"type": "boolean", "default": False,
                          "description": "Run the modeling code a model folder ships (config.json auto_map); only "
                          "for folders you trust."},
    "train_type": {"type": "string", "default": "lora", "description": "Tuner: which parameters train."},
    "router_aux_loss_coef": {"type": "number", "minimum": 0, "description": "Mixture-of-experts models: weight of the "
                             "router's load-balancing loss in the training loss (swift sft / pt). > 0 turns on the model's "
                             "output_router_logits with this coefficient; 0 (the default) keeps the checkpoint's config "
                             "(off for transformers' MoE models). Refused for a model without a router."},
    "rlhf_type": {"type": "string", "description": "Alignment objective for `swift rlhf` (default dpo)."},
    "ref_model": {"type": "string", "description": "swift rlhf: the frozen reference model (default: the base model; "
                  "with an adapter tuner, the base with the adapter switched off, no second copy)."},
    "ref_model_revision": {"type": "string", "description": "swift rlhf: branch, tag or commit of a hub --ref_model."},
    "infer_backend": {"type": "string", "description": "Inference engine."},
    "adapters": {**_STRS, "description": "Adapter folders to load on top of --model."},
    "output_dir": {"type": "string"},
    "max_length": {"type": "integer", "minimum": 1, "description": "Tokens per row (training: longer rows follow "
                   "--truncation_strategy); swift infer/deploy: prompt plus answer (deploy default: the model's context "
                   "length; a longer request is answered 400)."},
    "num_train_epochs": {"type": "number", "exclusiveMinimum": 0},
    "max_steps": {"type": "integer"},
    "per_device_train_batch_size": {"type": "integer", "minimum": 1},
    "per_device_eval_batch_size": {"type": "integer", "minimum": 1},
    "gradient_accumulation_steps": {"type": "integer", "minimum": 1},
    "learning_rate": {"type": "number", "exclusiveMinimum": 0},
    "weight_decay": {"type": "number", "minimum": 0},
    "warmup_ratio": {"type": "number", "minimum": 0, "maximum": 1},
    "lr_scheduler_type": {"type": "string"},
    "seed": {"type": "integer"},
    "torch_dtype": {"enum": ["auto", "float32", "bfloat16", "float16"]},
    "gradient_checkpointing": {"type": "boolean"},
    "packing": {"type": "boolean", "description": "Pack several samples into each max_length row (padding-free)."},
    "padding_free": {"type": "boolean", "description": "Concatenate each batch without padding (position_ids mark the samples)."},
    "truncation_strategy": {"enum": ["delete", "left", "right"], "default": "delete",
                            "description": "Rows longer than max_length: drop them (counted), or cut tokens on that side."},
    "strict": {"type": "boolean", "default": True,
               "description": "A malformed dataset row is an error; with --strict false it is skipped, counted and reported."},
    "dataset_num_proc": {"type": "integer", "minimum": 1, "default": 1},
    "dataset_shuffle": {"type": "boolean", "default": True},
    "save_total_limit": {"type": "integer", "minimum": 1},
    "save_strategy": {"enum": ["steps", "epoch", "no"]},
    "eval_strategy": {"enum": ["steps", "epoch", "no"]},
    "optim": {"type": "string", "description": "transformers optimizer name (adamw_torch, sgd, adafactor ...)."},
    "adam_beta1": {"type": "number"},
    "adam_beta2": {"type": "number"},
    "max_grad_norm": {"type": "number", "minimum": 0},
    "report_to": {"type": "array", "items": {"type": "string"}},
    "dataloader_num_workers": {"type": "integer", "minimum": 0},
    "add_version": {"type": "boolean", "default": True,
                    "description": "Write the run into a fresh vN-<timestamp> folder under output_dir."},
    "overwrite_output_dir": {"type": "boolean", "default": False,
                             "description": "With --add_version false: replace the checkpoints another run left in "
                             "output_dir (without it such a folder is refused, unless resuming from one of them)."},
    "logging_steps": {"type": "integer", "minimum": 1},
    "save_steps": {"type": "integer", "minimum": 1},
    "eval_steps": {"type": "integer", "minimum": 1},
    "resume_from_checkpoint": {"type": "string"},
    "max_new_tokens": {"type": "integer", "minimum": 1},
    "temperature": {"type": "number", "minimum": 0},
    "stream": {"type": "boolean"},
    "result_path": {"type": "string", "description": "swift infer: the jsonl file batch results are written to "
                    "(default <checkpoint>/infer_result/<timestamp>.jsonl)."},
    "host": {"type": "string", "description": "swift deploy / rollout: address to listen on (default 127.0.0.1; 0.0.0.0: every interface)."},
    "port": {"type": "integer", "minimum": 0, "maximum": 65535, "description": "swift deploy / rollout: port (default 8000; 0: any free port)."},
    "api_key": {"type": "string", "description": "swift deploy: key every request must send as 'Authorization: Bearer <key>' "
                "(default $SWIFTKIT_API_KEY; unset: no key)."},
    "served_model_name": {"type": "string", "description": "swift deploy: the base model's name in /v1/models and in requests "
                          "(default: its registered id)."},
    "max_concurrency": {"type": "integer", "minimum": 1, "description": "swift deploy: requests served at once (default 64); "
                        "one more is answered 429."},
    "max_tokens_limit": {"type": "integer", "minimum": 1, "description": "swift deploy: the most max_tokens a request may ask "
                         "(default 4096; more is answered 400); also the default when a request sets none and "
                         "--max_new_tokens is unset."},
    "max_request_bytes": {"type": "integer", "minimum": 1, "description": "swift deploy: the largest request body in bytes "
                          "(default 8388608, 8 MiB); a larger one is answered 413 before it is read."},
    "shutdown_timeout": {"type": "number", "minimum": 0, "description": "swift deploy: seconds running requests may "
                         "finish after SIGTERM (default 25, under Kubernetes' 30 s kill deadline); then live streams end with an "
                         "error event and [DONE], waiting requests get 503."},
    "allow_control_tokens": {"type": "boolean", "description": "swift deploy: let chat messages hold the model's special "
                             "tokens (e.g. <|im_start|>), which the template reads as structure (default false: 400)."},
    "strategy": {"type": "string", "description": "Parallel strategy (default: none for one process, ddp for more); "
                 "also chosen by a strategy's own flag, e.g. --deepspeed zero3, --fsdp full_shard, --tp_size 2."},
    "nproc_per_node": {"type": "integer", "minimum": 1, "description": "Processes per machine (default $NPROC_PER_NODE, else 1); "
                       "more than one re-launches the command under torchrun or the DeepSpeed launcher."},
    "nnodes": {"type": "integer", "minimum": 1, "description": "Machines taking part (default $NNODES, else 1)."},
    "node_rank": {"type": "integer", "minimum": 0, "description": "This machine's index among --nnodes (default $NODE_RANK, else 0)."},
    "master_addr": {"type": "string", "description": "Address of machine 0 (default $MASTER_ADDR, else 127.0.0.1)."},
    "master_port": {"type": "integer", "minimum": 1, "maximum": 65535,
                    "description": "Rendezvous port on machine 0 (default $MASTER_PORT; one machine: a free port)."},
    "launcher": {"enum": ["torchrun", "deepspeed"], "description": "Launcher for more than one process (default: the strategy's)."},
    "auto": {"type": "boolean", "default": False, "description": "Let `swift recommend` choose tuner, quantization, precision, "
             "strategy, batch size and gradient checkpointing for the devices found."},
    "merge_lora": {"type": "boolean", "description": "swift export: merge the LoRA adapter into its base model."},
    "overwrite": {"type": "boolean", "default": False, "description": "swift export: replace an existing output folder."},
}
