"""Memory per device of one training step, term by term.

:func:`estimate_memory` models what a swiftkit run actually allocates (transformers model,
peft tuners, ``torch.optim.AdamW``, the objective's cross-entropy, the Trainer's gradient
checkpointing, DeepSpeed / FSDP sharding). Every term is in bytes *per device*; the symbols
used in the docstrings below are:

``P``   parameters of the model; ``P_t`` the trainable ones (all of them, or LoRA's);
``N``   devices the run shards over (``world_size``);
``b``   bytes of the compute dtype (2 for bfloat16 / float16, 4 for float32);
``T``   tokens per device and step (``batch_size * seq_len``);
``h, L, V, I, a`` hidden size, layers, vocabulary, feed-forward width, attention heads;
``q, kv`` widths of the query and the key/value projections (heads x head_dim).

The peak is not the sum of the terms: gradients are freed by ``zero_grad(set_to_none=True)``
before the next forward, so (except under DeepSpeed, whose gradient buffers persist) they
never coexist with a full set of activations. See :func:`estimate_memory` for the total.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from swiftkit.core.errors import SwiftkitError
from swiftkit.resources.profiles import (
    DEFAULT_RANK,
    StrategyProfile,
    TunerProfile,
    strategy_profile,
    tuner_profile,
)
from swiftkit.resources.shape import ModelShape

if TYPE_CHECKING:
    from swiftkit.core.registry import Registry

GiB = 2**30

DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}
#: values of a quantized tuner's upcast option (``trains.quantized.upcast_option``): which
#: unquantized weights of the base are float32, the norms only or all of them
UPCAST = ("norms", "all")

#: CUDA context, cuBLAS/cuDNN workspaces and the caching allocator's first blocks (measured
#: as the difference between ``nvidia-smi`` and ``torch.cuda.max_memory_allocated``)
CUDA_CONTEXT_BYTES = 1 * GiB
#: what PyTorch's caching allocator reserves beyond what it hands out, as a share of the peak
#: allocated; 5 % closes the gap between this estimate and ms-swift's measured 76 GiB for
#: full fine-tuning of a 7B model on one GPU (examples/train/full/train.sh)
ALLOCATOR_SLACK = 0.05
#: NCCL communicator buffers per device when more than one device takes part
NCCL_BYTES = GiB // 2
#: DeepSpeed ZeRO-1/2 ``allgather_bucket_size`` + ``reduce_bucket_size`` (2e8 elements each,
#: the values of ms-swift's and DeepSpeed's example configs), in the compute dtype
DS_BUCKET_ELEMENTS = 2 * 200_000_000

#: how :func:`estimate_memory` combines the terms into the peak, for the outputs
TOTAL_FORMULA = (
    "weights + optimizer + overhead + the largest of: activations + logits (loss backward), "
    "activations + gradients (layer backward), gradients + step buffers (optimizer step)"
)

#: DeepSpeed ZeRO-3 ``stage3_max_live_parameters`` (its default, and ms-swift's): gathered
#: parameters kept on the device before they are released
DS_MAX_LIVE_PARAMETERS = 1_000_000_000

TERM_TITLES = {
    "weights": "weights",
    "gradients": "gradients",
    "optimizer": "optimizer states",
    "activations": "activations",
    "logits": "logits + loss",
    "step": "optimizer step buffers",
    "overhead": "framework overhead",
}


@dataclass
class Estimate:
    """Bytes per device, by term, and the peak (``total``)."""

    terms: dict[str, int]
    total: int
    formulas: dict[str, str]
    inputs: dict[str, Any]
    details: dict[str, int] = field(default_factory=dict)
    host_bytes: int = 0
    notes: list[str] = field(default_factory=list)
    approximate: bool = False

    def gib(self, term: str | None = None) -> float:
        return (self.total if term is None else self.terms[term]) / GiB

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["terms_gib"] = {k: round(v / GiB, 3) for k, v in self.terms.items()}
        out["total_gib"] = round(self.total / GiB, 3)
        out["host_gib"] = round(self.host_bytes / GiB, 3)
        return out


def _gb(n: float) -> str:
    return f"{n / GiB:.2f} GiB"


def _params(n: float) -> str:
    return f"{n / 1e9:.2f}B" if n >= 1e9 else f"{n / 1e6:.1f}M"


def quantized_bytes_per_param(bits: int = 4, double_quant: bool = True) -> float:
    """Bytes per weight of a bitsandbytes-quantized linear layer.

    4-bit (nf4/fp4): half a byte per weight plus one absmax constant per block of 64 weights:
    fp32 (4 bytes / 64 = 0.0625 byte) or, with double quantization, 8-bit constants plus one fp32
    second-level constant per 256 blocks (1/64 + 4/(64*256) = 0.0159 byte) — the QLoRA paper's
    0.5 -> 0.127 bits per parameter. 8-bit (LLM.int8): one byte plus an fp32 scale per row
    (negligible).
    """
    if bits == 8:
        return 1.0
    return 0.5 + (1 / 64 + 4 / (64 * 256) if double_quant else 4 / 64)


def activation_bytes_per_token(
    shape: ModelShape,
    *,
    tuner: str | TunerProfile,
    b: int,
    lora_rank: int = 8,
    lora_dropout: float = 0.05,
    lora_input_bytes: int | None = None,
    dropout_mask_bytes: int = 1,
    kv_repeat: bool = False,
    attn_impl: str = "sdpa",
    seq_len: int = 0,
) -> int:
    """Bytes one decoder layer keeps for the backward pass, per token.

    Counted from what autograd saves in transformers' Llama-style decoder layer (checked
    tensor by tensor on Qwen2, see ``tests/test_recommend.py``):

    * each RMSNorm: its input upcast to fp32 (``4h``), the normalised value (``b*h``, only when
      the norm weight is trained) and its output, the next linear layer's input (``b*h``, only
      when that layer's weight is trained: a frozen layer needs no input to pass the gradient);
      ``tuner`` (a :class:`~swiftkit.resources.profiles.TunerProfile` or a registered tuner's
      name) says which weights train;
    * attention (sdpa / flash kernels, no ``s^2`` matrix): rotated q and k, v and the output
      (``b*(2q + 2kv)``; ``2q`` instead of ``2kv`` when a padding mask makes transformers repeat
      the key/value heads) and the fp32 log-sum-exp (``4a``); eager attention also keeps the
      fp32 softmax (and its cast) ``a*s*(4 + b)`` and no log-sum-exp;
    * the SwiGLU MLP: gate, SiLU(gate), up and their product (``4*b*I``; the product only when
      ``down_proj`` is trained, so ``3*b*I`` under LoRA); an MoE layer runs this for each of its
      ``k`` active experts (plus the shared expert), and keeps the router logits;
    * LoRA adds, per adapted linear of input width ``d``: the dropout mask (when
      ``lora_dropout > 0``: ``dropout_mask_bytes`` x ``d``, a bool on a GPU, whose fused
      kernel saves a bool mask, and the input's dtype on a CPU, which multiplies by a float
      mask), the adapter's input copy (``d`` x ``lora_input_bytes``: the compute dtype under
      autocast on a GPU, the adapters' fp32 on a CPU) and ``lora_A``'s output (``b*r``).
    """
    prof = tuner if isinstance(tuner, TunerProfile) else tuner_profile(tuner)
    h, q, kv, a = shape.hidden_size, shape.q_dim, shape.kv_dim, shape.num_attention_heads
    full = prof.trains_base_linears
    lb = b if lora_input_bytes is None else lora_input_bytes
    norm = 4 * h + (b * h if prof.trains_norms else 0) + (b * h if full else 0)
    kv_saved = q if kv_repeat else kv
    if attn_impl == "eager":
        attn = b * (2 * q + 2 * kv_saved) + a * seq_len * (4 + (b if b < 4 else 0))
    else:
        attn = b * (2 * q + 2 * kv_saved) + 4 * a
    if shape.is_moe:
        inter = shape.moe_intermediate_size or shape.intermediate_size
        k = max(shape.num_experts_per_tok, 1)
        mlp = (4 if full else 3) * b * (k * inter + shape.shared_expert_intermediate_size) + 4 * shape.num_experts
    else:
        mlp = (4 if full else 3) * b * shape.intermediate_size
    lora = 0
    if prof.adapters:
        mask = dropout_mask_bytes if lora_dropout > 0 else 0
        for _, d_in, _, copies in shape.linears():
            # an MoE expert sees only its share of the tokens: k of num_experts
            share = min(shape.num_experts_per_tok, copies) if copies > 1 else 1
            lora += share * ((lb + mask) * d_in + b * lora_rank)
    return 2 * norm + attn + mlp + lora


def estimate_memory(
    shape: ModelShape,
    *,
    tuner: str | TunerProfile = "lora",
    lora_rank: int = DEFAULT_RANK,
    lora_dropout: float = 0.05,
    quant_bits: int = 4,
    double_quant: bool = True,
    dtype: str = "bfloat16",
    optimizer: str = "adamw",
    seq_len: int = 2048,
    batch_size: int = 1,
    gradient_checkpointing: bool = False,
    strategy: str | StrategyProfile = "none",
    world_size: int = 1,
    device: str = "cuda",
    attn_impl: str = "sdpa",
    trainable_fraction: float = 1.0,
    qlora_upcast: str = "norms",
    registry: Registry | None = None,
    freeze_vit: bool = True,
    freeze_aligner: bool = True,
    freeze_llm: bool = False,
) -> Estimate:
    """Peak memory per device of one training step.

    ``tuner`` is a registered tuner (or its :class:`~swiftkit.resources.profiles.TunerProfile`),
    modelled by what its spec's ``trains`` says: every weight (``full``), ``trainable_fraction``
    of them (``freeze``), the norms only, or rank-``lora_rank`` adapters on every linear layer
    with the base frozen (``lora``), the base possibly quantized to ``quant_bits`` bits by
    bitsandbytes (``qlora``; ``qlora_upcast`` is the value of the tuner's upcast option,
    :data:`UPCAST`). ``dtype`` is the run's ``torch_dtype``; ``strategy`` a strategy preset
    (``none``, ``ddp``, ``zero3``, ``fsdp`` ...: the ``presets`` of the strategy plugins' specs)
    or its :class:`~swiftkit.resources.profiles.StrategyProfile`, over ``world_size`` devices;
    ``device`` ``"cuda"`` (a GPU run: autocast, foreach AdamW, CUDA context) or ``"cpu"``.
    ``registry`` resolves the names (the installed plugins when None). A multimodal shape's vision
    tower and aligner are weights like the rest; ``freeze_vit`` / ``freeze_aligner`` /
    ``freeze_llm`` (ms-swift's flags and defaults) say which parts train: LoRA adapts the linear
    layers of the unfrozen parts, full fine-tuning trains their weights.

    Below, "DeepSpeed" stands for a preset of ``memory_model`` ``zero`` (ZeRO-1/2/3 for what
    its ``shards`` says), "FSDP" for ``fsdp``, "DDP" for ``replicated`` under a strategy.

    Terms (bytes per device):

    * **weights** — without sharding (``none``/``ddp``) the model is loaded in ``dtype`` (``b*P``);
      float16 training keeps fp32 weights (``4P``: the Trainer's gradient scaler refuses fp16
      weights). LoRA adapters are fp32 (peft upcasts them): ``4*P_t``. QLoRA stores linear
      weights in :func:`quantized_bytes_per_param`, the norm weights in fp32 and the embeddings
      and head in ``b`` bytes (``qlora_upcast="norms"``, the tuner's default); with
      ``qlora_upcast="all"`` (peft's ``prepare_model_for_kbit_training``) every unquantized
      weight, embeddings and head included, in fp32. DeepSpeed keeps ``b`` bytes per weight,
      divided by ``N`` under ZeRO-3; FSDP (accelerate upcasts sharded weights to fp32)
      ``4P/N``. Both add the gathered working set in ``b`` bytes: ZeRO-3 keeps up to
      ``stage3_max_live_parameters`` (1e9) gathered, or the embedding / head when larger; FSDP
      keeps its root unit (embedding and head) gathered plus two layers. ZeRO-3-offload keeps only that working set on the device, ZeRO-2-offload
      the ``b``-byte weights.
    * **gradients** — one per trainable weight, in its dtype (``b*P_t``; fp32 for LoRA);
      DeepSpeed: ``b`` bytes, divided by ``N`` from ZeRO-2; FSDP: ``4*P_t/N``; offload: 0.
    * **optimizer states** — AdamW's two moments. ``torch.optim.AdamW`` keeps them in the
      weight's dtype (``2*b*P_t``: ``4P_t`` in bf16, ``8P_t`` for fp32 LoRA adapters);
      DeepSpeed keeps fp32 master weights and moments (``12*P_t``, the ZeRO paper's K=12),
      divided by ``N`` from ZeRO-1; FSDP ``8*P_t/N``; offload: 0 (host memory instead).
    * **activations** — what the forward pass keeps: :func:`activation_bytes_per_token` x
      ``L*T`` plus the final norm; with gradient checkpointing only each layer's input
      (``b*h*T*L``; fp32 under QLoRA with ``qlora_upcast="all"``, whose embeddings are fp32).
      Batches of more than one row carry a padding mask (``B*s^2`` bytes), and sdpa then gets
      repeated k/v heads. Added to that during the backward pass: one layer recomputed (with
      checkpointing) and the gradients of a layer's MLP intermediates (``2*b*I*T``).
    * **logits + loss** — the objective upcasts the logits to fp32 for the cross-entropy;
      at the log-softmax backward the fp32 log-probabilities, their gradient and the logits'
      gradient coexist: ``12*V*T``. (QLoRA with ``qlora_upcast="all"`` on a GPU adds the bf16
      autocast copy of the fp32 head, ``2*V*h``.)
    * **optimizer step buffers** — ``torch.optim.AdamW``'s foreach implementation (the GPU
      default) allocates one temporary the size of all trainable weights; the per-tensor CPU
      implementation two the size of the largest; DeepSpeed's fused optimizers none.
    * **framework overhead** — CUDA context and workspaces (1 GiB), NCCL buffers (0.5 GiB) for
      more than one device, DDP's gradient buckets (a copy of the gradients), DeepSpeed's
      ZeRO-1/2 communication buckets, and the caching allocator's slack (5 % of the rest);
      0 on a CPU.

    **total** (the peak) = weights + optimizer states + overhead (+ gradients under DeepSpeed,
    whose buffers persist) + the largest of three moments, which do not coincide:

    1. the loss's backward: activations kept + logits;
    2. a layer's backward: the larger of (activations kept + the head's gradient) and
       (gradients + the last layer's activations), plus the recomputed layer and the MLP
       gradients — while gradients appear layer by layer, activations are freed;
    3. the optimizer step: gradients + step buffers.

    Measured against training steps on CPU (``tests/test_recommend.py``), the terms are within
    2 % and the peak within 5 %.
    """
    try:
        tp = tuner if isinstance(tuner, TunerProfile) else tuner_profile(tuner, registry)
        sp = strategy if isinstance(strategy, StrategyProfile) else strategy_profile(strategy, registry)
    except SwiftkitError as exc:
        raise SwiftkitError(f"estimate_memory: {exc}") from exc
    if dtype not in DTYPE_BYTES:
        raise SwiftkitError(f"estimate_memory: unknown dtype {dtype!r}; choose from {', '.join(DTYPE_BYTES)}")
    if qlora_upcast not in UPCAST:
        key = tp.option("upcast") or "qlora_upcast"
        raise SwiftkitError(f"estimate_memory: unknown {key} {qlora_upcast!r}; choose from {', '.join(UPCAST)}")
    if optimizer != "adamw":
        raise SwiftkitError(f"estimate_memory: only the adamw optimizer is modelled, not {optimizer!r}")
    cuda = device != "cpu"
    n = max(int(world_size), 1) if sp.distributed else 1
    b = DTYPE_BYTES[dtype]
    tokens = batch_size * seq_len
    s = shape
    P = s.num_params()
    zero = sp.memory_model == "zero"
    stage = sp.stage if zero else 0
    fsdp = sp.memory_model == "fsdp"
    offload = sp.offload
    adapters = tp.adapters
    quantized = tp.quantized is not None
    fp32_base = quantized and qlora_upcast == "all"  # embeddings, head, norms in fp32
    notes: list[str] = []
    formulas: dict[str, str] = {}
    mm = s.vision_params + s.aligner_params
    if mm:
        notes.append(f"vision tower {_params(s.vision_params)} ({'frozen' if freeze_vit else 'trains'}) and aligner "
                     f"{_params(s.aligner_params)} ({'frozen' if freeze_aligner else 'trains'}) counted as weights; "
                     "the vision tower's activations per image are not modelled")
    if not tp.declared:
        notes.append(f"tuner {tp.id!r} declares no `trains` metadata: estimated like rank-{lora_rank} LoRA adapters")

    # -- what is trainable, and in which dtype ---------------------------------------------------
    if adapters:
        P_t = (0 if freeze_llm else s.lora_params(lora_rank)) \
            + (0 if freeze_vit else s.vision_lora_params(lora_rank)) \
            + (0 if freeze_aligner else s.aligner_lora_params(lora_rank))
        frozen = P
        t_bytes = 4  # peft keeps adapters in fp32 (autocast_adapter_dtype)
    else:
        if tp.weights == "norms":
            P_t = s.norm_params
        else:
            # the parts a multimodal run freezes never train
            parts = (0 if freeze_llm else P - mm) + (0 if freeze_vit else s.vision_params) \
                + (0 if freeze_aligner else s.aligner_params)
            P_t = int(parts * (trainable_fraction if tp.weights == "fraction" else 1.0))
        frozen = P - P_t
        # fp16 weights cannot be trained with the gradient scaler: fp16 runs keep fp32 weights
        t_bytes = 4 if dtype == "float16" else b

    # -- frozen base bytes (unsharded) -----------------------------------------------------------
    if quantized:
        linear = s.num_hidden_layers * s.linear_params_per_layer()
        other = P - linear
        qbytes = quantized_bytes_per_param(quant_bits, double_quant)
        if fp32_base:
            base = linear * qbytes + other * 4
            base_formula = f"{qbytes:.3f} B x {_params(linear)} quantized + 4 B x {_params(other)} fp32 (embeddings, head, norms)"
        else:
            norms = s.norm_params
            base = linear * qbytes + (other - norms) * b + norms * 4
            base_formula = (f"{qbytes:.3f} B x {_params(linear)} quantized + {b} B x {_params(other - norms)} "
                            f"(embeddings, head) + 4 B x {_params(norms)} fp32 norms")
    else:
        fb = 4 if fsdp else b
        base = frozen * fb
        base_formula = f"{fb} B x {_params(frozen)}" if frozen else ""

    # -- model states per device -----------------------------------------------------------------
    working = 0
    if zero and stage == 3:  # gathered modules stay live up to stage3_max_live_parameters (1e9 by default)
        working = b * max(s.embedding_params, s.head_params, min(P, DS_MAX_LIVE_PARAMETERS))
    elif fsdp:  # the root unit (embedding, head) stays gathered; a layer and the prefetched next
        working = b * (s.embedding_params + s.head_params + 2 * s.layer_params())
    if offload:
        weights = working if stage == 3 else base + b * P_t
        grads = 0
        optim = 0
        w_f = (f"gathered working set {b} B x max(embedding, head, 1e9 live parameters); the rest on the host"
               if stage == 3 else f"{base_formula or '0'} + {b} B x {_params(P_t)} trainable")
        g_f = "on the host"
        o_f = "on the host"
    elif zero:
        shard_w = n if stage == 3 else 1
        weights = (base + b * P_t) / shard_w + working
        grads = b * P_t / (n if stage >= 2 else 1)
        optim = 12 * P_t / (n if stage >= 1 else 1)
        w_f = f"({base_formula or '0'} + {b} B x {_params(P_t)} trainable){f' / {n}' if shard_w > 1 else ''}"
        if working:
            w_f += " + gathered working set"
        g_f = f"{b} B x {_params(P_t)}{f' / {n}' if stage >= 2 else ''}"
        o_f = f"12 B x {_params(P_t)} (fp32 master + 2 moments){f' / {n}' if stage >= 1 else ''}"
    elif fsdp:
        weights = (base + 4 * P_t) / n + working
        grads = 4 * P_t / n
        optim = 8 * P_t / n
        w_f = f"({base_formula or '0'} + 4 B x {_params(P_t)} trainable) / {n} + gathered working set"
        g_f = f"4 B x {_params(P_t)} / {n}"
        o_f = f"8 B x {_params(P_t)} (2 fp32 moments) / {n}"
    else:
        weights = base + t_bytes * P_t
        grads = t_bytes * P_t
        optim = 2 * t_bytes * P_t
        w_f = " + ".join(x for x in (base_formula, f"{t_bytes} B x {_params(P_t)} trainable") if x)
        g_f = f"{t_bytes} B x {_params(P_t)}"
        o_f = f"2 moments x {t_bytes} B x {_params(P_t)}"
    formulas.update(weights=w_f, gradients=g_f, optimizer=o_f)

    # -- activations -----------------------------------------------------------------------------
    padded = batch_size > 1
    lora_input = b if cuda else 4
    per_token = activation_bytes_per_token(
        s, tuner=tp, b=b, lora_rank=lora_rank, lora_dropout=lora_dropout, lora_input_bytes=lora_input,
        dropout_mask_bytes=1 if cuda else lora_input, kv_repeat=padded, attn_impl=attn_impl, seq_len=seq_len,
    )
    final_norm = (4 * s.hidden_size + (b * s.hidden_size if tp.trains_norms else 0)
                  + (b * s.hidden_size if tp.trains_base_linears else 0)) * tokens
    fixed = 8 * tokens + (batch_size * seq_len * seq_len if padded else 0)  # input ids, padding mask
    residual_b = 4 if fp32_base else b
    if gradient_checkpointing:
        held = s.num_hidden_layers * residual_b * s.hidden_size * tokens + final_norm + fixed
        recompute = per_token * tokens
        a_f = f"{residual_b} B x h x T x L (layer inputs) + one layer recomputed ({per_token} B x T) + MLP gradients"
    else:
        held = s.num_hidden_layers * per_token * tokens + final_norm + fixed
        recompute = 0
        a_f = f"{per_token} B per token per layer x T x L + MLP gradients"
    inter = (shape.num_experts_per_tok * (shape.moe_intermediate_size or shape.intermediate_size)
             if shape.is_moe else shape.intermediate_size)
    transient = 2 * b * inter * tokens  # gradients of a layer's MLP intermediates
    last_layer = recompute if gradient_checkpointing else per_token * tokens
    activations = held + recompute + transient
    logits = 12 * s.vocab_size * tokens
    l_f = "12 B x V x T (fp32 log-softmax, its gradient, the logits' gradient)"
    if fp32_base and cuda:
        logits += 2 * s.vocab_size * s.hidden_size
        l_f += " + bf16 autocast copy of the fp32 head"
    formulas.update(activations=a_f, logits=l_f)

    # -- optimizer step temporaries --------------------------------------------------------------
    if zero or offload:
        step = 0
        st_f = "none (fused DeepSpeed optimizer)"
    elif cuda:
        step = (4 if fsdp else t_bytes) * P_t / (n if fsdp else 1)
        st_f = "one temporary of all trainable weights (foreach AdamW)"
    else:
        if adapters:
            largest = max(lora_rank * d for _, i, o, _c in s.linears() for d in (i, o))
        elif not tp.trains_base_linears:  # the norms: one hidden-size vector each
            largest = s.hidden_size
        else:
            largest = max(s.embedding_params, max(i * o for _, i, o, _c in s.linears()))
        step = 2 * t_bytes * largest
        st_f = "two temporaries of the largest trainable tensor (per-tensor AdamW)"
    formulas["step"] = st_f

    # -- overhead --------------------------------------------------------------------------------
    overhead = 0
    parts = []
    if cuda:
        overhead += CUDA_CONTEXT_BYTES
        parts.append("CUDA context 1 GiB")
        if n > 1:
            overhead += NCCL_BYTES
            parts.append("NCCL 0.5 GiB")
        if sp.distributed and sp.memory_model == "replicated":
            overhead += grads
            parts.append("DDP gradient buckets")
        if zero and stage in (1, 2):
            overhead += DS_BUCKET_ELEMENTS * b
            parts.append("ZeRO buckets")
    formulas["overhead"] = " + ".join(parts) or "none on a CPU"

    persistent_grads = zero and not offload
    persistent = weights + optim + overhead + (grads if persistent_grads else 0)
    dyn_grads = 0 if persistent_grads else grads
    head_grad = 0 if not tp.trains_base_linears or zero else t_bytes * s.vocab_size * s.hidden_size / n
    loss_backward = held + logits
    layer_backward = max(held + head_grad + recompute, dyn_grads + last_layer) + transient
    fwd_bwd = max(loss_backward, layer_backward)
    step_phase = dyn_grads + step
    total = persistent + max(fwd_bwd, step_phase)
    if cuda:
        # the caching allocator reserves more than it hands out (block rounding, splitting)
        frag = int(ALLOCATOR_SLACK * (total - overhead))
        overhead += frag
        total += frag
        formulas["overhead"] += f" + allocator slack {ALLOCATOR_SLACK:.0%} of the rest"

    host = 0
    if offload:
        # fp32 master weights, two moments and fp32 gradients (+ the b-byte weights under ZeRO-3)
        host = int(16 * P_t + ((b * P_t + base) if stage == 3 else 0))
        notes.append(f"{sp.name} keeps about {_gb(host)} on the host (fp32 master weights, moments and gradients"
                     f"{', the weights' if stage == 3 else ''})")
    if s.approximate:
        notes.append(f"approximate: the model's shape was {s.source}")
    if dtype == "float16" and not adapters:
        notes.append("float16 training keeps fp32 weights (the gradient scaler refuses fp16 weights)")

    terms = {
        "weights": int(weights),
        "gradients": int(grads),
        "optimizer": int(optim),
        "activations": int(activations),
        "logits": int(logits),
        "step": int(step),
        "overhead": int(overhead),
    }
    return Estimate(
        terms=terms,
        total=int(total),
        formulas=formulas,
        inputs={
            "tuner": tp.id, "lora_rank": lora_rank if adapters else None, "quant_bits": quant_bits if quantized else None,
            "qlora_upcast": qlora_upcast if quantized else None,
            "dtype": dtype, "optimizer": optimizer, "seq_len": seq_len, "batch_size": batch_size,
            "gradient_checkpointing": gradient_checkpointing, "strategy": sp.name, "world_size": n, "device": device,
            "attn_impl": attn_impl, "params": P, "trainable_params": P_t,
        },
        details={
            "activations_held": int(held), "activations_recompute": int(recompute), "backward_transient": int(transient),
            "logits_held": int(4 * s.vocab_size * tokens), "loss_backward_peak": int(loss_backward),
            "layer_backward_peak": int(layer_backward), "fwd_bwd_peak": int(fwd_bwd), "step_peak": int(step_phase),
            "gathered": int(working),
            "persistent": int(persistent),
        },
        host_bytes=host,
        notes=notes,
        approximate=s.approximate,
    )
