"""QLoRA tuner: bitsandbytes quantization at load time, then LoRA on the quantized base.

The run goes:

1. the trainer calls :meth:`QLoraTuner.load_kwargs` *before* loading the model; it checks that
   bitsandbytes can quantize on this machine (:meth:`QLoraTuner.check`, a clear
   :class:`~swiftkit.core.errors.SwiftkitError` otherwise) and returns
   ``{"quantization_config": BitsAndBytesConfig(...)}``, which the trainer passes to the model
   loader (``ModelLoader.load(..., **kwargs)`` -> ``from_pretrained``);
2. :meth:`QLoraTuner.prepare` refuses a base that was not quantized, runs
   ``peft.prepare_model_for_kbit_training`` (freezes the base, upcasts the remaining half-precision
   weights such as norms to float32 for stable training) and wraps the model with LoRA exactly
   as the ``lora`` tuner does.

Gradient checkpointing is left to the trainer (``prepare_model_for_kbit_training`` is called
with ``use_gradient_checkpointing=False``). ``save_pretrained`` writes a plain LoRA adapter; to
merge it, load the base *unquantized* (bf16/fp16) and merge there.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.errors import SwiftkitError
from swiftkit.plugins.methods.lora.tuner import LoraTuner

_QUANTIZED_LINEAR = {"Linear4bit", "Linear8bitLt"}


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
            from swiftkit.core.models.hf import resolve_dtype

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

    def prepare(self, model: Any, model_spec: Any = None) -> Any:
        from peft import PeftModel, get_peft_model, prepare_model_for_kbit_training

        if isinstance(model, PeftModel):
            raise TypeError("qlora: the model already carries peft adapters; pass the base model")
        if not any(type(m).__name__ in _QUANTIZED_LINEAR for m in model.modules()):
            raise SwiftkitError(
                "qlora: the base model is not quantized; load it with the arguments "
                "QLoraTuner.load_kwargs() returns (quantization_config=BitsAndBytesConfig(...))"
            )
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
        return get_peft_model(model, self.lora_config(model, model_spec))
