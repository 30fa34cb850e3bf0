"""The ``sglang`` engine (SGLang's offline ``sglang.Engine``): registration module.

Light: imports nothing heavy, and not SGLang. The engine is
:mod:`swiftkit.plugins.engines.sglang_engine`. SGLang needs an NVIDIA GPU (CUDA): install it
there with ``pip install sglang``.
"""

from __future__ import annotations

from swiftkit.core import EngineSpec, hookimpl
from swiftkit.core.options import SERVING, option_schema

SWIFTKIT_PLUGIN_API = "1.5"


def _opt(kind: str, text: str, default=None) -> dict:
    types = {"int": {"type": "integer", "minimum": 1}, "frac": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
             "str": {"type": "string", "minLength": 1}}
    if kind == "bool":
        return {"type": "boolean", "default": bool(default), "description": text}
    return {"anyOf": [types[kind], {"type": "null"}], "default": default, "description": text}


#: ms-swift's ``sglang_*`` flags -> the ``sglang.Engine`` (ServerArgs) keyword each one sets
SGLANG_FLAGS: dict[str, str] = {
    "sglang_tp_size": "tp_size",
    "sglang_pp_size": "pp_size",
    "sglang_dp_size": "dp_size",
    "sglang_ep_size": "ep_size",
    "sglang_enable_ep_moe": "enable_ep_moe",
    "sglang_mem_fraction_static": "mem_fraction_static",
    "sglang_context_length": "context_length",
    "sglang_disable_cuda_graph": "disable_cuda_graph",
    "sglang_quantization": "quantization",
    "sglang_kv_cache_dtype": "kv_cache_dtype",
    "sglang_enable_dp_attention": "enable_dp_attention",
    "sglang_disable_custom_all_reduce": "disable_custom_all_reduce",
    "sglang_speculative_algorithm": "speculative_algorithm",
    "sglang_speculative_num_steps": "speculative_num_steps",
    "sglang_speculative_eagle_topk": "speculative_eagle_topk",
    "sglang_speculative_num_draft_tokens": "speculative_num_draft_tokens",
}

SGLANG_OPTIONS = option_schema(SERVING, own={
    "sglang_tp_size": _opt("int", "SGLang: tensor-parallel size (tp_size). Null: --tensor_parallel_size."),
    "sglang_pp_size": _opt("int", "SGLang: pipeline-parallel size (pp_size). Null: SGLang's default (1)."),
    "sglang_dp_size": _opt("int", "SGLang: data-parallel size (dp_size). Null: SGLang's default (1)."),
    "sglang_ep_size": _opt("int", "SGLang: expert-parallel size (ep_size). Null: SGLang's default (1)."),
    "sglang_enable_ep_moe": _opt("bool", "SGLang: enable_ep_moe (expert-parallel MoE; removed in recent SGLang, "
                                 "passed only when true).", False),
    "sglang_mem_fraction_static": _opt("frac", "SGLang: share of GPU memory for weights and the KV cache pool "
                                       "(mem_fraction_static). Null: --gpu_memory_utilization, else SGLang's."),
    "sglang_context_length": _opt("int", "SGLang: the model's context length (context_length). Null: "
                                  "--max_model_len / --max_length, else config.json."),
    "sglang_disable_cuda_graph": _opt("bool", "SGLang: disable CUDA graphs (disable_cuda_graph).", False),
    "sglang_quantization": _opt("str", "SGLang: quantization method (quantization), e.g. fp8, awq. Null: none."),
    "sglang_kv_cache_dtype": {"type": "string", "minLength": 1, "default": "auto",
                              "description": "SGLang: KV cache dtype (kv_cache_dtype): auto (the model's), "
                              "fp8_e5m2, fp8_e4m3."},
    "sglang_enable_dp_attention": _opt("bool", "SGLang: data-parallel attention with tensor-parallel FFN "
                                       "(enable_dp_attention; dp size = tp size).", False),
    "sglang_disable_custom_all_reduce": _opt("bool", "SGLang: NCCL instead of the custom all-reduce kernel "
                                             "(disable_custom_all_reduce; on by default for stability, as ms-swift).",
                                             True),
    "sglang_speculative_algorithm": {"anyOf": [{"enum": ["EAGLE", "EAGLE3", "NEXTN", "STANDALONE", "NGRAM"]},
                                               {"type": "null"}], "default": None,
                                     "description": "SGLang: speculative decoding algorithm "
                                     "(speculative_algorithm). Null: off."},
    "sglang_speculative_num_steps": _opt("int", "SGLang: draft steps per speculative round (speculative_num_steps)."),
    "sglang_speculative_eagle_topk": _opt("int", "SGLang: tokens sampled from the draft model per step in EAGLE "
                                          "(speculative_eagle_topk)."),
    "sglang_speculative_num_draft_tokens": _opt("int", "SGLang: draft tokens per speculative round "
                                                "(speculative_num_draft_tokens)."),
})


@hookimpl
def swift_register_engines():
    return [
        EngineSpec(
            id="sglang",
            description="SGLang's offline engine: RadixAttention prefix caching and continuous batching "
            "(NVIDIA GPU). Streaming, LoRA adapters per request, logprobs.",
            options=SGLANG_OPTIONS,
            capabilities=["chat", "completion", "stream", "batch", "lora", "logprobs"],
            requires=["sglang", "gpu"],
            impl="swiftkit.plugins.engines.sglang_engine:SglangEngine",
        )
    ]
