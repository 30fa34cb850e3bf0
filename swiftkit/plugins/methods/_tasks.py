"""Behaviour shared by the task objectives (seq_cls, embedding, reranker, generative_reranker).

What the four have in common, in the order a run meets it:

- **rows**: conversations in ms-swift's task layouts (``messages`` + ``label`` for seq_cls;
  ``messages`` + ``positive_messages`` + ``negative_messages`` for the retrieval tasks), read
  by :func:`conversation` (a plain string is one user message; a conversation may end with a
  user message: nothing is generated);
- **text**: a conversation becomes one token row rendered by the run's template
  (:func:`render_text`); a query-document pair becomes one user message
  ``<Instruct>: ...\\n<Query>: ...\\n<Document>: ...`` (:func:`pair_conversation`, the layout
  Qwen3-Reranker was trained on), rendered with the generation prompt;
- **batches**: every token row of a batch padded on the right into one tensor (:func:`pad`),
  so one forward pass serves anchors, positives and negatives alike;
- **pooling**: the last layer's hidden state at each row's last real token
  (:func:`pooled_hidden`), read through the model's backbone so that a classification head or
  the LM head is applied to that one position only (:func:`head_logits`).

Bidirectional encoders (BERT, ModernBERT, XLM-RoBERTa: :func:`is_encoder`) take another path:
no chat template (a conversation is its plain text, a query-document pair the tokenizer's own
text pair, with the tokenizer's special tokens: :func:`encoder_ids`), their classification head
is the model's own forward (it pools as the architecture does: :func:`classifier_logits`), and
an embedding pools the ``[CLS]`` position or the mean of the real tokens (:func:`resolve_pooling`).

torch is imported inside the functions: resolving an objective reference stays cheap.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from swiftkit.core.data.layout import RowTooLong
from swiftkit.core.errors import RowError, SwiftkitError

#: Qwen3-Reranker's default instruction (used when neither the query nor the document has a system message)
DEFAULT_INSTRUCTION = "Given a web search query, retrieve relevant passages that answer the query"

_ROLES = ("system", "user", "assistant")


def env_float(name: str, default: float) -> float:
    """An ms-swift environment setting read as a number (``INFONCE_TEMPERATURE`` ...); a value
    that is not one is an error naming the variable."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SwiftkitError(f"${name}={raw!r} is not a number") from None


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in ("1", "true", "yes")


def require_one_process(task: str) -> None:
    """Task objectives read the backbone and apply their head outside the model's own forward
    (one position per row), which bypasses a data-parallel wrapper's gradient synchronisation
    and a sharded model's gathering: until that is handled, a task trains in one process."""
    world = int(os.environ.get("WORLD_SIZE", "1") or 1)
    if world > 1:
        raise SwiftkitError(f"--task_type {task} trains in one process so far ({world} processes were started); "
                            "run it without --nproc_per_node / a launcher")


# ----------------------------------------------------------------------------- rows


def conversation(value: Any, field: str) -> list[dict[str, str]]:
    """One conversation of a task row: a list of ``{"role", "content"}`` (system first if any,
    then user/assistant turns) or a plain string (one user message). Errors name the field."""
    if isinstance(value, str):
        if not value.strip():
            raise RowError(field, "empty text")
        return [{"role": "user", "content": value}]
    if not isinstance(value, Sequence) or isinstance(value, bytes) or not value:
        raise RowError(field, f"must be a non-empty list of messages or a string, got {type(value).__name__}")
    out = []
    for i, message in enumerate(value):
        if not isinstance(message, dict):
            raise RowError(f"{field}[{i}]", f"must be a message object, got {type(message).__name__}")
        role, content = message.get("role"), message.get("content")
        if role not in _ROLES:
            raise RowError(f"{field}[{i}].role", f"must be one of {', '.join(_ROLES)}, got {role!r}")
        if not isinstance(content, str):
            raise RowError(f"{field}[{i}].content", f"must be a string, got {type(content).__name__}")
        if role == "system" and i:
            raise RowError(f"{field}[{i}].role", "a system message is only allowed first")
        out.append({"role": role, "content": content})
    if all(m["role"] == "system" for m in out):
        raise RowError(field, "no message besides the system prompt")
    return out


def conversations(row: dict[str, Any], field: str, *, required: bool) -> list[list[dict[str, str]]]:
    """A list-of-conversations column (``positive_messages``, ``negative_messages``)."""
    value = row.get(field)
    if value is None or (isinstance(value, list) and not value):
        if required:
            raise RowError(field, "missing" if value is None else "empty: at least one is needed")
        return []
    if not isinstance(value, list):
        raise RowError(field, f"must be a list of conversations, got {type(value).__name__}")
    return [conversation(item, f"{field}[{i}]") for i, item in enumerate(value)]


def _system(messages: list[dict[str, str]]) -> str | None:
    return messages[0]["content"] if messages and messages[0]["role"] == "system" else None


def _body(messages: list[dict[str, str]]) -> str:
    return "\n".join(m["content"] for m in messages if m["role"] != "system")


def pair_conversation(query: list[dict[str, str]], document: list[dict[str, str]]) -> list[dict[str, str]]:
    """The user message a reranker judges: the instruction (the document's system message, else
    the query's, else :data:`DEFAULT_INSTRUCTION`, as ms-swift's precedence), the query and the
    document. The template's own system prompt (Qwen3-Reranker's yes/no judge) stays in place."""
    instruction = _system(document) or _system(query) or DEFAULT_INSTRUCTION
    text = f"<Instruct>: {instruction}\n<Query>: {_body(query)}\n<Document>: {_body(document)}"
    return [{"role": "user", "content": text}]


def plain_text(messages: list[dict[str, str]]) -> str:
    """A conversation as an encoder reads it: its messages' contents, one per line (a system
    message first, as an instruction prefix); no chat template."""
    return "\n".join(m["content"] for m in messages)


def pair_text(template: Any, query: list[dict[str, str]], document: list[dict[str, str]]) -> str:
    """The judging prompt of a query-document pair, rendered with the generation prompt and, for a
    reasoning template, its empty thinking block (the judge answers at once: Qwen3-Reranker's
    ``<|im_start|>assistant\n<think>\n\n</think>\n\n``)."""
    return render_text(template.configure(enable_thinking=False), pair_conversation(query, document),
                       generation_prompt=True)


# ----------------------------------------------------------------------------- text


def render_text(template: Any, messages: list[dict[str, str]], *, generation_prompt: bool = False) -> str:
    """A conversation rendered as one input text. Without the generation prompt, a conversation
    ending with a user message is closed with the template's first stop word when the rendering
    does not end with it already (Qwen3-Embedding: ``text<|endoftext|>``)."""
    text = template.render(messages, add_generation_prompt=generation_prompt)
    if not generation_prompt and messages[-1]["role"] == "user":
        stops = list(template.stop_words or [])
        if stops and not text.rstrip().endswith(stops[0]):
            text += stops[0]
    return text


def token_ids(tokenizer: Any, text: str, max_length: int | None, strategy: str, field: str) -> tuple[list[int], bool]:
    """``text`` tokenized (special tokens as written, none added), cut to ``max_length`` as the
    truncation strategy says: ``(ids, truncated)``; ``delete`` raises RowTooLong naming ``field``."""
    ids = list(tokenizer(text, add_special_tokens=False)["input_ids"])
    if not ids:
        raise RowError(field, "renders to no tokens")
    if max_length is None or len(ids) <= max_length:
        return ids, False
    if strategy == "delete":
        raise RowTooLong(f"{field}: {len(ids)} tokens > max_length {max_length}")
    return (ids[-max_length:] if strategy == "left" else ids[:max_length]), True


def encoder_ids(tokenizer: Any, text: str, pair: str | None, max_length: int | None, strategy: str,
                field: str) -> tuple[list[int], bool]:
    """An encoder's input: ``text`` (and ``pair``, the document of a query-document pair) with
    the tokenizer's own special tokens (``[CLS] a [SEP] b [SEP]``, ``<s> a </s></s> b </s>``).
    Over ``max_length``: ``delete`` raises RowTooLong naming ``field``; ``left`` / ``right`` let
    the tokenizer truncate (the longer text first), its special tokens kept."""
    ids = list(tokenizer(text, pair, add_special_tokens=True)["input_ids"])
    if max_length is None or len(ids) <= max_length:
        return ids, False
    if strategy == "delete":
        raise RowTooLong(f"{field}: {len(ids)} tokens > max_length {max_length}")
    side = tokenizer.truncation_side
    tokenizer.truncation_side = "left" if strategy == "left" else "right"
    try:
        ids = list(tokenizer(text, pair, add_special_tokens=True, truncation=True, max_length=max_length)["input_ids"])
    finally:
        tokenizer.truncation_side = side
    return ids, True


def ids_list_feature(depth: int = 1) -> Any:
    """``datasets`` feature of token ids nested ``depth`` lists deep."""
    import datasets

    from swiftkit.data.steps import _list

    feature: Any = datasets.Value("int32")
    for _ in range(depth):
        feature = _list(feature)
    return feature


def floats_feature() -> Any:
    import datasets

    from swiftkit.data.steps import _list

    return _list(datasets.Value("float32"))


def pad_id(tokenizer: Any) -> int:
    value = getattr(tokenizer, "pad_token_id", None)
    if value is None:
        value = getattr(tokenizer, "eos_token_id", None)
    return 0 if value is None else int(value)


def pad(rows: list[list[int]], pad_token_id: int) -> tuple[Any, Any]:
    """Right-padded ``(input_ids, attention_mask)`` tensors of token rows."""
    import torch

    width = max(len(r) for r in rows)
    ids = torch.tensor([list(r) + [pad_token_id] * (width - len(r)) for r in rows], dtype=torch.long)
    mask = torch.tensor([[1] * len(r) + [0] * (width - len(r)) for r in rows], dtype=torch.long)
    return ids, mask


# ----------------------------------------------------------------------------- models


def base_model(model: Any) -> Any:
    """The transformers model under peft's and DDP's wrappers (LoRA layers stay injected in it)."""
    model = getattr(model, "module", model)  # DDP
    getter = getattr(model, "get_base_model", None)
    return getter() if callable(getter) else model


def backbone(model: Any) -> Any:
    """The decoder stack of a ``*ForCausalLM`` / ``*ForSequenceClassification`` (its
    ``base_model_prefix`` attribute), or the model itself when it is the bare backbone."""
    hf = base_model(model)
    prefix = getattr(hf, "base_model_prefix", "") or ""
    inner = getattr(hf, prefix, None) if prefix else None
    return inner if inner is not None and inner is not hf else hf


def last_positions(attention_mask: Any) -> Any:
    """Index of each right-padded row's last real token."""
    return attention_mask.long().sum(dim=1).clamp(min=1) - 1


#: how an embedding is read from the last layer: the last real token (decoders), the first
#: token (an encoder's ``[CLS]``), or the mean over the real tokens
POOLINGS = ("last", "cls", "mean")
#: swiftkit's own environment setting that overrides a checkpoint's pooling (cls, mean or last)
POOLING_ENV = "SWIFTKIT_EMBEDDING_POOLING"
#: the config.json key a trained embedding model records its pooling under
POOLING_KEY = "swiftkit_pooling"


def is_encoder(model_or_config: Any) -> bool:
    """Whether a model (or its config) is a bidirectional encoder: a ``model_type`` transformers
    has a masked-LM head for (BERT, RoBERTa / XLM-RoBERTa, ModernBERT, ...), not an
    encoder-decoder and not configured as a decoder."""
    from transformers.models.auto.modeling_auto import MODEL_FOR_MASKED_LM_MAPPING_NAMES

    config = getattr(base_model(model_or_config), "config", model_or_config)
    if getattr(config, "is_encoder_decoder", False) or getattr(config, "is_decoder", False):
        return False
    return getattr(config, "model_type", None) in MODEL_FOR_MASKED_LM_MAPPING_NAMES


def _sentence_transformers_pooling(model_dir: str) -> str | None:
    """The pooling a sentence-transformers checkpoint declares (``1_Pooling/config.json``)."""
    import json

    try:
        with open(os.path.join(model_dir, "1_Pooling", "config.json"), encoding="utf-8") as fh:
            config = json.load(fh)
    except (OSError, ValueError):
        return None
    for key, pooling in (("pooling_mode_cls_token", "cls"), ("pooling_mode_mean_tokens", "mean"),
                         ("pooling_mode_lasttoken", "last")):
        if config.get(key):
            return pooling
    return None


def resolve_pooling(model: Any, model_dir: str) -> str:
    """The pooling of an embedding model: ``$SWIFTKIT_EMBEDDING_POOLING``, else what a trained
    checkpoint recorded (config.json ``swiftkit_pooling``), else what a sentence-transformers
    checkpoint declares, else ``cls`` for an encoder and ``last`` for a decoder. An unknown
    name is an error naming where it came from."""
    chosen, origin = os.environ.get(POOLING_ENV) or None, f"${POOLING_ENV}"
    if chosen is None:
        chosen, origin = getattr(getattr(model, "config", None), POOLING_KEY, None), f"{model_dir}/config.json {POOLING_KEY}"
    if chosen is None:
        chosen, origin = _sentence_transformers_pooling(model_dir), f"{model_dir}/1_Pooling/config.json"
    if chosen is None:
        return "cls" if is_encoder(model) else "last"
    if chosen not in POOLINGS:
        raise SwiftkitError(f"{origin}: pooling {chosen!r} is not one of {', '.join(POOLINGS)}")
    return str(chosen)


def pooled_hidden(model: Any, input_ids: Any, attention_mask: Any, pooling: str = "last") -> Any:
    """The last layer's hidden state pooled per row, ``[rows, hidden]``: at each row's last real
    token (``last``), at its first token (``cls``) or averaged over its real tokens (``mean``)."""
    import torch

    kwargs = {} if is_encoder(model) else {"use_cache": False}
    out = backbone(model)(input_ids=input_ids, attention_mask=attention_mask, **kwargs)
    hidden = out.last_hidden_state if hasattr(out, "last_hidden_state") else out[0]
    if pooling == "cls":
        return hidden[:, 0]
    if pooling == "mean":
        mask = attention_mask.to(hidden.device, hidden.dtype).unsqueeze(-1)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
    rows = torch.arange(hidden.shape[0], device=hidden.device)
    return hidden[rows, last_positions(attention_mask).to(hidden.device)]


def classifier_logits(model: Any, input_ids: Any, attention_mask: Any) -> Any:
    """A sequence classifier's logits ``[rows, num_labels]``: an encoder's own forward (its head
    pools as the architecture does: BERT's pooler, XLM-R's ``<s>`` head, ModernBERT's
    ``classifier_pooling``); a decoder's ``score`` head at the last real token only."""
    if is_encoder(model):
        return base_model(model)(input_ids=input_ids, attention_mask=attention_mask).logits.float()
    return head_logits(model, "score", input_ids, attention_mask)


def head_logits(model: Any, head_name: str, input_ids: Any, attention_mask: Any) -> Any:
    """The model's head (``score`` of a classifier; ``lm_head`` through
    ``get_output_embeddings``) applied to the pooled hidden state only: ``[rows, outputs]``."""
    hf = base_model(model)
    head = hf.get_output_embeddings() if head_name == "lm_head" else getattr(hf, head_name, None)
    if head is None:
        raise SwiftkitError(f"{type(hf).__name__} has no {head_name!r} head to score with")
    pooled = pooled_hidden(model, input_ids, attention_mask)
    weight = next(head.parameters(), None)
    return head(pooled.to(weight.dtype) if weight is not None else pooled).float()


def load_tokenizer(model_dir: str, **kwargs: Any) -> Any:
    """The folder's tokenizer (``trust_remote_code`` / ``revision`` passed on); a tokenizer
    without a pad token pads with its eos token, as the causal-LM loader does."""
    from transformers import AutoTokenizer

    tok_kwargs = {k: kwargs[k] for k in ("trust_remote_code", "revision", "cache_dir", "local_files_only") if k in kwargs}
    tokenizer = AutoTokenizer.from_pretrained(model_dir, **tok_kwargs)
    if tokenizer.pad_token is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def model_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Loader keyword arguments as ``from_pretrained`` takes them (``torch_dtype`` -> ``dtype``)."""
    from swiftkit.models.hf import resolve_dtype

    out = dict(kwargs)
    out.setdefault("trust_remote_code", False)
    dtype = resolve_dtype(out.pop("torch_dtype", None))
    if dtype is not None:
        out["dtype"] = dtype
    return out


def load_classifier(model_dir: str, num_labels: int, problem_type: str | None, **kwargs: Any) -> tuple[Any, Any]:
    """``AutoModelForSequenceClassification`` with ``num_labels`` outputs (a fresh ``score``
    head on a causal LM's weights; a saved classifier keeps its own) and the tokenizer."""
    from transformers import AutoConfig, AutoModelForSequenceClassification

    tokenizer = load_tokenizer(model_dir, **kwargs)
    mk = model_kwargs(kwargs)
    config = AutoConfig.from_pretrained(model_dir, trust_remote_code=mk["trust_remote_code"])
    extra: dict[str, Any] = {}
    if getattr(config, "num_labels", None) != num_labels or not any("SequenceClassification" in a for a in config.architectures or []):
        extra["num_labels"] = num_labels
    if problem_type:
        extra["problem_type"] = problem_type
    model, info = AutoModelForSequenceClassification.from_pretrained(model_dir, **extra, **mk, output_loading_info=True)
    # the head's layers the checkpoint lacks start random: adapter tuners must train and save them
    # (peft's SEQ_CLS covers score/classifier only; ModernBERT's fresh `head` would stay frozen)
    prefix = getattr(model, "base_model_prefix", "") or ""
    model.swiftkit_fresh_modules = sorted({key.split(".")[0] for key in info.get("missing_keys") or []
                                           if key.split(".")[0] != prefix})
    if model.config.pad_token_id is None:
        model.config.pad_token_id = pad_id(tokenizer)
    return model, tokenizer


# ----------------------------------------------------------------------------- predictors


class TextInputs:
    """Renders and tokenizes predictor inputs the way the task's layout encodes training rows."""

    def __init__(self, model: Any, tokenizer: Any, template: Any, max_length: int | None = None, batch_size: int = 16):
        self.model, self.tokenizer, self.template = model, tokenizer, template
        self.max_length, self.batch_size = max_length, batch_size
        self.encoder = is_encoder(model)

    def conversation_ids(self, messages: list[dict[str, str]]) -> list[int]:
        """A conversation's token row (a decoder's rendering, an encoder's plain text)."""
        if self.encoder:
            return encoder_ids(self.tokenizer, plain_text(messages), None, self.max_length, "right", "input")[0]
        return token_ids(self.tokenizer, render_text(self.template, messages), self.max_length, "right", "input")[0]

    def pair_ids(self, query: list[dict[str, str]], document: list[dict[str, str]]) -> list[int]:
        """A query-document pair's token row (the judging prompt, or an encoder's text pair)."""
        if self.encoder:
            return encoder_ids(self.tokenizer, plain_text(query), plain_text(document), self.max_length, "right", "input")[0]
        return token_ids(self.tokenizer, pair_text(self.template, query, document), self.max_length, "right", "input")[0]

    def id_batches(self, rows: list[list[int]]) -> Any:
        """``(input_ids, attention_mask)`` of token rows on the model's device, ``batch_size`` at a time."""
        device = next(base_model(self.model).parameters()).device
        for start in range(0, len(rows), self.batch_size):
            ids, mask = pad(rows[start:start + self.batch_size], pad_id(self.tokenizer))
            yield ids.to(device), mask.to(device)

    def batches(self, texts: list[str]) -> Any:
        """``(input_ids, attention_mask)`` on the model's device, ``batch_size`` texts at a time
        (over-long texts keep their first ``max_length`` tokens)."""
        device = next(base_model(self.model).parameters()).device
        for start in range(0, len(texts), self.batch_size):
            rows = [token_ids(self.tokenizer, t, self.max_length, "right", "input")[0] for t in texts[start:start + self.batch_size]]
            ids, mask = pad(rows, pad_id(self.tokenizer))
            yield ids.to(device), mask.to(device)
