"""Write a Hugging Face model folder as one GGUF file (llama.cpp's format), with gguf-py's writer.

Per architecture (``config.model_type``) :data:`ARCHITECTURES` says which llama.cpp architecture
it is and what its tensors need on the way: llama and mistral store ``q_proj``/``k_proj`` rows
permuted the way llama.cpp's rotary embedding reads them (transformers' GGUF loader undoes it),
gemma stores its norms as ``1 + weight`` (llama.cpp multiplies by the weight itself). Tensor
names come from gguf-py's :class:`~gguf.TensorNameMap` for that architecture. The header carries
the hyper-parameters llama.cpp reads (rope scaling included), and the tokenizer (byte-level BPE:
the token list, merges, split-regex name; or SentencePiece-style BPE: tokens and scores; token
types, special ids and the model's ``chat_template``), so llama.cpp and Ollama need nothing
beside the file. Tensors spool to a temporary file as they are converted, one at a time.

Only :data:`ARCHITECTURES` are written: each is one the tests convert and read back with
transformers' GGUF loader. Others are refused naming the model type.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from swiftkit.plugins.export.gguf_quants import GGUF_QUANTS, choose_type, encode


@dataclass(frozen=True)
class GgufArch:
    """How one transformers ``model_type`` is written."""

    arch: str  #: gguf-py's MODEL_ARCH member name
    permute_qk: bool = False  #: llama.cpp's Q/K row order for rotary embeddings
    norm_plus_one: bool = False  #: norms stored as 1 + weight (gemma)
    #: tokenizer.ggml.pre when the tokenizer's own split regex does not name another
    pre_tokenizer: str = "default"


#: transformers model_type -> how it is written (each verified by reading it back in the tests)
ARCHITECTURES: dict[str, GgufArch] = {
    "llama": GgufArch("LLAMA", permute_qk=True, pre_tokenizer="llama-bpe"),
    "mistral": GgufArch("LLAMA", permute_qk=True, pre_tokenizer="llama-bpe"),
    "qwen2": GgufArch("QWEN2", pre_tokenizer="qwen2"),
    "qwen3": GgufArch("QWEN3", pre_tokenizer="qwen2"),
    "phi3": GgufArch("PHI3"),
    "gemma2": GgufArch("GEMMA2", norm_plus_one=True),
    "gemma3_text": GgufArch("GEMMA3", norm_plus_one=True),
}


def supported_model_types() -> list[str]:
    return sorted(ARCHITECTURES)


def _permute(w: np.ndarray, n_head: int) -> np.ndarray:
    """llama.cpp's order of a q/k projection's rows: per head, the two rotary halves interleaved."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _rope_theta(config: Any) -> float | None:
    value = getattr(config, "rope_theta", None)
    if value is None:
        params = getattr(config, "rope_parameters", None) or {}
        if isinstance(params, dict):
            value = params.get("rope_theta") or (params.get("full_attention") or {}).get("rope_theta")
    return float(value) if value is not None else None


def _rope_parameters(config: Any) -> dict[str, Any]:
    """The rope scaling of the (full-attention) layers: transformers 5's ``rope_parameters`` or
    the older ``rope_scaling``; empty for plain rotary embeddings."""
    params = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {}
    if isinstance(params, dict) and isinstance(params.get("full_attention"), dict):
        params = params["full_attention"]
    kind = params.get("rope_type") or params.get("type") if isinstance(params, dict) else None
    return {} if kind in (None, "default") else dict(params, rope_type=kind)


def llama3_rope_factors(rope: dict[str, Any], theta: float, head_dim: int) -> np.ndarray:
    """Per rotary frequency, the divisor Llama 3.1's long-context scaling applies (llama.cpp reads
    them from the ``rope_freqs`` tensor): 1 for short wavelengths, ``factor`` for long ones, a
    smooth blend between the two thresholds."""
    factor = float(rope["factor"])
    low, high = float(rope.get("low_freq_factor", 1.0)), float(rope.get("high_freq_factor", 4.0))
    old = float(rope.get("original_max_position_embeddings", 8192))
    freqs = 1.0 / theta ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    wavelen = 2 * np.pi / freqs
    smooth = (old / wavelen - low) / (high - low)
    blended = 1.0 / ((1 - smooth) / factor + smooth)
    out = np.where(wavelen < old / high, 1.0, np.where(wavelen > old / low, factor, blended))
    return out.astype(np.float32)


def _write_rope_scaling(w: Any, config: Any, spec: GgufArch, where: str) -> np.ndarray | None:
    """Rope scaling metadata; returns Llama 3's ``rope_freqs`` tensor when the model needs one.
    Kinds llama.cpp reads differently, or not at all, are refused naming the kind."""
    import gguf

    rope = _rope_parameters(config)
    kind = rope.get("rope_type")
    if not kind:
        return None
    if kind == "llama3" and spec.arch == "LLAMA":
        return llama3_rope_factors(rope, _rope_theta(config) or 10000.0, _head_dim(config))
    if kind in ("linear", "yarn"):
        w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR if kind == "linear" else gguf.RopeScalingType.YARN)
        w.add_rope_scaling_factor(float(rope["factor"]))
        if rope.get("original_max_position_embeddings"):
            w.add_rope_scaling_orig_ctx_len(int(rope["original_max_position_embeddings"]))
        return None
    raise ValueError(f"{where}: rope scaling {kind!r} is not written by the GGUF writer (written: llama3 for "
                     "llama, linear, yarn)")


def _head_dim(config: Any) -> int:
    return int(getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads)


def _write_hparams(w: Any, config: Any, spec: GgufArch, name: str | None) -> None:
    head_dim = _head_dim(config)
    if name:
        w.add_name(name)
    w.add_context_length(int(config.max_position_embeddings))
    w.add_embedding_length(int(config.hidden_size))
    w.add_block_count(int(config.num_hidden_layers))
    w.add_feed_forward_length(int(config.intermediate_size))
    w.add_head_count(int(config.num_attention_heads))
    w.add_head_count_kv(int(getattr(config, "num_key_value_heads", None) or config.num_attention_heads))
    w.add_layer_norm_rms_eps(float(config.rms_norm_eps))
    theta = _rope_theta(config)
    if theta is not None:
        w.add_rope_freq_base(theta)
    rotary = int(head_dim * float(getattr(config, "partial_rotary_factor", 1.0) or 1.0))
    w.add_rope_dimension_count(rotary)
    w.add_key_length(head_dim)
    w.add_value_length(head_dim)
    w.add_vocab_size(int(config.vocab_size))
    for attr, adder in (("attn_logit_softcapping", "add_attn_logit_softcapping"),
                        ("final_logit_softcapping", "add_final_logit_softcapping"),
                        ("sliding_window", "add_sliding_window")):
        value = getattr(config, attr, None)
        if value is not None and spec.arch.startswith("GEMMA"):
            getattr(w, adder)(value)


def _split_pattern(pre: dict[str, Any]) -> str | None:
    """The regex of a ``Split`` pre-tokenizer (alone or in a ``Sequence``), if any."""
    items = pre.get("pretokenizers") if pre.get("type") == "Sequence" else [pre]
    for item in items or []:
        if item.get("type") == "Split":
            pattern = item.get("pattern") or {}
            return pattern.get("Regex") or pattern.get("String")
    return None


def pre_tokenizer_name(pre: dict[str, Any], spec: GgufArch) -> tuple[str, str | None]:
    """llama.cpp's name of the tokenizer's split regex (``tokenizer.ggml.pre``), and a note when
    it is not known. llama.cpp picks its split regex by this name (transformers' GGUF loader too),
    so it must describe the regex the merges were learned with, not the family."""
    if pre.get("type") == "ByteLevel" and pre.get("use_regex", True):
        return "gpt-2", None  # GPT-2's own regex, inside the ByteLevel step
    pattern = _split_pattern(pre)
    if pattern is None:
        return spec.pre_tokenizer, f"no split regex found in the tokenizer: tokenizer.ggml.pre {spec.pre_tokenizer!r}"
    try:
        from transformers.integrations.gguf.gguf_tokenizer_mapping import GGUF_PRE_TOKENIZER_SPLITS as known
    except ImportError:  # another transformers layout: trust the family
        known = {}
    names = [name for name, regex in known.items() if regex == pattern]
    if spec.pre_tokenizer in names or not names:
        note = None if names or not known else \
            f"the tokenizer's split regex has no known llama.cpp name: tokenizer.ggml.pre {spec.pre_tokenizer!r}"
        return spec.pre_tokenizer, note
    return names[0], None


def _write_tokenizer(w: Any, source_dir: str, spec: GgufArch, vocab_size: int) -> list[str]:
    """Write the tokenizer keys llama.cpp reads (byte-level BPE, or SentencePiece-style BPE with
    byte fallback); returns notes."""
    import gguf

    path = os.path.join(source_dir, "tokenizer.json")
    if not os.path.exists(path):
        raise ValueError(f"{source_dir}: no tokenizer.json; the GGUF writer needs a fast tokenizer's file "
                         "to write the vocabulary llama.cpp tokenizes with")
    with open(path, encoding="utf-8") as f:
        tok = json.load(f)
    model = tok.get("model") or {}
    pre = json.dumps(tok.get("pre_tokenizer") or {})
    sentencepiece = model.get("type") == "BPE" and bool(model.get("byte_fallback")) and "ByteLevel" not in pre
    if model.get("type") != "BPE" or (not sentencepiece and "ByteLevel" not in pre):
        raise ValueError(f"{path}: tokenizer model {model.get('type')!r} "
                         f"(byte_fallback={model.get('byte_fallback')!r}) is neither byte-level BPE nor SentencePiece "
                         "BPE with byte fallback; the GGUF writer writes those two only")
    vocab: dict[str, int] = dict(model.get("vocab") or {})
    added = {t["content"]: t for t in tok.get("added_tokens") or []}
    for content, t in added.items():
        vocab.setdefault(content, t["id"])
    by_id: dict[int, str] = {i: s for s, i in vocab.items()}
    size = max(vocab_size, max(by_id) + 1)
    tokens, types = [], []
    for i in range(size):
        text = by_id.get(i)
        if text is None:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
        else:
            tokens.append(text)
            special = text in added and added[text].get("special", True)
            types.append(gguf.TokenType.CONTROL if special else
                         gguf.TokenType.USER_DEFINED if text in added else gguf.TokenType.NORMAL)
    notes: list[str] = []
    if sentencepiece:
        _write_sentencepiece(w, tok, tokens, types)
    else:
        merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges") or []]
        pre_name, pre_note = pre_tokenizer_name(tok.get("pre_tokenizer") or {}, spec)
        w.add_tokenizer_model("gpt2")
        w.add_tokenizer_pre(pre_name)
        w.add_token_list(tokens)
        w.add_token_types(types)
        w.add_token_merges(merges)
        notes += [pre_note] if pre_note else []
    cfg_path = os.path.join(source_dir, "tokenizer_config.json")
    tcfg = json.load(open(cfg_path, encoding="utf-8")) if os.path.exists(cfg_path) else {}

    def token_id(key: str) -> int | None:
        value = tcfg.get(key)
        if isinstance(value, dict):
            value = value.get("content")
        return vocab.get(value) if isinstance(value, str) else None

    for key, adder in (("bos_token", "add_bos_token_id"), ("eos_token", "add_eos_token_id"),
                       ("pad_token", "add_pad_token_id"), ("unk_token", "add_unk_token_id")):
        found = token_id(key)
        if found is not None:
            getattr(w, adder)(found)
    w.add_add_bos_token(bool(tcfg.get("add_bos_token", False)))
    template = tcfg.get("chat_template")
    jinja = os.path.join(source_dir, "chat_template.jinja")
    if template is None and os.path.exists(jinja):
        template = open(jinja, encoding="utf-8").read()
    if isinstance(template, str):
        w.add_chat_template(template)
    else:
        notes.append("the tokenizer has no chat_template: the GGUF carries none")
    return notes


def _write_sentencepiece(w: Any, tok: dict[str, Any], tokens: list[str], types: list[Any]) -> None:
    """llama.cpp's ``llama`` (SentencePiece) vocabulary: tokens with their ``▁``, scores that rank
    merges (a BPE vocabulary is ordered by merge, so the id's negative), byte tokens typed BYTE."""
    import re

    import gguf

    scores = []
    for i, text in enumerate(tokens):
        if re.fullmatch(r"<0x[0-9A-Fa-f]{2}>", text):
            types[i] = gguf.TokenType.BYTE
        elif text == (tok.get("model") or {}).get("unk_token"):
            types[i] = gguf.TokenType.UNKNOWN
        scores.append(0.0 if types[i] != gguf.TokenType.NORMAL else -float(i))
    blob = json.dumps({k: tok.get(k) for k in ("normalizer", "pre_tokenizer")})
    w.add_tokenizer_model("llama")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_scores(scores)
    w.add_token_types(types)
    w.add_add_space_prefix('"Prepend"' in blob or '"prepend_scheme": "first"' in blob or '"always"' in blob)


def _tensors(source_dir: str) -> Iterator[tuple[str, np.ndarray]]:
    """The folder's weights as float32 numpy arrays, one at a time (bf16 through torch)."""
    from safetensors import safe_open

    files = sorted(f for f in os.listdir(source_dir) if f.endswith(".safetensors"))
    if not files:
        raise ValueError(f"{source_dir}: no *.safetensors weights (the GGUF writer reads safetensors folders)")
    for name in files:
        with safe_open(os.path.join(source_dir, name), framework="pt") as f:
            for key in f.keys():  # noqa: SIM118 - safe_open is not a mapping
                yield key, f.get_tensor(key).float().numpy()


@dataclass
class GgufWriteResult:
    path: str
    types: dict[str, int]  #: ggml type name -> number of tensors written in it
    notes: list[str]


def write_gguf(source_dir: str, path: str, quant: str = "f16", *, name: str | None = None,
               log: Callable[[str], None] = print) -> GgufWriteResult:
    """Write ``source_dir`` (a transformers causal LM folder) as the GGUF file ``path`` with the
    tensor types of ``--gguf_quant quant`` (see :data:`~swiftkit.plugins.export.gguf_quants.GGUF_QUANTS`)."""
    import gguf
    from transformers import AutoConfig

    if quant not in GGUF_QUANTS:
        raise ValueError(f"--gguf_quant {quant!r} is not supported: use one of {', '.join(GGUF_QUANTS)}")
    config = AutoConfig.from_pretrained(source_dir)
    model_type = getattr(config, "model_type", None)
    spec = ARCHITECTURES.get(model_type)
    if spec is None:
        raise ValueError(f"{source_dir}/config.json: model_type {model_type!r} has no GGUF writer; written are "
                         f"{', '.join(supported_model_types())}")
    arch = getattr(gguf.MODEL_ARCH, spec.arch)
    n_layers = int(config.num_hidden_layers)
    tmap = gguf.get_tensor_name_map(arch, n_layers)
    name = name or os.path.basename(os.path.normpath(source_dir))
    notes: list[str] = []
    if model_type == "mistral":
        # transformers 5.19 reads a llama file named "*mistral*" as model_type mistral, for which
        # gguf-py 0.19 has no tensor map, and fails; llama.cpp needs no name
        name = None
        notes.append("mistral: written as llama.cpp's llama architecture without general.name (transformers' "
                     "GGUF loader fails on llama files named *mistral*)")
    # tensors spool to a temporary file as they are added: memory holds one tensor, not the model
    w = gguf.GGUFWriter(path, gguf.MODEL_ARCH_NAMES[arch], use_temp_file=True)
    _write_hparams(w, config, spec, name)
    w.add_file_type(GGUF_QUANTS[quant][0])
    rope_freqs = _write_rope_scaling(w, config, spec, f"{source_dir}/config.json")
    notes += _write_tokenizer(w, source_dir, spec, int(config.vocab_size))
    has_output = gguf.MODEL_TENSOR.OUTPUT in gguf.MODEL_TENSORS[arch]
    n_head = int(config.num_attention_heads)
    n_kv = int(getattr(config, "num_key_value_heads", None) or n_head)
    tied = bool(getattr(config, "tie_word_embeddings", False))
    counts: dict[str, int] = {}
    if rope_freqs is not None:
        w.add_tensor(gguf.TENSOR_NAMES[gguf.MODEL_TENSOR.ROPE_FREQS] + ".weight", rope_freqs)
        counts["F32"] = 1
    for key, array in _tensors(source_dir):
        if key.endswith((".rotary_emb.inv_freq", "attention.masked_bias", "attention.bias")):
            continue
        if key == "lm_head.weight" and (tied or not has_output):
            if not tied:
                raise ValueError(f"{source_dir}: lm_head.weight is not tied to the token embedding "
                                 f"(tie_word_embeddings false), but llama.cpp's {spec.arch.lower()} has no output head")
            continue
        gname = tmap.get_name(key, try_suffixes=(".weight", ".bias"))
        if gname is None:
            raise ValueError(f"{source_dir}: tensor {key!r} has no name in gguf-py's map of {spec.arch.lower()}")
        if spec.permute_qk and key.endswith("q_proj.weight"):
            array = _permute(array, n_head)
        elif spec.permute_qk and key.endswith("k_proj.weight"):
            array = _permute(array, n_kv)
        if spec.norm_plus_one and key.endswith("norm.weight"):
            array = array + 1.0
        is_output = gname == "output.weight" or ((tied or not has_output) and gname == "token_embd.weight")
        qtype, note = choose_type(gname, array.shape, quant, n_layers, is_output=is_output)
        if note:
            notes.append(note)
        data, raw = encode(array, qtype)
        if raw is None:
            w.add_tensor(gname, data)
        else:
            w.add_tensor(gname, data, raw_shape=data.shape, raw_dtype=raw)
        counts[qtype] = counts.get(qtype, 0) + 1
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    log(f"gguf: wrote {path} ({', '.join(f'{n} {t}' for t, n in sorted(counts.items()))})")
    return GgufWriteResult(path, counts, notes)
