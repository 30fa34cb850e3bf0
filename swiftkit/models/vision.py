"""Loading multimodal checkpoints and building tiny ones of their real architecture.

:class:`HFVisionLoader` is :class:`~swiftkit.models.hf.HFCausalLMLoader` for models that
``transformers`` builds as a vision (or audio) tower + projector + language model
(``AutoModelForImageTextToText``, a composite config with ``text_config`` / ``vision_config``).
A family's loader sets the class attributes below; what differs more than that (a config whose
sizes live at the top level, an audio tower) overrides :meth:`HFVisionLoader.tiny_config`.

The tokenizer comes from ``AutoTokenizer`` as for text models: the media half of a family's
processor is its template's :class:`~swiftkit.core.templates.media.MediaProcessor`, which reads
the checkpoint's ``preprocessor_config.json`` (written for tiny models by
:meth:`HFVisionLoader.save_extras`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader

__all__ = ["HFVisionLoader"]

#: token-id keys that belong to the language model's config as well as the top level
_SPECIAL = ("eos_token_id", "pad_token_id", "bos_token_id")


class HFVisionLoader(HFCausalLMLoader):
    """A multimodal family's loader: see the module docstring."""

    AUTO_CLASS: ClassVar[str] = "AutoModelForImageTextToText"
    #: the vision tower's config at tiny size (``vision_config``)
    TINY_VISION: ClassVar[dict[str, Any]] = {}
    #: keys of the top-level config at tiny size (``projector_hidden_act``, ``image_seq_length`` ...)
    TINY_TOP: ClassVar[dict[str, Any]] = {}
    #: config key -> the special token it names (``{"image_token_id": "<|image_pad|>"}``): filled
    #: from the tiny tokenizer by :meth:`tiny_token_ids`
    TOKEN_KEYS: ClassVar[dict[str, str]] = {}
    #: the name of the vision sub-config (``vision_config``; ``audio_config`` for an audio tower)
    VISION_KEY: ClassVar[str] = "vision_config"

    def tiny_token_ids(self, tokenizer: Any) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, token in self.TOKEN_KEYS.items():
            token_id = tokenizer.convert_tokens_to_ids(token)
            if not isinstance(token_id, int) or token_id == tokenizer.unk_token_id:
                raise ValueError(f"model {self.spec.id!r}: the tiny tokenizer has no token {token!r} for {key} "
                                 f"(list it in the template's special_tokens)")
            out[key] = token_id
        return out

    def tiny_config(self, vocab_size: int, **overrides: Any) -> Any:
        """A composite config: the class's tiny text settings as ``text_config`` (with the
        vocabulary and the special-token ids), :attr:`TINY_VISION` under :attr:`VISION_KEY`,
        :attr:`TINY_TOP` and the remaining ``overrides`` at the top level."""
        from transformers import AutoConfig

        text = {**self.tiny_overrides(), "vocab_size": vocab_size}
        top = dict(self.TINY_TOP)
        for key, value in overrides.items():
            if key in _SPECIAL:
                text[key] = value
                top[key] = value
            else:
                top[key] = value
        try:
            config = AutoConfig.for_model(self.spec.hf_model_type, text_config=text,
                                          **{self.VISION_KEY: dict(self.TINY_VISION)}, **top)
        except ValueError as exc:
            raise ValueError(
                f"model {self.spec.id!r}: transformers has no config for model_type {self.spec.hf_model_type!r}: {exc}"
            ) from exc
        if self.spec.architecture:
            config.architectures = [self.spec.architecture]
        return config
