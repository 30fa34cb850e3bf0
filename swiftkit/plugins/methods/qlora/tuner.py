"""QLoRA tuner: bitsandbytes quantization at load time, then LoRA on the quantized base.

The run goes:

1. the trainer calls :meth:`QLoraTuner.load_kwargs` *before* loading the model; it checks that
   bitsandbytes can quantize on this machine (:meth:`QLoraTuner.check`, a clear
   :class:`~swiftkit.core.errors.SwiftkitError` otherwise) and returns
   ``{"quantization_config": BitsAndBytesConfig(...)}``, which the trainer passes to the model
   loader (``ModelLoader.load(..., **kwargs)`` -> ``from_pretrained``);
2. :meth:`QLoraTuner.prepare` refuses a base that was not quantized, freezes it, upcasts what
   ``--qlora_upcast`` says (:func:`upcast_norms`, or peft's ``prepare_model_for_kbit_training``)
   and wraps the model with LoRA exactly as the ``lora`` tuner does.

``--qlora_upcast norms`` (the default) puts only the normalization weights in float32, as
LLaMA-Factory's ``upcast_layernorm`` does; the embeddings and the output head stay in the run's
``torch_dtype``. A norm whose weight was upcast hands its output on in its input's dtype, so the
hidden states stay in ``torch_dtype`` too (with or without autocast; without the cast, a float32
norm output would meet the half-precision head). ``--qlora_upcast all`` is peft's
``prepare_model_for_kbit_training``: every unquantized weight in float32, embeddings and head
included — 2 bytes more per embedding and head parameter in a bf16 run (2.9 GiB for
Qwen2.5-14B), float32 hidden states, and a bf16 copy of the head under autocast.

Gradient checkpointing is enabled by the trainer (non-reentrant) before :meth:`prepare`; when it
is on, :meth:`prepare` makes the input embeddings' output require gradients unless the trainer
already did (what ``prepare_model_for_kbit_training`` does with ``use_gradient_checkpointing``).
``save_pretrained`` writes a plain LoRA adapter; to merge it, load the base *unquantized*
(bf16/fp16) and merge there.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.errors import SwiftkitError
from swiftkit.plugins.methods.lora.tuner import LoraTuner, wrap_with_lora

_QUANTIZED_LINEAR = {"Linear4bit", "Linear8bitLt"}
#: bitsandbytes parameter classes (packed weights), never upcast
_QUANTIZED_PARAMS = {"Params4bit", "Int8Params"}
#: values of ``--qlora_upcast``
UPCAST_CHOICES = ("norms", "all")


def is_norm_module(name: str, module: Any) -> bool:
    """Whether ``module`` (at ``name`` in the model) is a normalization layer: its class name
    contains "Norm" (``RMSNorm``, ``LayerNorm``, ``Qwen2RMSNorm`` ...), or its own name does
    (``input_layernorm``, ``q_norm``) or starts with ``ln`` (``ln_f``, GPT-2 style) and it holds
    only one-dimensional parameters of its own."""
    if "norm" in type(module).__name__.lower():
        return True
    leaf = name.rsplit(".", 1)[-1].lower()
    if "norm" not in leaf and not leaf.startswith("ln"):
        return False
    own = list(module.parameters(recurse=False))
    return bool(own) and all(p.ndim == 1 for p in own)


def _keep_input_dtype(module: Any, args: Any, output: Any) -> Any:
    """Forward hook of an upcast norm: its output in its input's dtype (a float32 weight times a
    bfloat16 activation gives float32, which would spread through the residual stream)."""
    x = args[0] if args else None
    if x is None or not hasattr(x, "dtype") or not hasattr(output, "dtype"):
        return None
    if output.dtype != x.dtype and x.is_floating_point():
        return output.to(x.dtype)
    return None


def upcast_norms(model: Any) -> list[str]:
    """Freeze every parameter of ``model`` and put the weights of its normalization layers
    (:func:`is_norm_module`; their one-dimensional half-precision parameters) in float32; every
    other unquantized weight — embeddings, output head, the quantized linears' biases — keeps
    its dtype. Each upcast norm gets a forward hook that returns its output in its input's
    dtype. Returns the names of the upcast parameters."""
    import torch

    half = (torch.float16, torch.bfloat16)
    for param in model.parameters():
        param.requires_grad = False
    upcast: list[str] = []
    for name, module in model.named_modules():
        if not is_norm_module(name, module):
            continue
        done = False
        for pname, param in module.named_parameters(recurse=False):
            if param.ndim == 1 and param.dtype in half and type(param).__name__ not in _QUANTIZED_PARAMS:
                param.data = param.data.to(torch.float32)
                upcast.append(f"{name}.{pname}" if name else pname)
                done = True
        if done and not getattr(module, "_swiftkit_keeps_input_dtype", False):
            module.register_forward_hook(_keep_input_dtype)
            module._swiftkit_keeps_input_dtype = True
    return upcast


def enable_input_grads(model: Any) -> None:
    """Make the input embeddings' output require gradients (needed by reentrant gradient
    checkpointing with a frozen embedding), unless the model already has that hook."""
    if getattr(model, "_require_grads_hooks", None) or getattr(model, "_require_grads_hook", None):
        return
    if hasattr(model, "enable_input_require_grads"):
        model.enable_input_require_grads()
        return

    def make_inputs_require_grad(module: Any, args: Any, output: Any) -> None:
        output.requires_grad_(True)

    model.get_input_embeddings().register_forward_hook(make_inputs_require_grad)
    model._require_grads_hook = True


def _dtype(name: str) -> Any:
    import torch

    return getattr(torch, name)


class QLoraTuner(LoraTuner):
    """LoRA on a base quantized by bitsandbytes while it loads."""

    def check(self) -> None:
        """Raise :class:`SwiftkitError` with the reason when bitsandbytes cannot quantize here.

        Needs an importable bitsandbytes; without a CUDA GPU, also a bitsandbytes whose CPU
        backend works, which is probed by quantizing a small tensor.
        """
        try:
            import bitsandbytes
        except Exception as exc:  # ImportError, or a broken native library
            raise SwiftkitError(
                "QLoRA needs bitsandbytes (pip install bitsandbytes); importing it failed here: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        import torch

        if torch.cuda.is_available():
            return
        try:
            import bitsandbytes.functional as bnbf

            probe = torch.linspace(-1, 1, 128, dtype=torch.float32)
            if int(self.option("quant_bits")) == 4:
                bnbf.quantize_4bit(probe, quant_type=self.option("bnb_4bit_quant_type"))
            else:
                bnbf.int8_vectorwise_quant(probe.reshape(2, 64))
        except Exception as exc:
            version = getattr(bitsandbytes, "__version__", "?")
            raise SwiftkitError(
                f"QLoRA cannot run here: this machine has no CUDA GPU and bitsandbytes {version} "
                f"cannot quantize on the CPU ({type(exc).__name__}: {exc}); upgrade bitsandbytes "
                "(recent releases have a CPU backend) or run on a CUDA GPU"
            ) from exc

    def compute_dtype(self, torch_dtype: Any = None) -> Any:
        """The dtype the 4-bit layers compute in (``bnb_4bit_compute_dtype``, resolved)."""
        import torch

        name = self.option("bnb_4bit_compute_dtype")
        if name != "auto":
            return _dtype(name)
        if torch_dtype is not None:
            from swiftkit.models.hf import resolve_dtype

            dtype = resolve_dtype(torch_dtype)
            if dtype != "auto":
                return dtype
        if torch.cuda.is_available():
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        return torch.float32

    def quantization_config(self, torch_dtype: Any = None) -> Any:
        """The ``transformers.BitsAndBytesConfig`` the options describe."""
        from transformers import BitsAndBytesConfig

        if int(self.option("quant_bits")) == 8:
            return BitsAndBytesConfig(load_in_8bit=True)
        return BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type=self.option("bnb_4bit_quant_type"),
            bnb_4bit_compute_dtype=self.compute_dtype(torch_dtype),
            bnb_4bit_use_double_quant=bool(self.option("bnb_4bit_use_double_quant")),
            bnb_4bit_quant_storage=_dtype(self.option("bnb_4bit_quant_storage")),
        )

    def load_kwargs(self, torch_dtype: Any = None) -> dict[str, Any]:
        """Keyword arguments the trainer must pass to the model loader for this tuner.

        ``torch_dtype`` is the run's ``--torch_dtype`` (a name or ``torch.dtype``), used for
        ``bnb_4bit_compute_dtype auto``. Raises :class:`SwiftkitError` (via :meth:`check`)
        before anything is loaded when bitsandbytes cannot quantize here.
        """
        self.check()
        return {"quantization_config": self.quantization_config(torch_dtype)}

    def prepare_base(self, model: Any) -> Any:
        """Freeze the quantized base and upcast what ``--qlora_upcast`` says (see the module
        docstring); make the input embeddings' output require gradients when gradient
        checkpointing is on. Returns the model (the same object)."""
        upcast = self.option("qlora_upcast") or "norms"
        if upcast not in UPCAST_CHOICES:
            raise SwiftkitError(f"qlora: --qlora_upcast {upcast!r}; choose from {', '.join(UPCAST_CHOICES)}")
        if upcast == "all":
            from peft import prepare_model_for_kbit_training

            model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
        else:
            upcast_norms(model)
        if getattr(model, "is_gradient_checkpointing", False):
            enable_input_grads(model)
        return model

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        from peft import PeftModel

        if isinstance(model, PeftModel):
            raise TypeError("qlora: the model already carries peft adapters; pass the base model")
        if not any(type(m).__name__ in _QUANTIZED_LINEAR for m in model.modules()):
            raise SwiftkitError(
                "qlora: the base model is not quantized; load it with the arguments "
                "QLoraTuner.load_kwargs() returns (quantization_config=BitsAndBytesConfig(...))"
            )
        model = self.prepare_base(model)
        return wrap_with_lora(model, self.lora_config(model, model_spec), self.option("lora_dtype"))
