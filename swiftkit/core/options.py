"""Option groups: run-config keys that several plugins share, published by the core.

Run-config keys are one flat namespace (``--lora_rank``, ``--beta``), so two plugins that both
take ``lora_rank`` must agree on what it accepts. Rather than copying a schema, a plugin builds
its option schema from the groups here, and a third-party LoRA variant takes exactly the
``lora`` tuner's keys::

    from swiftkit.core.options import LORA, option_schema

    options = option_schema(LORA, own={"my_knob": {"type": "number", "default": 1.0}},
                            defaults={"lora_rank": 16})

Everything here is plain data (JSON-Schema dicts) and stdlib functions: a registration module
may import it on the discovery path. Each group maps a key to its schema; take groups and keys
through :func:`option_schema`, which copies them, so that no plugin can change another's schema.

**When two definitions of a key agree** (:func:`option_difference`): the schemas must be equal
once the annotations that do not decide which values are valid are set aside: ``description``,
``title``, ``examples`` and ``default``. So a plugin may describe a shared key in its own words
and pick its own default (a LoRA variant defaulting to rank 16); anything else (type, bounds,
enum ...) must be identical, or discovery rejects the later plugin with a message naming both.
When the plugins of one run disagree on a default, the composed run schema carries none for that
key and each plugin applies its own (read options through :func:`option_value`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

Schema = dict[str, Any]

#: schema keywords that describe a key without changing which values validate
ANNOTATIONS = frozenset({"description", "title", "examples", "default"})

#: values of ``init_lora_weights`` that need no data or extra config (peft initialisers)
INIT_LORA_WEIGHTS = ("true", "false", "gaussian", "pissa", "olora", "orthogonal")
#: ``init_lora_weights`` values that initialise from the training data's gradients (LoRA-GA;
#: ms-swift spells it ``lora-ga``): the tuner does it when training starts
DATA_INIT_LORA_WEIGHTS = ("lora_ga", "lora-ga")

_NAMES = {"type": "array", "items": {"type": "string", "minLength": 1}}

# ------------------------------------------------------------------------------ the groups

#: the ``loss_type`` names of ms-swift's task objectives (embedding, reranker, generative_reranker),
#: accepted by the shared ``loss_type`` key next to :data:`LOSS_TYPES`; each task checks its own
TASK_LOSS_TYPES = ("contrastive", "cosine_similarity", "generative_reranker", "infonce", "listwise_generative_reranker",
                   "listwise_reranker", "reranker")

#: modules an adapter tuner adapts or trains in full (LoRA, VeRA, IA3, BOFT, OFT, AdaLoRA ...)
ADAPTER: dict[str, Schema] = {
    "target_modules": {
        "anyOf": [
            {"type": "string", "minLength": 1},
            {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
        ],
        "default": ["all-linear"],
        "description": "Module names (suffixes) to adapt. 'all-linear' means every linear layer "
        "except the output head (the default); 'default' means the model family's registered "
        "LoRA targets; both can be combined with explicit names. A single string that is not one "
        "of these keywords is a regular expression matched against full module names.",
    },
    "target_regex": {
        "type": ["string", "null"],
        "minLength": 1,
        "default": None,
        "description": "A regular expression over full module names choosing what to adapt; replaces "
        "target_modules (ms-swift's flag).",
    },
    "modules_to_save": {
        **_NAMES,
        "default": [],
        "description": "Modules trained in full and saved with the adapter (e.g. embed_tokens, lm_head).",
    },
}

#: the LoRA family (ms-swift's flags), in the ``lora`` tuner's order; includes :data:`ADAPTER`
LORA: dict[str, Schema] = {
    "lora_rank": {
        "type": "integer",
        "minimum": 1,
        "default": 8,
        "description": "Rank r of the low-rank update matrices.",
    },
    "lora_alpha": {
        "type": "integer",
        "minimum": 1,
        "default": 32,
        "description": "Scaling numerator: the update is scaled by lora_alpha / lora_rank "
        "(lora_alpha / sqrt(lora_rank) with use_rslora).",
    },
    "lora_dropout": {
        "type": "number",
        "minimum": 0,
        "exclusiveMaximum": 1,
        "default": 0.05,
        "description": "Dropout applied to the LoRA branch input.",
    },
    **ADAPTER,
    "target_parameters": {
        **_NAMES,
        "default": [],
        "description": "Parameters to adapt that no linear layer holds, as 'module.parameter' suffixes "
        "(peft's target_parameters), e.g. the fused expert weights of a mixture-of-experts model: "
        "'experts.gate_up_proj', 'experts.down_proj'. 'all-linear' in target_modules adds every fused "
        "expert weight by itself. peft adapts such parameters without dropout, so lora_dropout is 0 "
        "for a run that targets any.",
    },
    "lora_bias": {
        "enum": ["none", "all", "lora_only"],
        "default": "none",
        "description": "Which bias terms to train: none, all biases, or only those of adapted layers.",
    },
    "use_rslora": {
        "type": "boolean",
        "default": False,
        "description": "Rank-stabilised LoRA: scale by lora_alpha / sqrt(lora_rank).",
    },
    "use_dora": {
        "type": "boolean",
        "default": False,
        "description": "Weight-decomposed LoRA (DoRA): learn a magnitude vector as well.",
    },
    "lora_dtype": {
        "enum": ["float16", "bfloat16", "float32", None],
        "default": None,
        "description": "dtype of the LoRA weights (default: peft's choice, the adapted layer's dtype or float32).",
    },
    "init_lora_weights": {
        # a pattern rather than an enum, for the pissa_niter_<n> family; booleans pass too
        "type": ["string", "boolean"],
        "pattern": "^(" + "|".join((*INIT_LORA_WEIGHTS, *DATA_INIT_LORA_WEIGHTS)) + "|pissa_niter_[1-9][0-9]*)$",
        "default": "true",
        "description": "Initialisation of the adapter: 'true' (B=0, Kaiming A), 'false' (random, "
        "for tests), 'gaussian', 'pissa' / 'pissa_niter_<n>' (principal singular vectors), "
        "'olora' (QR), 'orthogonal', 'lora_ga' / 'lora-ga' (LoRA-GA: from the gradients of the full "
        "weights on the first training batches, when training starts; see the lora_ga_* options).",
    },
    "lora_ga_batch_size": {
        "type": "integer",
        "minimum": 1,
        "default": 2,
        "description": "LoRA-GA: rows per batch of the gradient estimate that initialises the adapters.",
    },
    "lora_ga_iters": {
        "type": "integer",
        "minimum": 1,
        "default": 2,
        "description": "LoRA-GA: batches the gradient estimate averages over (the first ones of the training data).",
    },
    "lora_ga_max_length": {
        "type": "integer",
        "minimum": 1,
        "default": 1024,
        "description": "LoRA-GA: tokens of each row the gradient estimate sees (longer rows are cut).",
    },
    "lora_ga_direction": {
        "enum": ["ArBr", "A2rBr", "ArB2r", "random"],
        "default": "ArB2r",
        "description": "LoRA-GA: which singular vectors of the estimated gradient initialise A and B.",
    },
    "lora_ga_scale": {
        "enum": ["gd", "unit", "stable", "weightS"],
        "default": "stable",
        "description": "LoRA-GA: scaling of the initial adapters (gd: as one gradient-descent step, unit: none, "
        "stable: by out_features^(1/4) / sqrt(lora_ga_stable_gamma), weightS: to the weight's top singular value).",
    },
    "lora_ga_stable_gamma": {
        "type": "integer",
        "minimum": 1,
        "default": 16,
        "description": "LoRA-GA: gamma of the 'stable' scaling.",
    },
}

#: prompt learning (prompt tuning, prefix tuning)
PROMPT_LEARNING: dict[str, Schema] = {
    "num_virtual_tokens": {
        "type": "integer",
        "minimum": 1,
        "default": 20,
        "description": "Number of virtual tokens learned (prompt tuning: prepended input "
        "embeddings; prefix tuning: key/value prefixes in every layer).",
    },
}

#: every ``loss_type`` a preference objective may accept (TRL's names); each objective checks
#: its own subset when it is created
LOSS_TYPES = ("apo_zero_unpaired", "bnpo", "dapo", "discopop", "dr_grpo", "grpo", "hinge", "ipo", "kto", "robust",
              "sigmoid", "simpo")

#: preference alignment (ms-swift's flags). Keys whose default differs per method default to
#: null; the objective fills in its own.
PREFERENCE: dict[str, Schema] = {
    "beta": {
        # ``minimum`` outside ``anyOf`` applies to numbers only (null passes) and gives a plain
        # "-1 is less than the minimum of 0" rather than "not valid under any of the given schemas"
        "anyOf": [{"type": "number"}, {"type": "null"}],
        "minimum": 0,
        "default": None,
        "description": "dpo, kto, cpo, simpo: temperature of the preference loss (> 0); orpo: lambda "
        "weight of the odds-ratio term (>= 0); gkd: interpolation of the generalized JSD, 0 forward "
        "KL to 1 reverse KL ([0, 1]); grpo: weight of the KL penalty (>= 0, 0: no reference). "
        "Null: 2.0 for simpo, 0.5 for gkd, 0.04 for grpo, 0.1 otherwise.",
    },
    "loss_type": {
        "anyOf": [{"enum": list(LOSS_TYPES + TASK_LOSS_TYPES)}, {"type": "null"}],
        "default": None,
        "description": "Variant of the preference loss. dpo: sigmoid (default), hinge, ipo, robust, discopop; "
        "kto: kto (default), apo_zero_unpaired; cpo: sigmoid (default), hinge, ipo, simpo; "
        "simpo: simpo (default), sigmoid, hinge, ipo; grpo (how token losses are averaged): grpo (default: "
        "per completion, then over completions), bnpo / dapo (over all tokens), dr_grpo (token sum / "
        "(completions * max_completion_length)). Null: the method's default.",
    },
    "label_smoothing": {
        "type": "number",
        "minimum": 0,
        "exclusiveMaximum": 0.5,
        "default": 0.0,
        "description": "Assumed probability that a preference label is flipped: dpo's sigmoid "
        "(conservative DPO) and robust losses, cpo and simpo's sigmoid and simpo losses.",
    },
    "rpo_alpha": {
        "anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}],
        "default": None,
        "description": "DPO only: weight of the SFT (negative log-likelihood) term on the chosen "
        "responses added to the loss (RPO). Null: no SFT term.",
    },
    "simpo_gamma": {
        "type": "number",
        "default": 1.0,
        "description": "SimPO's target reward margin gamma (used by loss_type simpo).",
    },
    "cpo_alpha": {
        "anyOf": [{"type": "number", "minimum": 0}, {"type": "null"}],
        "default": None,
        "description": "cpo and simpo: weight of the NLL term on the chosen responses. Null: 1.0 "
        "for cpo, 0.0 for simpo (set it for CPO-SimPO).",
    },
    "desirable_weight": {
        "type": "number",
        "exclusiveMinimum": 0,
        "default": 1.0,
        "description": "KTO: weight of the losses of desirable (label true) rows.",
    },
    "undesirable_weight": {
        "type": "number",
        "exclusiveMinimum": 0,
        "default": 1.0,
        "description": "KTO: weight of the losses of undesirable (label false) rows.",
    },
}

#: tasks beyond text generation (``--task_type``; ms-swift's flags). Each task objective takes the
#: keys that apply to it; ``loss_type`` comes from :data:`PREFERENCE`
TASKS: dict[str, Schema] = {
    "num_labels": {
        "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
        "default": None,
        "description": "seq_cls: the number of classes (outputs of the classification head); required for "
        "single- and multi-label classification, 1 for regression (the default when problem_type is regression).",
    },
    "problem_type": {
        "anyOf": [{"enum": ["regression", "single_label_classification", "multi_label_classification"]},
                  {"type": "null"}],
        "default": None,
        "description": "seq_cls: regression (MSE on a float label), single_label_classification (cross-entropy on "
        "an integer label) or multi_label_classification (BCE on a list of class indices). Null: regression when "
        "num_labels is 1, else single_label_classification (ms-swift's rule).",
    },
    "reranker_use_activation": {
        "type": "boolean",
        "default": True,
        "description": "reranker, generative_reranker (swift infer / deploy): pass the relevance score through a "
        "sigmoid, so it lies in [0, 1]; false gives the raw logit.",
    },
    "mrl_dims": {
        "type": ["array", "null"],  # not anyOf: the command line then reads `--mrl_dims 64 128` as a list of integers
        "items": {"type": "integer", "minimum": 1},
        "minItems": 1,
        "default": None,
        "description": "embedding: Matryoshka representation learning: the loss is averaged over the embedding "
        "truncated to each of these sizes (each prefix renormalised), so that a prefix alone embeds well "
        "(/v1/embeddings 'dimensions'). Null: the full embedding only.",
    },
}

#: sampling completions from the policy during training (online RL, on-policy distillation);
#: the temperature is the core ``--temperature``
ROLLOUT: dict[str, Schema] = {
    "max_completion_length": {
        "type": "integer",
        "minimum": 1,
        "default": 32,
        "description": "grpo, ppo, gkd (on-policy and seq_kd batches): most tokens sampled per completion.",
    },
    "min_p": {
        "type": "number",
        "minimum": 0,
        "maximum": 1,
        "default": 0.0,
        "description": "grpo, ppo, gkd: min-p sampling of the completions: tokens whose probability is below "
        "min_p times the most likely token's are not sampled (0: off).",
    },
}

#: the process group of a distributed run (transformers' ``TrainingArguments`` names)
DISTRIBUTED: dict[str, Schema] = {
    "ddp_backend": {
        "enum": ["gloo", "nccl", "mpi", "xccl", "hccl", None],
        "default": None,
        "description": "torch.distributed backend. Unset: gloo on CPU, nccl on CUDA GPUs.",
    },
    "ddp_timeout": {
        "type": "integer",
        "minimum": 1,
        "default": 18000000,
        "description": "Seconds a collective may wait for the other ranks (init_process_group timeout). "
        "ms-swift's default is effectively no limit, so that a long dataset preparation on rank 0 "
        "does not kill the ranks waiting for it; lower it to fail fast on a hung rank.",
    },
}

#: inference engines backed by a serving library (vLLM, SGLang, LMDeploy ...); take the keys
#: your engine has a knob for
SERVING: dict[str, Schema] = {
    "gpu_memory_utilization": {
        "type": ["number", "null"],
        "exclusiveMinimum": 0,
        "maximum": 1,
        "default": None,
        "description": "Share of accelerator memory the engine may take for weights and KV cache "
        "(vLLM: gpu_memory_utilization, on CPU the share of RAM; SGLang: mem_fraction_static; "
        "LMDeploy: cache_max_entry_count). Unset: the library's default.",
    },
    "tensor_parallel_size": {
        "type": "integer",
        "minimum": 1,
        "default": 1,
        "description": "GPUs one copy of the model is split over (tensor parallelism).",
    },
    "max_model_len": {
        "type": ["integer", "null"],
        "minimum": 1,
        "default": None,
        "description": "Longest prompt plus answer in tokens. Unset: --max_length, else the model's context length.",
    },
    "max_num_seqs": {
        "type": ["integer", "null"],
        "minimum": 1,
        "default": None,
        "description": "Most sequences the engine's scheduler decodes at once. Unset: the library's default.",
    },
    "enable_lora": {
        "type": ["boolean", "null"],
        "default": None,
        "description": "Start the engine able to serve LoRA adapters. Unset: on when adapters are added "
        "before the engine starts.",
    },
    "max_lora_rank": {
        "type": ["integer", "null"],
        "minimum": 1,
        "default": None,
        "description": "Largest LoRA rank the engine reserves room for. Unset: the largest rank among the "
        "adapters added before the engine starts, else the library's default.",
    },
}

#: vLLM's engine arguments under ms-swift's ``vllm_*`` names: the ``vllm`` engine (``swift infer`` /
#: ``deploy`` / ``rollout``) and the objectives that sample through vLLM (``--use_vllm``) take them.
#: A ``vllm_*`` key given wins over the un-prefixed SERVING key of the same meaning.
VLLM: dict[str, Schema] = {
    "vllm_gpu_memory_utilization": {
        "type": ["number", "null"], "exclusiveMinimum": 0, "maximum": 1, "default": None,
        "description": "vLLM's gpu_memory_utilization: share of accelerator memory (on CPU: of the KV-cache "
        "budget) vLLM may take. Unset: --gpu_memory_utilization, else vLLM's default (0.9).",
    },
    "vllm_tensor_parallel_size": {
        "type": ["integer", "null"], "minimum": 1, "default": None,
        "description": "vLLM's tensor_parallel_size. Unset: --tensor_parallel_size (1).",
    },
    "vllm_max_num_seqs": {
        "type": ["integer", "null"], "minimum": 1, "default": None,
        "description": "vLLM's max_num_seqs: most sequences decoded at once. Unset: vLLM's default.",
    },
    "vllm_max_model_len": {
        "type": ["integer", "null"], "minimum": 1, "default": None,
        "description": "vLLM's max_model_len: longest prompt + completion. Unset: --max_model_len, --max_length, "
        "else the model's context length.",
    },
    "vllm_enforce_eager": {
        "type": ["boolean", "null"], "default": None,
        "description": "vLLM's enforce_eager: no CUDA graphs / torch.compile. Unset: --enforce_eager (false).",
    },
    "vllm_enable_prefix_caching": {
        "type": ["boolean", "null"], "default": None,
        "description": "vLLM's enable_prefix_caching (the prompt's KV cache reused across requests; GRPO's "
        "num_generations completions share one prompt). Unset: vLLM's default (on).",
    },
    "vllm_enable_lora": {
        "type": ["boolean", "null"], "default": None,
        "description": "Start vLLM able to serve LoRA adapters. With --use_vllm and a LoRA tuner: the rollout "
        "engine receives the adapter (vLLM's LoRA) instead of merged weights. Unset: --enable_lora.",
    },
    "vllm_max_lora_rank": {
        "type": ["integer", "null"], "minimum": 1, "default": None,
        "description": "vLLM's max_lora_rank. Unset: --max_lora_rank, else the adapters' largest rank.",
    },
    "vllm_quantization": {
        "type": ["string", "null"], "default": None,
        "description": "vLLM's quantization method for the served weights (awq, gptq, fp8 ...). Unset: the "
        "checkpoint's own.",
    },
    "vllm_disable_custom_all_reduce": {
        "type": ["boolean", "null"], "default": None,
        "description": "vLLM's disable_custom_all_reduce (multi-GPU tensor parallel). Unset: vLLM's default.",
    },
    "vllm_disable_cascade_attn": {
        "type": ["boolean", "null"], "default": None,
        "description": "vLLM's disable_cascade_attn. Unset: vLLM's default.",
    },
    "vllm_limit_mm_per_prompt": {
        "anyOf": [{"type": "object"}, {"type": "string"}, {"type": "null"}], "default": None,
        "description": "vLLM's limit_mm_per_prompt (a mapping or its JSON text, e.g. '{\"image\": 2}').",
    },
    "vllm_mm_processor_cache_gb": {
        "type": ["number", "null"], "minimum": 0, "default": None,
        "description": "vLLM's mm_processor_cache_gb (multimodal processor cache). Unset: vLLM's default.",
    },
    "vllm_use_async_engine": {
        "type": ["boolean", "null"], "default": None,
        "description": "swift infer / deploy: true serves through vLLM's async engine, false through vllm.LLM "
        "(the same as --vllm_mode async / offline). Unset: --vllm_mode decides.",
    },
    "vllm_engine_kwargs": {
        "anyOf": [{"type": "object"}, {"type": "string"}, {"type": "null"}], "default": None,
        "description": "More vLLM engine arguments, a mapping or its JSON text; they override the ones above.",
    },
}

#: ``--vllm_mode``: the ``vllm`` engine's modes (auto, offline, async) and the rollout modes of
#: the objectives that sample through vLLM (colocate, server); each plugin checks its own
#: subset, so the key has one schema however many plugins take it
VLLM_MODE: dict[str, Schema] = {
    "vllm_mode": {
        "enum": ["auto", "offline", "async", "colocate", "server"],
        "default": "auto",
        "description": "swift infer / deploy (engine vllm): auto, offline (vllm.LLM) or async (vLLM's async "
        "engine). Online RL with --use_vllm: colocate (a vLLM engine in the trainer's process) or server "
        "(a `swift rollout` server at --vllm_server_host/--vllm_server_port).",
    },
}

#: online RL sampling through vLLM (grpo, gkd): ms-swift's GRPO flags; the engine itself takes
#: :data:`VLLM` and :data:`VLLM_MODE` (default ``colocate`` for these objectives)
VLLM_ROLLOUT: dict[str, Schema] = {
    "use_vllm": {
        "type": "boolean", "default": False,
        "description": "grpo, gkd: sample completions with vLLM (--vllm_mode colocate or server) instead of the "
        "pt engine over the policy; the policy's weights are loaded into vLLM after each optimizer step.",
    },
    "vllm_server_host": {
        "anyOf": [{"type": "string", "minLength": 1}, {"type": "array", "items": {"type": "string"}, "maxItems": 1},
                  {"type": "null"}],
        "default": None,
        "description": "--vllm_mode server: host of the `swift rollout` server (default 127.0.0.1).",
    },
    "vllm_server_port": {
        "anyOf": [{"type": "integer", "minimum": 1, "maximum": 65535},
                  {"type": "array", "items": {"type": "integer"}, "maxItems": 1}],
        "default": 8000,
        "description": "--vllm_mode server: port of the `swift rollout` server.",
    },
    "vllm_server_base_url": {
        "anyOf": [{"type": "string", "minLength": 1}, {"type": "array", "items": {"type": "string"}, "maxItems": 1},
                  {"type": "null"}],
        "default": None,
        "description": "--vllm_mode server: the server's base URL (http://host:port); overrides host and port.",
    },
    "vllm_server_timeout": {
        "type": "number", "exclusiveMinimum": 0, "default": 240,
        "description": "--vllm_mode server: seconds to wait for the server to answer /health before training starts.",
    },
    "sleep_level": {
        "type": "integer", "minimum": 0, "maximum": 2, "default": 0,
        "description": "--vllm_mode colocate: release vLLM's memory while the trainer steps (vLLM sleep mode; "
        "1: weights offloaded and KV cache freed, 2: both freed). 0: vLLM keeps its memory. Needs CUDA.",
    },
    "offload_model": {
        "type": "boolean", "default": False,
        "description": "--vllm_mode colocate: move the policy to CPU memory while vLLM samples (an accelerator "
        "run: frees its memory for vLLM), and back before the loss.",
    },
    "move_model_batches": {
        "type": ["integer", "null"], "minimum": 1, "default": None,
        "description": "Send the weights to vLLM in this many batches (whole decoder layers each: less memory "
        "held at once). Unset: one batch for colocate; buffers of about 64 MiB for server.",
    },
    "enable_flattened_weight_sync": {
        "type": "boolean", "default": True,
        "description": "--vllm_mode server: send the weights as flat buffers of about 64 MiB (or "
        "--move_model_batches batches), one HTTP request each; false: one request per decoder layer.",
    },
    "ds3_gather_for_generation": {
        "type": "boolean", "default": True,
        "description": "DeepSpeed ZeRO-3: gather each sharded parameter when loading weights into vLLM. false is "
        "refused with --use_vllm (vLLM needs whole weights).",
    },
}

#: weight quantization: QLoRA's base while it loads, and `swift export`'s quantization methods
QUANTIZATION: dict[str, Schema] = {
    "quant_bits": {
        "type": "integer", "enum": [4, 8], "default": 4,
        "description": "Bits of the quantized weights: 4 (bitsandbytes nf4/fp4; GPTQ/AWQ W4A16) or 8 (LLM.int8; "
        "GPTQ/AWQ W8A16; fp8 and w8a8 are always 8-bit).",
    },
    "bnb_4bit_quant_type": {
        "enum": ["nf4", "fp4"], "default": "nf4",
        "description": "bitsandbytes 4-bit data type: nf4 (NormalFloat, QLoRA's) or fp4.",
    },
    "bnb_4bit_compute_dtype": {
        "enum": ["auto", "float32", "bfloat16", "float16"], "default": "auto",
        "description": "dtype the bitsandbytes 4-bit layers compute in. auto: training: the run's torch_dtype when "
        "the trainer passes it, else bfloat16 on a GPU that supports it, float16 on other GPUs, float32 on CPU; "
        "export: the source's torch_dtype when it is bfloat16/float16, else float32.",
    },
    "bnb_4bit_use_double_quant": {
        "type": "boolean", "default": True,
        "description": "Quantize the bitsandbytes quantization constants too (about 0.4 bits per weight saved).",
    },
    "bnb_4bit_quant_storage": {
        "enum": ["uint8", "bfloat16", "float16", "float32"], "default": "uint8",
        "description": "Storage dtype of the packed 4-bit weights; set it to the compute dtype for FSDP / DeepSpeed "
        "ZeRO-3, which shard by dtype.",
    },
}

#: every published group by name
GROUPS: dict[str, dict[str, Schema]] = {
    "adapter": ADAPTER,
    "lora": LORA,
    "prompt_learning": PROMPT_LEARNING,
    "preference": PREFERENCE,
    "rollout": ROLLOUT,
    "distributed": DISTRIBUTED,
    "serving": SERVING,
    "tasks": TASKS,
    "vllm": VLLM,
    "vllm_mode": VLLM_MODE,
    "vllm_rollout": VLLM_ROLLOUT,
    "quantization": QUANTIZATION,
}

#: every shared key -> its schema (a key belongs to one definition, whatever groups list it)
SHARED: dict[str, Schema] = {key: schema for group in GROUPS.values() for key, schema in group.items()}


# ------------------------------------------------------------------------------ building schemas


def option(key: str) -> Schema:
    """A fresh copy of the shared schema of run-config key ``key``."""
    try:
        return copy.deepcopy(SHARED[key])
    except KeyError:
        raise KeyError(f"{key!r} is not a shared option; shared: {', '.join(sorted(SHARED))}") from None


def option_schema(
    *picks: Mapping[str, Schema] | str,
    own: Mapping[str, Schema] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Schema:
    """An option schema (``{"type": "object", "properties": ...}``) for a spec's ``options``.

    ``picks`` are groups (:data:`LORA` ...) or single shared keys (``"target_modules"``), taken
    in order; ``own`` adds the plugin's own keys, which may not reuse a shared key (take it
    from its group instead); ``defaults`` changes the default of picked keys, the one
    difference from the shared schema that stays compatible.
    """
    return {"type": "object", "properties": option_properties(*picks, own=own, defaults=defaults)}


def option_properties(
    *picks: Mapping[str, Schema] | str,
    own: Mapping[str, Schema] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, Schema]:
    """The ``properties`` of :func:`option_schema` (to splice into a schema written out)."""
    props: dict[str, Schema] = {}
    for pick in picks:
        if isinstance(pick, str):
            props[pick] = option(pick)
        else:
            props.update(copy.deepcopy(dict(pick)))
    clash = sorted(set(own or {}) & set(SHARED))
    if clash:
        raise ValueError(f"option(s) {', '.join(clash)} are shared: take them from swiftkit.core.options, not a copy")
    props.update(copy.deepcopy(dict(own or {})))
    for key, value in (defaults or {}).items():
        if key not in props:
            raise KeyError(f"default for {key!r}, which is not among the picked options")
        props[key]["default"] = copy.deepcopy(value)
    return props


# ------------------------------------------------------------------------------ reading values


def _properties(spec: Any) -> Mapping[str, Schema]:
    options = spec.get("options") if isinstance(spec, Mapping) else getattr(spec, "options", None)
    return (options or {}).get("properties") or {}


def option_value(options: Mapping[str, Any] | None, spec: Any, key: str, fallback: Any = None) -> Any:
    """``options[key]`` unless missing or null, else the default in ``spec``'s option schema
    (a spec object or its dict), else ``fallback``."""
    value = (options or {}).get(key)
    if value is None:
        value = copy.deepcopy(_properties(spec).get(key, {}).get("default"))
    return fallback if value is None else value


def option_values(spec: Any, options: Mapping[str, Any] | None) -> dict[str, Any]:
    """Every key of ``spec``'s option schema with its value from ``options`` (the run
    config), or its schema default; keys with neither are left out."""
    out: dict[str, Any] = {}
    for key, schema in _properties(spec).items():
        if (options or {}).get(key) is not None:
            out[key] = options[key]  # type: ignore[index]
        elif "default" in schema:
            out[key] = copy.deepcopy(schema["default"])
    return out


# ------------------------------------------------------------------------------ agreement


def _essential(schema: Schema) -> Schema:
    return {k: v for k, v in schema.items() if k not in ANNOTATIONS}


def option_difference(first: Schema, second: Schema) -> str | None:
    """``None`` when two definitions of one key agree (equal but for :data:`ANNOTATIONS`);
    else what differs, as ``"minimum: 1 vs 4"`` (first vs second)."""
    a, b = _essential(first), _essential(second)
    if a == b:
        return None
    keys = sorted(k for k in set(a) | set(b) if a.get(k, _ABSENT) != b.get(k, _ABSENT))
    return "; ".join(f"{k}: {_short(a.get(k, _ABSENT))} vs {_short(b.get(k, _ABSENT))}" for k in keys)


_ABSENT = object()


def _short(value: Any) -> str:
    text = "(none)" if value is _ABSENT else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def option_clash(key: str, schema: Schema, where: str, owners: Mapping[str, tuple[Schema, str]]) -> str | None:
    """Why plugin option ``key`` (``schema``, contributed by ``where``) may not join the
    run-config namespace, or ``None``: it redefines a core key, or ``owners`` (key ->
    (schema, who)) holds a definition it disagrees with. Discovery and schema composition
    both ask this, so a plugin rejected by one is rejected by the other."""
    from swiftkit.core.run_keys import CORE_PROPERTIES

    if key in CORE_PROPERTIES:
        return f"option {key!r} of {where} redefines a core option"
    if key in owners:
        other, who = owners[key]
        diff = option_difference(other, schema)
        if diff:
            return f"option {key!r} is defined differently by {who} and by {where} ({diff})"
    return None
