"""Measure the memory of a real training step, term by term (imports torch).

Used to check :func:`swiftkit.resources.estimate.estimate_memory` against reality
(``tests/test_recommend.py``, ``benchmarks/memory_estimate.py``). One step is what the trainer
does: forward, the objective's loss (:func:`swiftkit.train.losses.causal_lm_loss`),
backward, gradient clipping, ``AdamW.step()``, ``zero_grad(set_to_none=True)``; a first
step runs unmeasured so that the optimizer states exist.

* weights, gradients and optimizer states are exact: the bytes of the tensors themselves
  (with the block constants of 4-bit weights);
* activations held = memory still allocated after the forward pass and the loss (what
  autograd keeps for the backward pass, the fp32 log-probabilities included);
* peak = weights + optimizer states + the highest memory allocated during the step above its
  start (gradients, activations, temporaries).

On a GPU allocation is read from ``torch.cuda`` statistics; on a CPU from the allocation and
free events of ``torch.profiler`` (``profile_memory=True``), which sees every tensor the CPU
allocator hands out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class Measurement:
    """Bytes, measured on one training step."""

    weights: int
    gradients: int
    optimizer: int
    activations_held: int
    peak: int
    device: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _storage_bytes(tensors: Any) -> int:
    seen: dict[int, int] = {}
    for t in tensors:
        st = t.untyped_storage()
        seen[st.data_ptr()] = st.nbytes()
    return sum(seen.values())


def _quant_state_tensors(params: Any) -> list[Any]:
    """The block constants of bitsandbytes 4-bit weights (absmax, the second-level state of
    double quantization), which live beside the packed weight, not in it."""
    import torch

    out = []
    for p in params:
        state = getattr(p, "quant_state", None)
        while state is not None:
            out += [v for v in (getattr(state, "absmax", None), getattr(state, "offset", None)) if isinstance(v, torch.Tensor)]
            state = getattr(state, "state2", None)
    return out


def _optimizer_bytes(optimizer: Any) -> int:
    import torch

    return _storage_bytes(v for state in optimizer.state.values() for v in state.values() if isinstance(v, torch.Tensor))


class _CpuMemoryTrace:
    """Live CPU-allocator bytes over time, relative to when the trace started."""

    def __init__(self) -> None:
        from torch.profiler import ProfilerActivity, profile

        self._prof = profile(activities=[ProfilerActivity.CPU], profile_memory=True)

    def __enter__(self) -> _CpuMemoryTrace:
        self._prof.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._prof.__exit__(*exc)
        events = self._prof.profiler.kineto_results.events()
        self.marks = {e.name(): e.end_ns() for e in events if e.name().startswith("swiftkit::")}
        self.allocs = sorted((e.start_ns(), e.nbytes()) for e in events if e.name() == "[memory]")

    def live_at(self, t_ns: int) -> int:
        return sum(n for t, n in self.allocs if t <= t_ns)

    def peak(self) -> int:
        live = best = 0
        for _, n in self.allocs:
            live += n
            best = max(best, live)
        return best


def measure_training_step(
    model: Any,
    batch: dict[str, Any],
    *,
    loss_fn: Callable[[Any, Any], Any] | None = None,
    lr: float = 1e-4,
    max_grad_norm: float = 1.0,
) -> Measurement:
    """Run two training steps of ``model`` on ``batch`` (``input_ids``, ``labels``, optional
    ``attention_mask``) and measure the second. ``loss_fn(logits, labels)`` defaults to the
    objective's causal-LM loss. The model must already be in its training form (tuner applied,
    gradient checkpointing enabled if wanted)."""
    import torch

    if loss_fn is None:
        from swiftkit.train.losses import causal_lm_loss

        def loss_fn(logits: Any, labels: Any) -> Any:
            return causal_lm_loss(logits, labels)[0]

    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=lr)
    inputs = {k: v for k, v in batch.items() if k != "labels"}
    labels = batch["labels"]
    device = next(model.parameters()).device
    cuda = device.type == "cuda"
    grads = [0]

    def step(mark: Callable[[str], Any]) -> None:
        with mark("swiftkit::forward"):
            loss = loss_fn(model(**inputs).logits, labels)  # the model output is not kept
        with mark("swiftkit::backward"):
            loss.backward()
            del loss
            grads[0] = _storage_bytes(p.grad for p in params if p.grad is not None)
        with mark("swiftkit::step"):
            if max_grad_norm:
                torch.nn.utils.clip_grad_norm_(params, max_grad_norm)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)

    from contextlib import nullcontext

    step(lambda _name: nullcontext())  # optimizer states now exist
    import gc

    gc.collect()  # earlier models' tensors, freed during the measured step, would read as negative allocations
    all_params = list(model.parameters())
    weights = _storage_bytes(all_params) + _storage_bytes(_quant_state_tensors(all_params))
    opt_bytes = _optimizer_bytes(optimizer)

    if cuda:
        marks: dict[str, int] = {}

        class _Mark:
            def __init__(self, name: str) -> None:
                self.name = name

            def __enter__(self) -> None:
                return None

            def __exit__(self, *exc: Any) -> None:
                torch.cuda.synchronize(device)
                marks[self.name] = torch.cuda.memory_allocated(device)

        torch.cuda.synchronize(device)
        start = torch.cuda.memory_allocated(device)
        torch.cuda.reset_peak_memory_stats(device)
        step(_Mark)
        held = marks["swiftkit::forward"] - start
        peak_delta = torch.cuda.max_memory_allocated(device) - start
    else:
        from torch.profiler import record_function

        with _CpuMemoryTrace() as trace:
            step(record_function)
        held = trace.live_at(trace.marks["swiftkit::forward"])
        peak_delta = trace.peak()
    return Measurement(
        weights=weights,
        gradients=grads[0],
        optimizer=opt_bytes,
        activations_held=held,
        peak=weights + opt_bytes + peak_delta,
        device=device.type,
    )


def _option(spec: Any, options: dict[str, Any], key: str) -> Any:
    """A tuner option's value: given, else its schema default."""
    if options.get(key) is not None:
        return options[key]
    return spec.options.get("properties", {}).get(key, {}).get("default")


def measure_folder(
    folder: str,
    *,
    tuner: str = "lora",
    dtype: str = "float32",
    batch_size: int = 1,
    seq_len: int = 128,
    gradient_checkpointing: bool = False,
    lora_rank: int = 8,
    registry: Any = None,
    device: str | None = None,
    seed: int = 0,
    options: dict[str, Any] | None = None,
) -> tuple[Measurement, Any]:
    """Measure a training step of the model in ``folder`` and estimate the same step.

    The model goes the way a run takes it: the registry matches the folder to its family,
    the family loader loads it in ``dtype``, the registered tuner prepares it, gradient
    checkpointing is enabled as the trainer does. A batch of ``batch_size`` random rows of
    ``seq_len`` tokens (the second row a quarter padding, as a real batch is) is trained on.
    ``options`` are more tuner options (``{"qlora_upcast": "all"}``), passed to the estimate
    too where it models them. Returns ``(measurement, estimate)``; the estimate uses the
    folder's ``config.json``.
    """
    import torch

    from swiftkit.core.lazy import resolve
    from swiftkit.resources.estimate import estimate_memory
    from swiftkit.resources.profiles import tuner_profile
    from swiftkit.resources.shape import shape_from_folder

    if registry is None:
        from swiftkit.core.registry import get_registry

        registry = get_registry()
    spec = registry.resolve_model(folder).spec
    loader = resolve(spec.loader, spec.REFS["loader"])(spec)
    method = registry.get("method", tuner).spec
    profile = tuner_profile(tuner, registry)
    tuner_options = {**({profile.rank_option: lora_rank} if profile.rank_option else {}), **(options or {})}
    tuner_obj = resolve(method.impl, method.REFS["impl"])(method, tuner_options)
    model, _ = loader.load(folder, torch_dtype=dtype, **tuner_obj.load_kwargs())
    if device:
        model.to(device)
    if gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model = tuner_obj.prepare(model, spec)
    if gradient_checkpointing and hasattr(model, "enable_input_require_grads"):
        model.enable_input_require_grads()
    dev = next(model.parameters()).device
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, model.config.vocab_size, (batch_size, seq_len), generator=gen)
    mask = torch.ones_like(ids)
    if batch_size > 1:
        mask[1, -(seq_len // 4):] = 0
    labels = ids.masked_fill(mask == 0, -100)
    batch = {"input_ids": ids.to(dev), "attention_mask": mask.to(dev), "labels": labels.to(dev)}
    measured = measure_training_step(model, batch)
    estimate = estimate_memory(
        shape_from_folder(folder), tuner=tuner, lora_rank=lora_rank, dtype=dtype, seq_len=seq_len,
        batch_size=batch_size, gradient_checkpointing=gradient_checkpointing, device=dev.type,
        **({"qlora_upcast": _option(method, tuner_options, upcast)} if (upcast := profile.option("upcast")) else {}),
        registry=registry,
    )
    return measured, estimate


def compare(measured: Measurement, estimate: Any) -> dict[str, tuple[int, int, float]]:
    """``term -> (estimated, measured, relative error)`` for the terms a step measures.
    ``activations`` compares what is held after the forward pass and the loss (activations
    kept for backward plus the fp32 log-probabilities); ``peak`` leaves out the fixed
    framework overhead (CUDA context), which allocation statistics do not see."""
    held = estimate.details["activations_held"] + estimate.details["logits_held"]
    pairs = {
        "weights": (estimate.terms["weights"], measured.weights),
        "gradients": (estimate.terms["gradients"], measured.gradients),
        "optimizer": (estimate.terms["optimizer"], measured.optimizer),
        "activations": (held, measured.activations_held),
        "peak": (estimate.total - estimate.terms["overhead"], measured.peak),
    }
    return {k: (e, m, (e - m) / m if m else 0.0) for k, (e, m) in pairs.items()}
