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
    "attn_impl": {"type": "string", "description": "Attention implementation: sdpa, eager, flash_attention_2 (or "
                  "flash_attn), flash_attention_3 ... as transformers names them (default: the model's)."},
    "experts_impl": {"type": "string", "description": "Mixture-of-experts models: transformers' experts "
                     "implementation (eager, grouped_mm, batched_mm ...; default: the model's)."},
    "rope_scaling": {"anyOf": [{"type": "string"}, {"type": "object"}], "description": "RoPE scaling: a JSON object "
                     "replacing the model's ('{\"rope_type\": \"yarn\", \"factor\": 2.0}'), or a type (linear, dynamic, "
                     "yarn ...) whose factor is --max_model_len (else --max_length) over max_position_embeddings."},
    "template": {"type": "string", "description": "Chat template id (default: the model's)."},
    "template_backend": {"enum": ["swift", "jinja"], "description": "swift: the registered template (default); "
                         "jinja: the tokenizer's own chat_template (--template tokenizer)."},
    "agent_template": {"type": "string", "description": "Tool-calling format (`swift list agent-templates`: hermes, "
                       "qwen, llama3, mistral, glm4, glm4_5, react_en ...) that writes tools, tool calls and tool results into the "
                       "chat template's turns and parses calls from replies (default: the chat template's)."},
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
    "task_type": {"type": "string", "description": "What the model is trained or served for (ms-swift's names): "
                  "causal_lm (text generation), seq_cls, embedding, reranker, generative_reranker; each other than "
                  "causal_lm is a task objective plugin that swift sft runs instead of sft. Default: the registered "
                  "model's task (causal_lm for a chat model), or the task a checkpoint was trained for."},
    "router_aux_loss_coef": {"type": "number", "minimum": 0, "description": "Mixture-of-experts models: weight of the "
                             "router's load-balancing loss in the training loss (swift sft / pt). > 0 turns on the model's "
                             "output_router_logits with this coefficient; 0 (the default) keeps the checkpoint's config "
                             "(off for transformers' MoE models). Refused for a model without a router."},
    # multimodal models (a family naming its model_parts): which parts train and at which rate (ms-swift's flags;
    # swiftkit.train.multimodal); a text model ignores them
    "freeze_vit": {"type": "boolean", "description": "Multimodal models: freeze the vision tower (default true). "
                   "Unfrozen, full fine-tuning trains it and --target_modules all-linear adapts its linear layers."},
    "freeze_aligner": {"type": "boolean", "description": "Multimodal models: freeze the aligner (projector / merger) "
                       "between the vision tower and the language model (default true)."},
    "freeze_llm": {"type": "boolean", "description": "Multimodal models: freeze the language model (default false); "
                   "all-linear then adapts only the unfrozen parts."},
    "vit_lr": {"type": "number", "exclusiveMinimum": 0, "description": "Multimodal models: the vision tower's learning "
               "rate (default --learning_rate); its parameters get their own optimizer groups."},
    "aligner_lr": {"type": "number", "exclusiveMinimum": 0, "description": "Multimodal models: the aligner's learning "
                   "rate (default --learning_rate)."},
    "rlhf_type": {"type": "string", "description": "Alignment objective for `swift rlhf` (default dpo)."},
    "ref_model": {"type": "string", "description": "swift rlhf: the frozen reference model (default: the base model; "
                  "with an adapter tuner, the base with the adapter switched off, no second copy)."},
    "ref_model_revision": {"type": "string", "description": "swift rlhf: branch, tag or commit of a hub --ref_model."},
    "ref_model_type": {"type": "string", "description": "swift rlhf: the --ref_model's family (a registered model id, "
                       "as --model_type) when its config.json does not tell it."},
    "ref_adapters": {**_STRS, "description": "swift rlhf: LoRA adapter folders merged into the frozen reference "
                     "(e.g. the SFT adapter the policy starts from: --adapters sft_ckpt --ref_adapters sft_ckpt)."},
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
    "padding_side": {"enum": ["left", "right"], "description": "Which side training batches of rows in the sft and "
                     "pt layouts are padded on (default right; left rows get position ids counting from their first "
                     "token)."},
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
    "eval_on_start": {"type": "boolean", "default": False,
                      "description": "Evaluate on the validation set once before the first training step (a sanity "
                      "check of the evaluation; needs --val_dataset or --split_dataset_ratio)."},
    "resume_from_checkpoint": {"type": "string"},
    "max_new_tokens": {"type": "integer", "minimum": 1},
    "temperature": {"type": "number", "minimum": 0},
    "stream": {"type": "boolean"},
    # generation: swift infer's settings, swift deploy's defaults for requests that leave them out
    "top_k": {"type": "integer", "minimum": 0, "description": "Sample among the k most likely tokens (0: off)."},
    "top_p": {"type": "number", "exclusiveMinimum": 0, "maximum": 1,
              "description": "Sample among the most likely tokens that reach this probability together (1: off)."},
    "repetition_penalty": {"type": "number", "exclusiveMinimum": 0, "description": "Penalty on tokens already in the "
                           "prompt or the answer (1.0: none; 1.1-1.3 discourages repeats)."},
    "stop_words": {**_STRS, "description": "Strings that end the answer besides the template's end of turn (they are "
                   "not part of the answer)."},
    "logprobs": {"type": "boolean", "description": "swift infer: write each answer token's log-probability to the "
                 "results."},
    "top_logprobs": {"type": "integer", "minimum": 0, "maximum": 20, "description": "With --logprobs: also the n most "
                     "likely alternatives per position."},
    "result_path": {"type": "string", "description": "swift infer: the jsonl file batch results are written to "
                    "(default <checkpoint>/infer_result/<timestamp>.jsonl)."},
    "val_dataset_sample": {"type": "integer", "minimum": 1, "description": "swift infer: ask this many rows of "
                           "--val_dataset, drawn at random with --seed (default: every row)."},
    "write_batch_size": {"type": "integer", "minimum": 1, "description": "swift infer: results are written to "
                         "--result_path every this many rows (default 1000)."},
    "verbose": {"type": "boolean", "description": "swift deploy: log one access line per request (default true)."},
    "log_interval": {"type": "number", "description": "swift deploy: print the completion tokens per second every this "
                     "many seconds (unset or -1: never; ms-swift prints every 20 s by default)."},
    "owned_by": {"type": "string", "description": "swift deploy: the owned_by of the served models in /v1/models "
                 "(default swiftkit)."},
    "max_logprobs": {"type": "integer", "minimum": 0, "description": "swift deploy: the most log-probabilities per "
                     "position a request may ask for (default 20)."},
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
    # transformers.TrainingArguments fields under ms-swift's names (swiftkit.train.arguments passes them on)
    "adam_epsilon": {"type": "number", "exclusiveMinimum": 0, "description": "Adam's epsilon (default 1e-8)."},
    "lr_scheduler_kwargs": {"type": "object", "description": "Extra arguments of the learning-rate scheduler, as JSON "
                            "(--lr_scheduler_type cosine_with_min_lr --lr_scheduler_kwargs '{\"min_lr\": 1e-6}')."},
    "optim_args": {"type": "string", "description": "Extra optimizer arguments for --optim, 'key=value,key=value'."},
    "gradient_checkpointing_kwargs": {"type": "object", "description": "Arguments of torch.utils.checkpoint with "
                                      "--gradient_checkpointing, as JSON (default '{\"use_reentrant\": false}')."},
    "full_determinism": {"type": "boolean", "description": "Deterministic algorithms and seeded workers (slower), for "
                         "reproducible runs."},
    "logging_first_step": {"type": "boolean", "description": "Log the metrics of the first step too."},
    "metric_for_best_model": {"type": "string", "description": "The evaluation metric that ranks checkpoints "
                              "(transformers' default: loss)."},
    "greater_is_better": {"type": "boolean", "description": "Whether a larger --metric_for_best_model is better "
                          "(default: false for a metric containing 'loss', else true)."},
    "save_on_each_node": {"type": "boolean", "description": "Several machines: every node writes checkpoints, not "
                          "only the main one (for output folders that are not shared)."},
    "save_only_model": {"type": "boolean", "description": "Checkpoints hold the model only, without optimizer, scheduler "
                        "and RNG states (smaller; such a checkpoint cannot resume training)."},
    "ignore_data_skip": {"type": "boolean", "description": "Resuming: start the data from the beginning instead of "
                         "skipping the batches the checkpoint already trained on."},
    "dataloader_pin_memory": {"type": "boolean", "description": "Pin the data loader's batches in page-locked memory "
                              "(default true)."},
    "dataloader_persistent_workers": {"type": "boolean", "description": "Keep data-loader workers alive between epochs "
                                      "(with --dataloader_num_workers > 0)."},
    "dataloader_prefetch_factor": {"type": "integer", "minimum": 1, "description": "Batches each data-loader worker "
                                   "loads ahead (with --dataloader_num_workers > 0)."},
    "train_dataloader_shuffle": {"type": "boolean", "description": "Shuffle the training batches (default true; false: "
                                 "the dataset's order, e.g. for curriculum data)."},
    "group_by_length": {"type": "boolean", "description": "Batch rows of similar length together (less padding)."},
    "neftune_noise_alpha": {"type": "number", "minimum": 0, "description": "NEFTune: noise added to the input "
                            "embeddings while training (typical 5, 10, 15; 0: off)."},
    "average_tokens_across_devices": {"type": "boolean", "description": "Several processes: average the loss over the "
                                      "tokens of every process (an all-reduce of the token count) rather than per process."},
    "logging_dir": {"type": "string", "description": "TensorBoard's event folder (default: <run folder>/runs)."},
    "push_to_hub": {"type": "boolean", "description": "Push every saved checkpoint to the Hugging Face hub repository "
                    "--hub_model_id (with --hub_token)."},
    "hub_model_id": {"type": "string", "description": "The hub repository --push_to_hub writes to (default: the run "
                     "folder's name)."},
    "hub_private_repo": {"type": "boolean", "description": "Create the --push_to_hub repository as private."},
    "merge_lora": {"type": "boolean", "description": "swift export: merge the LoRA adapter into its base model."},
    "max_shard_size": {"anyOf": [{"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?\\s*[KMGT]i?B$"}, {"type": "integer", "minimum": 1}],
                       "description": "swift export: the largest weight file of the written model ('5GB', the default; "
                       "or bytes); bigger models are split into shards."},
    "safe_serialization": {"enum": [True], "description": "Weights are written as safetensors (always: transformers 5 "
                           "writes no pickled .bin files)."},
    "max_epochs": {"type": "integer", "minimum": 1, "description": "Stop training at the end of this epoch even when "
                   "--max_steps or --num_train_epochs would go on (then evaluate and save)."},
    "create_checkpoint_symlink": {"type": "boolean", "description": "After training, link the run folder's 'last' to "
                                  "the last checkpoint and 'best' to the best one (with --metric_for_best_model)."},
    "early_stop_interval": {"type": "integer", "minimum": 1, "description": "Stop training when the evaluation metric "
                            "(--metric_for_best_model, default the loss) has not improved for this many evaluations."},
    "packing_length": {"type": "integer", "minimum": 1, "description": "With --packing: the length of a packed row "
                       "(default --max_length)."},
    "packing_num_proc": {"type": "integer", "minimum": 1, "description": "With --packing: processes that write the "
                         "packed rows (default 1)."},
    "overwrite": {"type": "boolean", "default": False, "description": "swift export: replace an existing output folder."},
}

#: what the long-standing keys above mean (shown by `swift <command> --help`, `swift config-schema`
#: and docs/ms-swift-compat.md); kept apart so that the table above stays one line per key
_DESCRIPTIONS = {
    "split_dataset_ratio": "Without --val_dataset: this share of the training rows becomes the validation set.",
    "output_dir": "Where runs are written (a new vN-<timestamp> folder inside unless --add_version false).",
    "num_train_epochs": "Passes over the training data (when --max_steps is not set).",
    "max_steps": "Optimizer steps to train; -1: as --num_train_epochs says.",
    "per_device_train_batch_size": "Training rows per process and step (GRPO: prompts, each sampled "
                                   "--num_generations times; ms-swift counts completions there).",
    "per_device_eval_batch_size": "Evaluation rows per process and step.",
    "gradient_accumulation_steps": "Micro-batches summed into one optimizer step.",
    "learning_rate": "Peak learning rate (default: the tuner's, 1e-4 for adapters, 1e-5 for full).",
    "weight_decay": "AdamW weight decay (default 0.1).",
    "warmup_ratio": "Share of the steps spent warming the learning rate up.",
    "lr_scheduler_type": "Learning-rate schedule as transformers names it (cosine, linear, constant ...).",
    "seed": "Random seed of the run (adapter initialisation, shuffling, sampling).",
    "torch_dtype": "dtype the model's weights load in (auto: the checkpoint's).",
    "gradient_checkpointing": "Recompute activations in the backward pass to save memory.",
    "dataset_num_proc": "Processes that convert and tokenize the data (a step starts them only when each gets at "
                        "least 10,000 rows: starting them costs about a second).",
    "dataset_shuffle": "Shuffle the training rows (seeded) before training.",
    "save_total_limit": "Keep at most this many checkpoints (the oldest are deleted).",
    "save_strategy": "When to write checkpoints: every --save_steps, every epoch, or never (the last step always is).",
    "eval_strategy": "When to evaluate on the validation set (default: every --eval_steps when there is one).",
    "adam_beta1": "AdamW's beta1.",
    "adam_beta2": "AdamW's beta2.",
    "max_grad_norm": "Gradient clipping norm.",
    "report_to": "Trackers to log to (tensorboard, wandb, none ...).",
    "dataloader_num_workers": "Worker processes of the training data loader.",
    "logging_steps": "Log every this many steps.",
    "save_steps": "Write a checkpoint every this many steps.",
    "eval_steps": "Evaluate every this many steps.",
    "resume_from_checkpoint": "A checkpoint folder to continue training from (weights, optimizer, data position).",
    "max_new_tokens": "The most tokens an answer may have.",
    "temperature": "Sampling temperature (0: greedy).",
    "stream": "swift infer: print the answer as it is generated.",
}
for _key, _text in _DESCRIPTIONS.items():
    CORE_PROPERTIES[_key].setdefault("description", _text)

# ------------------------------------------------------------------------------ data arguments
# ms-swift's "Data Arguments" (and its data flags of other sections) that the data pipeline reads;
# kept in their own block so that other key families merge beside it.

#: the data pipeline's keys beyond ``dataset`` / ``val_dataset`` / ``split_dataset_ratio`` /
#: ``dataset_num_proc`` / ``dataset_shuffle`` / ``strict`` above
DATA_PROPERTIES: dict[str, dict[str, Any]] = {
    "data_seed": {"type": "integer", "default": 42, "description": "Seed of the data operations (shuffling, #N "
                  "sampling, the validation split, the Trainer's sampler); independent of --seed, as in ms-swift."},
    "load_from_cache_file": {"type": "boolean", "default": True, "description": "Reuse the cached results of the "
                             "data steps (keyed by the data, the tokenizer, the template, the settings and the "
                             "pipeline's code); false recomputes every step. ms-swift's default is false because "
                             "its cache key is weaker; swiftkit's is safe to reuse."},
    "val_dataset_shuffle": {"type": "boolean", "default": False, "description": "Shuffle the --val_dataset rows "
                            "(seeded by --data_seed)."},
    "model_name": {**_STRS, "minItems": 1, "maxItems": 2, "description": "Self-cognition data (the 'self-cognition' "
                   "dataset): the model's name in Chinese then English (one value: both), put in place of {{NAME}}."},
    "model_author": {**_STRS, "minItems": 1, "maxItems": 2, "description": "Self-cognition data: the model's author "
                     "in Chinese then English (one value: both), put in place of {{AUTHOR}}."},
    "columns": {"anyOf": [{"type": "object", "additionalProperties": {"type": "string"}}], "description": "Rename "
                "dataset columns before the format is detected, as JSON: '{\"text1\": \"query\", \"text2\": \"response\"}'."},
    "download_mode": {"enum": ["reuse_dataset_if_exists", "force_redownload"], "default": "reuse_dataset_if_exists",
                      "description": "Hub and file datasets: reuse what `datasets` downloaded and prepared, or fetch "
                      "and prepare again."},
    "remove_unused_columns": {"type": "boolean", "default": True, "description": "Drop the columns the objective's "
                              "data layout does not use (false is refused: a column reaches the loss only through "
                              "a layout that declares it)."},
    "custom_dataset_info": {**_STRS, "description": "JSON files registering datasets for this run (ms-swift's "
                            "dataset_info.json: a list of {dataset_name?, dataset_path | hf_dataset_id | "
                            "ms_dataset_id, columns?, split?, subsets?})."},
    "streaming": {"type": "boolean", "default": False, "description": "Read the datasets as a stream "
                  "(datasets.IterableDataset): rows are checked and tokenized as training reads them, so data "
                  "larger than memory trains; needs --max_steps."},
    "interleave_prob": {"type": "array", "items": {"type": "number", "minimum": 0}, "description": "Mix several "
                        "--dataset by sampling each with this probability (datasets.interleave_datasets) instead "
                        "of concatenating them."},
    "stopping_strategy": {"enum": ["first_exhausted", "all_exhausted"], "default": "first_exhausted",
                          "description": "With --interleave_prob: stop when the first dataset runs out, or when "
                          "every one has (the others repeat)."},
    "shuffle_buffer_size": {"type": "integer", "minimum": 1, "default": 1000, "description": "--streaming: rows "
                            "held in the shuffle buffer (with --dataset_shuffle)."},
    "cached_dataset": {**_STRS, "description": "Folders `swift export --to_cached_dataset true` wrote: train on "
                       "their tokenized rows without tokenizing again (refused if tokenizer or template differ)."},
    "cached_val_dataset": {**_STRS, "description": "Validation rows from cached-dataset folders (as --cached_dataset)."},
    "to_cached_dataset": {"type": "boolean", "default": False, "description": "swift export: tokenize --dataset "
                          "(and --val_dataset) as training would and write the rows to --output_dir."},
    "external_plugins": {**_STRS, "description": "Python files imported as plugins before the run is composed (each "
                         "registers through swiftkit's hooks like an installed plugin; see docs/plugins)."},
}

#: how media are sampled for a multimodal template (ms-swift's names; each falls back to the
#: environment variable of the same name in capitals: MAX_PIXELS ...), read by
#: ``swiftkit.core.templates.media:MediaOptions.from_config``
MEDIA_PROPERTIES: dict[str, dict[str, Any]] = {
    "max_pixels": {"type": "integer", "minimum": 1, "description": "Images are resized to at most this many pixels "
                   "by the family's processor (default $MAX_PIXELS, else the processor's)."},
    "min_pixels": {"type": "integer", "minimum": 1, "description": "Images are resized to at least this many pixels "
                   "(default $MIN_PIXELS, else the processor's)."},
    "video_max_pixels": {"type": "integer", "minimum": 1, "description": "Pixels per video frame at most (default "
                         "$VIDEO_MAX_PIXELS, else the processor's)."},
    "video_min_pixels": {"type": "integer", "minimum": 1, "description": "Pixels per video frame at least (default "
                         "$VIDEO_MIN_PIXELS, else the processor's)."},
    "fps": {"type": "number", "exclusiveMinimum": 0, "description": "Video frames sampled per second (default $FPS, "
            "else the processor's)."},
    "fps_max_frames": {"type": "integer", "minimum": 1, "description": "Frames sampled from one video at most "
                       "(default $FPS_MAX_FRAMES)."},
    "fps_min_frames": {"type": "integer", "minimum": 1, "description": "Frames sampled from one video at least "
                       "(default $FPS_MIN_FRAMES)."},
    "sampling_rate": {"type": "integer", "minimum": 1, "description": "Audio is resampled to this rate in Hz "
                      "(default $SAMPLING_RATE, else the family's feature extractor's)."},
}

CORE_PROPERTIES.update(DATA_PROPERTIES)
CORE_PROPERTIES.update(MEDIA_PROPERTIES)

# swift deploy's media limits (read by swiftkit.serve.media.MediaLimits, which holds the defaults)
SERVE_MEDIA_PROPERTIES: dict[str, dict[str, Any]] = {
    "max_media_bytes": {"type": "integer", "minimum": 1, "description": "swift deploy: the largest medium (image, video, "
                        "audio) a request may send or link, in bytes (default 20 MiB); checked while an http(s) URL is "
                        "read, so a larger download stops at the limit (413)."},
    "max_media_per_request": {"type": "integer", "minimum": 0, "description": "swift deploy: the most media (content "
                              "parts) one chat request may hold (default 8; more: 400); also vLLM's limit_mm_per_prompt "
                              "per kind."},
    "media_fetch_timeout": {"type": "number", "exclusiveMinimum": 0, "description": "swift deploy: seconds the server "
                            "may take to fetch one http(s) media URL, connection included (default 10)."},
    "allow_local_media": {"type": ["string", "null"], "description": "swift deploy: a folder whose files requests may "
                          "name (file:// URLs or paths; symlinks resolved, nothing outside it). Unset: no local file "
                          "is ever read (403)."},
}
CORE_PROPERTIES.update(SERVE_MEDIA_PROPERTIES)

# swift eval (ms-swift's EvalArguments); the backends' own keys are their specs' options
EVAL_PROPERTIES: dict[str, dict[str, Any]] = {
    "eval_backend": {"type": "string", "description": "swift eval: the evaluation backend (`swift list eval-backends`: "
                     "Native = EvalScope, ms-swift's default; lm_eval = lm-evaluation-harness). Default: Native when "
                     "evalscope is installed, else lm_eval."},
    "eval_dataset": {**_STRS, "description": "swift eval: benchmarks by name (gsm8k, mmlu, arc ...; need the hub) or "
                     "local evaluation files/folders in the backend's own format; during training: evaluated at each "
                     "evaluation, next to the loss."},
    "eval_limit": {"anyOf": [{"type": "integer", "minimum": 1}, {"type": "number", "exclusiveMinimum": 0, "maximum": 1}],
                   "description": "swift eval: rows per dataset (an integer) or a fraction of each (0 < x <= 1)."},
    "eval_output_dir": {"type": "string", "description": "swift eval: where each run's folder (report.json, report.md, "
                        "the backend's per-row predictions) is written (default eval_output)."},
    "eval_url": {"type": "string", "description": "swift eval: evaluate a running OpenAI-compatible server (its base URL, "
                 "e.g. http://127.0.0.1:8000/v1, as `swift deploy` serves) instead of loading --model."},
    "eval_generation_config": {"type": "object", "description": "swift eval: generation settings, OpenAI names "
                               "('{\"max_tokens\": 512, \"temperature\": 0}'); greedy by default."},
    "eval_num_proc": {"type": "integer", "minimum": 1, "description": "swift eval: concurrent requests (--eval_url) or "
                      "workers (default 16 with --eval_url, else 1)."},
    "eval_dataset_args": {"type": "object", "description": "swift eval: per-dataset arguments for the backend "
                          "('{\"gsm8k\": {\"few_shot_num\": 0}}')."},
    "extra_eval_args": {"type": "object", "description": "swift eval: further backend arguments, passed through untouched."},
    "eval_use_evalscope": {"type": "boolean", "description": "Training: evaluate --eval_dataset with the eval backend "
                           "at each evaluation (--eval_strategy), scores logged next to the loss (ms-swift's name; "
                           "--eval_backend chooses the backend)."},
}
CORE_PROPERTIES.update(EVAL_PROPERTIES)

# swift export's shared quantization/calibration keys (ms-swift's); each exporter adds its own
EXPORT_PROPERTIES: dict[str, dict[str, Any]] = {
    "quant_method": {"type": "string", "description": "swift export: the quantization method, an exporter "
                     "(`swift list exporters`: bnb, gptq, awq, fp8 ...); --train_type qlora: how the base is quantized "
                     "while it loads (bnb)."},
    "quant_n_samples": {"type": "integer", "minimum": 1, "description": "swift export: calibration rows drawn from "
                        "--dataset (GPTQ/AWQ; default 256)."},
    "quant_batch_size": {"type": "integer", "minimum": -1, "description": "swift export: calibration batch size "
                         "(default 1; -1: all rows at once)."},
    "group_size": {"type": "integer", "minimum": -1, "description": "swift export: weights sharing one quantization "
                   "scale (default 128; -1: one per output channel); must divide each layer's input size."},
    "dry_run": {"type": "boolean", "description": "swift export: list what each step would write or upload, and do "
                "nothing."},
    "quality_check": {"type": "boolean", "description": "swift export: reload each converted model and compare it with "
                      "its source (size, greedy agreement, perplexity change, max-abs logit diff); the figures go to "
                      "export.json (default false: it loads both models)."},
}
CORE_PROPERTIES.update(EXPORT_PROPERTIES)

# swift sample (ms-swift's SamplingArguments)
SAMPLE_PROPERTIES: dict[str, dict[str, Any]] = {
    "sampler_type": {"enum": ["sample", "distill"], "description": "swift sample: sample (N completions per prompt "
                     "from --model, scored and filtered) or distill (a teacher's completions as SFT data)."},
    "sampler_engine": {"type": "string", "description": "swift sample: the engine that generates (pt, vllm ...; "
                       "default --infer_backend, else pt), or 'client': a running OpenAI-compatible server at "
                       "--base_url (a teacher for distill)."},
    "num_return_sequences": {"type": "integer", "minimum": 1, "description": "swift sample: completions per prompt "
                             "(default 4; distill 1). Several are sampled at --temperature, default 1.0."},
    "n_best_to_keep": {"type": "integer", "minimum": 1, "description": "swift sample: completions kept per prompt, "
                       "best first (default 1: best-of-N; distill: all); preference rows: pairs per prompt."},
    "orm_model": {"type": "string", "description": "swift sample: outcome reward: a reward plugin id "
                  "(`swift list rewards`), module:function, or a reward-model checkpoint folder."},
    "prm_model": {"type": "string", "description": "swift sample: process reward model checkpoint (a seq_cls/prm "
                  "folder) scoring each completion."},
    "prm_threshold": {"type": "number", "description": "swift sample: completions whose score (--orm_model's plus "
                      "--prm_model's) is below this are rejected."},
    "easy_query_threshold": {"type": "number", "minimum": 0, "maximum": 1, "description": "swift sample: drop a "
                             "prompt whose completions pass at more than this rate (too easy to teach anything)."},
    "output_file": {"type": "string", "description": "swift sample: the jsonl written under --output_dir (default "
                    "<sampler_type>.jsonl in sample_output/)."},
    "override_exist_file": {"type": "boolean", "description": "swift sample: replace an existing --output_file "
                            "(default: continue it, skipping the prompts it already holds)."},
    "num_sampling_batch_size": {"type": "integer", "minimum": 1, "description": "swift sample: prompts per batch."},
    "num_sampling_batches": {"type": "integer", "minimum": 1, "description": "swift sample: stop after this many "
                             "batches."},
    "data_range": {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2,
                   "description": "swift sample: [shard, shards]: sample only this shard of the prompts."},
    "engine_kwargs": {"type": "object", "description": "swift sample: extra arguments of the engine."},
    "cache_files": {**_STRS, "description": "swift sample: earlier outputs whose prompts are skipped."},
    "sample_format": {"enum": ["sft", "preference"], "description": "swift sample: the rows written: sft "
                      "({'messages'}: the kept completions) or preference ({'prompt', 'chosen', 'rejected'}: best vs "
                      "worst, for swift rlhf --rlhf_type dpo); default sft."},
}
CORE_PROPERTIES.update(SAMPLE_PROPERTIES)

# swift app / swift web-ui (ms-swift's AppArguments / WebUIArguments)
APP_PROPERTIES: dict[str, dict[str, Any]] = {
    "base_url": {"type": "string", "description": "swift app: chat with a running OpenAI-compatible server "
                 "(http://HOST:PORT/v1, e.g. swift deploy's) instead of loading a model; --model then names the "
                 "served model (default: the first the server lists), --api_key its key."},
    "studio_title": {"type": "string", "description": "swift app / web-ui: the page title."},
    "is_multimodal": {"type": "boolean", "description": "swift app: show image upload (default: the model's "
                      "modalities; off with --base_url)."},
    "lang": {"enum": ["en", "zh"], "description": "swift app / web-ui: page language (default en)."},
    "server_name": {"type": "string", "description": "swift app / web-ui: address to listen on (default 127.0.0.1)."},
    "server_port": {"type": "integer", "minimum": 0, "maximum": 65535, "description": "swift app / web-ui: port "
                    "(default 7860; 0: any free port)."},
    "share": {"type": "boolean", "description": "swift app / web-ui: a public gradio.live link (needs the network; "
              "refused offline)."},
}
CORE_PROPERTIES.update(APP_PROPERTIES)
