"""The default model loader: any causal LM that ``transformers`` knows by its ``model_type``.

A family plugin points its specs' ``loader`` here, or at a subclass that only adjusts
:attr:`HFCausalLMLoader.TINY_OVERRIDES` (``head_dim`` for Gemma and Qwen3, no sliding window
for Mistral, ...). torch and transformers are imported inside the methods, never at module
level, so resolving the reference stays cheap until a model is actually loaded or built.
"""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.core.models.interface import ModelLoader

#: Spellings accepted for ``torch_dtype`` (besides a ``torch.dtype`` and ``"auto"``).
DTYPE_NAMES: dict[str, str] = {
    "bfloat16": "bfloat16",
    "bf16": "bfloat16",
    "float16": "float16",
    "fp16": "float16",
    "half": "float16",
    "float32": "float32",
    "fp32": "float32",
    "float": "float32",
}


def resolve_dtype(torch_dtype: Any) -> Any:
    """Turn ``"bfloat16"`` / ``"bf16"`` / ``"fp32"`` / ... into a ``torch.dtype``.

    ``None`` and ``"auto"`` are returned unchanged (transformers then reads the dtype from the
    checkpoint); a ``torch.dtype`` is returned as is; anything else is a ``ValueError`` that
    lists the accepted names.
    """
    if torch_dtype is None:
        return None
    if isinstance(torch_dtype, str):
        name = torch_dtype.strip().lower()
        if name.startswith("torch."):
            name = name[len("torch.") :]
        if name == "auto":
            return "auto"
        if name not in DTYPE_NAMES:
            raise ValueError(
                f"unknown torch_dtype {torch_dtype!r}; use one of 'auto', "
                + ", ".join(repr(n) for n in DTYPE_NAMES)
            )
        import torch

        return getattr(torch, DTYPE_NAMES[name])
    import torch

    if isinstance(torch_dtype, torch.dtype):
        return torch_dtype
    raise TypeError(f"torch_dtype must be a string or a torch.dtype, not {type(torch_dtype).__name__}")


class HFCausalLMLoader(ModelLoader):
    """Loads ``AutoModelForCausalLM`` + ``AutoTokenizer`` and builds tiny configs of the
    family's real architecture from its ``model_type`` (``spec.hf_model_type``).

    Subclasses extend :attr:`TINY_OVERRIDES` with what their architecture needs at tiny size;
    the overrides of every class in the MRO are merged (base first), so a subclass lists only
    its own additions.
    """

    #: The size of every tiny model (about 100k parameters, trains in milliseconds on a CPU).
    TINY_DEFAULTS: ClassVar[dict[str, Any]] = {
        "hidden_size": 64,
        "intermediate_size": 128,
        "num_hidden_layers": 2,
        "num_attention_heads": 4,
        "num_key_value_heads": 2,
        "max_position_embeddings": 512,
        "tie_word_embeddings": False,
    }
    #: Family-specific config tweaks at tiny size (subclasses extend this).
    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {}
    #: the ``transformers`` auto class that loads and builds the architecture (a multimodal
    #: family's loader names ``AutoModelForImageTextToText``, an audio one its model class)
    AUTO_CLASS: ClassVar[str] = "AutoModelForCausalLM"

    # -- loading ---------------------------------------------------------------------------

    def load(
        self,
        model_dir: str,
        *,
        torch_dtype: Any = None,
        device_map: Any = None,
        tokenizer_dir: str | None = None,
        **kwargs: Any,
    ) -> tuple[Any, Any]:
        """Load ``(model, tokenizer)`` from a local folder (or a hub id, which transformers
        resolves through its cache).

        ``torch_dtype`` takes a ``torch.dtype`` or a name (``"bfloat16"``, ``"bf16"``,
        ``"float32"``, ``"auto"``, ...); ``None`` keeps transformers' default. Other keyword
        arguments (``attn_implementation``, ``trust_remote_code``, ``revision``, ...) go to
        ``AutoModelForCausalLM.from_pretrained``; ``trust_remote_code`` and ``revision`` also
        to the tokenizer. A tokenizer without a pad token gets its eos token as pad token.
        """
        from transformers import AutoTokenizer

        kwargs.setdefault("trust_remote_code", False)  # custom code runs only when asked: never an input() prompt
        tok_kwargs = {
            k: kwargs[k]
            for k in ("trust_remote_code", "revision", "cache_dir", "local_files_only")
            if k in kwargs
        }
        tokenizer = AutoTokenizer.from_pretrained(tokenizer_dir or model_dir, **tok_kwargs)
        if tokenizer.pad_token is None and tokenizer.eos_token is not None:
            tokenizer.pad_token = tokenizer.eos_token

        model_kwargs = dict(kwargs)
        dtype = resolve_dtype(torch_dtype)
        if dtype is not None:
            model_kwargs["dtype"] = dtype  # transformers 5 name; ``torch_dtype=`` is deprecated there
        if device_map is not None:
            model_kwargs["device_map"] = device_map
        model = self.auto_class().from_pretrained(model_dir, **model_kwargs)
        self.check_architecture(model)
        return model, tokenizer

    def check_architecture(self, model: Any) -> None:
        """Warn when a checkpoint loads as another class than the spec's ``architecture``
        (a folder of another family passed with this family's ``--model_type``)."""
        expected = self.spec.architecture
        got = type(model).__name__
        if expected and got != expected:
            import warnings

            warnings.warn(
                f"model {self.spec.id!r} expects architecture {expected}, but the checkpoint loaded as {got}",
                stacklevel=3,
            )

    @classmethod
    def auto_class(cls) -> Any:
        """The ``transformers`` class named by :attr:`AUTO_CLASS`."""
        import transformers

        return getattr(transformers, cls.AUTO_CLASS)

    # -- tiny models -----------------------------------------------------------------------

    def model_from_config(self, config: Any) -> Any:
        """A randomly initialised model of ``config`` (:func:`swiftkit.models.tiny.build_tiny_model`)."""
        return self.auto_class().from_config(config)

    def tiny_token_ids(self, tokenizer: Any) -> dict[str, Any]:
        """Config keys that name tokens of the tiny tokenizer (a multimodal family's
        ``image_token_id``...), passed to :meth:`tiny_config`; none for a text family."""
        return {}

    def save_extras(self, out_dir: str, tokenizer: Any, config: Any) -> None:  # noqa: B027 - optional
        """Write what a real checkpoint of the family has besides weights, config and tokenizer
        (a multimodal family's ``preprocessor_config.json``); nothing for a text family."""

    @classmethod
    def tiny_overrides(cls) -> dict[str, Any]:
        """The merged :attr:`TINY_DEFAULTS` and :attr:`TINY_OVERRIDES` of the class hierarchy."""
        merged: dict[str, Any] = {}
        for klass in reversed(cls.__mro__):
            merged.update(vars(klass).get("TINY_DEFAULTS", {}))
        for klass in reversed(cls.__mro__):
            merged.update(vars(klass).get("TINY_OVERRIDES", {}))
        return merged

    def tiny_config(self, vocab_size: int, **overrides: Any) -> Any:
        """Return a tiny ``PretrainedConfig`` of ``spec.hf_model_type`` whose ``architectures``
        is ``[spec.architecture]``; ``overrides`` (``eos_token_id=...``, ``num_hidden_layers=3``)
        win over the class defaults."""
        from transformers import AutoConfig

        settings = {**self.tiny_overrides(), "vocab_size": vocab_size, **overrides}
        try:
            config = AutoConfig.for_model(self.spec.hf_model_type, **settings)
        except ValueError as exc:
            raise ValueError(
                f"model {self.spec.id!r}: transformers has no config for model_type {self.spec.hf_model_type!r} "
                f"(installed transformers may be too old): {exc}"
            ) from exc
        if self.spec.architecture:
            config.architectures = [self.spec.architecture]
        return config
