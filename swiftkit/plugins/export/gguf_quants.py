"""K-quant block encoders in numpy (Q4_K, Q6_K) and llama.cpp's per-tensor type choice.

gguf-py quantizes F16/Q8_0/Q4_0/Q5_0 itself but has no K-quant encoder (only the decoders), and
llama.cpp's ``llama-quantize`` needs a C++ build. The encoders here write the exact block layouts
ggml reads (checked against ``gguf.quants.dequantize`` in the tests); the scales are a min/max
fit refined by a small grid search and least squares per sub-block, simpler than llama.cpp's ``make_qkx2_quants``,
so their error is somewhat above llama.cpp's for the same type.

Type choice follows llama.cpp's ``Q4_K_M`` recipe: the output head (or the tied embedding) Q6_K,
``attn_v``/``ffn_down`` of the first and last eighth of the layers and every third in between
Q6_K, other 2-D weights Q4_K, 1-D tensors (norms, biases) F32. K-quants need rows whose length
is a multiple of 256; like llama.cpp, such tensors fall back to Q5_0 (for Q4_K) or Q8_0 (for
Q6_K), and to F16 when the row is not even a multiple of 32.
"""

from __future__ import annotations

from typing import Any

import numpy as np

QK_K = 256

#: --gguf_quant value -> (gguf file_type (llama.cpp's LLAMA_FTYPE), the type most 2-D weights get)
GGUF_QUANTS: dict[str, tuple[int, str]] = {
    "f32": (0, "F32"),
    "f16": (1, "F16"),
    "q8_0": (7, "Q8_0"),
    "q4_0": (2, "Q4_0"),
    "q4_k_m": (15, "Q4_K"),
}

#: a K-quant that cannot encode a tensor's rows -> the type llama.cpp uses instead
_FALLBACK = {"Q4_K": "Q5_0", "Q6_K": "Q8_0"}
_BLOCK = {"Q4_K": QK_K, "Q6_K": QK_K, "Q5_0": 32, "Q8_0": 32, "Q4_0": 32, "F16": 1, "F32": 1}


def _f16(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float16).view(np.uint8).reshape(*x.shape[:-1], -1)


def quantize_q6_k(rows: np.ndarray) -> np.ndarray:
    """Encode float rows (length a multiple of 256) as Q6_K blocks: per 256 values 128 bytes of
    low nibbles, 64 bytes of high 2-bit pairs, 16 int8 scales (one per 16 values), an fp16 d."""
    x = np.asarray(rows, dtype=np.float32).reshape(-1, QK_K)
    n = x.shape[0]
    sub = x.reshape(n, 16, 16)
    # signed max so that the extreme value lands on -32 (the wider side of the int6 range)
    idx = np.abs(sub).argmax(axis=-1)
    peak = np.take_along_axis(sub, idx[..., None], axis=-1)[..., 0]
    scale = -peak / 32.0
    amax = np.abs(scale).max(axis=-1)
    d = np.where(amax > 0, amax / 127.0, 0.0).astype(np.float16).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = np.where(d[:, None] > 0, np.round(scale / d[:, None]), 0).clip(-128, 127).astype(np.int8)
        eff = (d[:, None] * sc.astype(np.float32))[..., None]
        q = np.where(eff != 0, np.round(sub / eff), 0).clip(-32, 31).astype(np.int16) + 32
    q = q.astype(np.uint8).reshape(n, 2, 4, 32)
    low, high = q & 0x0F, q >> 4
    ql = np.concatenate([low[:, :, 0] | (low[:, :, 2] << 4), low[:, :, 1] | (low[:, :, 3] << 4)], axis=2)
    qh = high[:, :, 0] | (high[:, :, 1] << 2) | (high[:, :, 2] << 4) | (high[:, :, 3] << 6)
    return np.concatenate([ql.reshape(n, 128), qh.reshape(n, 64), sc.view(np.uint8), _f16(d[:, None])], axis=1)


def _fit_q4(sub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per 32-value sub-block: scale s >= 0 and offset m >= 0 with x ~ s*q - m, q in 0..15,
    the best of a few candidate ranges around min/max (least squared error)."""
    lo = np.minimum(sub.min(axis=-1), 0.0)
    hi = sub.max(axis=-1)
    best_s = best_m = best_err = None
    for shrink in (1.0, 0.95, 0.9, 0.85):
        mid_lo = lo * shrink
        s = (hi - mid_lo) / 15.0
        m = -mid_lo
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(s[..., None] > 0, np.round((sub + m[..., None]) / s[..., None]), 0).clip(0, 15)
        err = ((s[..., None] * q - m[..., None] - sub) ** 2).sum(axis=-1)
        if best_err is None:
            best_s, best_m, best_err = s, m, err
        else:
            better = err < best_err
            best_s, best_m, best_err = (np.where(better, s, best_s), np.where(better, m, best_m),
                                        np.where(better, err, best_err))
    s, m = best_s, best_m
    for _ in range(3):  # refine: least-squares scale and offset for the levels just chosen
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(s[..., None] > 0, np.round((sub + m[..., None]) / s[..., None]), 0).clip(0, 15)
            qm, xm = q.mean(axis=-1), sub.mean(axis=-1)
            var = ((q - qm[..., None]) ** 2).mean(axis=-1)
            fit_s = np.where(var > 0, ((q - qm[..., None]) * (sub - xm[..., None])).mean(axis=-1) / var, s)
        fit_s = np.where(fit_s > 0, fit_s, s)
        fit_m = np.maximum(fit_s * qm - xm, 0.0)
        err = ((fit_s[..., None] * q - fit_m[..., None] - sub) ** 2).sum(axis=-1)
        better = err < best_err
        s, m, best_err = np.where(better, fit_s, s), np.where(better, fit_m, m), np.where(better, err, best_err)
    return s, m


def quantize_q4_k(rows: np.ndarray) -> np.ndarray:
    """Encode float rows (length a multiple of 256) as Q4_K blocks: per 256 values fp16 d and
    dmin, 12 bytes of packed 6-bit sub-block scales and mins, 128 bytes of nibbles (4.5 bits a weight)."""
    x = np.asarray(rows, dtype=np.float32).reshape(-1, QK_K)
    n = x.shape[0]
    sub = x.reshape(n, 8, 32)
    s, m = _fit_q4(sub)
    d = (s.max(axis=-1) / 63.0).astype(np.float16).astype(np.float32)
    dmin = (m.max(axis=-1) / 63.0).astype(np.float16).astype(np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        sc = np.where(d[:, None] > 0, np.round(s / d[:, None]), 0).clip(0, 63).astype(np.uint8)
        mn = np.where(dmin[:, None] > 0, np.round(m / dmin[:, None]), 0).clip(0, 63).astype(np.uint8)
        eff_s = (d[:, None] * sc)[..., None]
        eff_m = (dmin[:, None] * mn)[..., None]
        q = np.where(eff_s > 0, np.round((sub + eff_m) / eff_s), 0).clip(0, 15).astype(np.uint8)
    scales = np.zeros((n, 12), dtype=np.uint8)
    scales[:, 0:4] = sc[:, 0:4] | ((sc[:, 4:8] >> 4) << 6)
    scales[:, 4:8] = mn[:, 0:4] | ((mn[:, 4:8] >> 4) << 6)
    scales[:, 8:12] = (sc[:, 4:8] & 0x0F) | ((mn[:, 4:8] & 0x0F) << 4)
    qs = (q[:, 0::2] | (q[:, 1::2] << 4)).reshape(n, 128)
    return np.concatenate([_f16(d[:, None]), _f16(dmin[:, None]), scales, qs], axis=1)


def _use_more_bits(i: int, n: int) -> bool:
    """llama.cpp's choice of the layers whose attn_v / ffn_down get Q6_K in Q4_K_M."""
    return i < n // 8 or i >= 7 * n // 8 or (i - n // 8) % 3 == 2


def choose_type(gguf_name: str, shape: tuple[int, ...], quant: str, n_layers: int, *, is_output: bool) -> tuple[str, str | None]:
    """The ggml type of one tensor for ``--gguf_quant quant`` and, when the preferred type could
    not encode its rows, a note saying which fallback was taken. ``is_output``: the output head
    (or the token embedding when the head is tied to it)."""
    if len(shape) < 2 or quant == "f32":
        return "F32", None
    if quant == "f16":
        return "F16", None
    if quant == "q8_0":
        want = "Q8_0"
    else:
        want = GGUF_QUANTS[quant][1]
        if is_output:
            want = "Q6_K"
        elif quant == "q4_k_m":
            layer = _layer_of(gguf_name)
            if layer is not None and (".attn_v." in gguf_name or ".ffn_down." in gguf_name) \
                    and _use_more_bits(layer, n_layers):
                want = "Q6_K"
    row = shape[-1]
    chosen = want
    while row % _BLOCK[chosen]:
        chosen = _FALLBACK.get(chosen, "F16")
    note = None if chosen == want else f"{gguf_name}: rows of {row} values are not a multiple of {_BLOCK[want]}, " \
        f"{chosen} instead of {want} (as llama.cpp does)"
    return chosen, note


def _layer_of(gguf_name: str) -> int | None:
    parts = gguf_name.split(".")
    return int(parts[1]) if len(parts) > 2 and parts[0] == "blk" and parts[1].isdigit() else None


def encode(array: np.ndarray, qtype: str) -> tuple[np.ndarray, Any]:
    """``(data, raw_dtype)`` for ``GGUFWriter.add_tensor``: ``raw_dtype`` None for F32/F16
    (the writer infers them from the numpy dtype)."""
    import gguf

    if qtype == "F32":
        return array.astype(np.float32), None
    if qtype == "F16":
        return array.astype(np.float16), None
    gtype = getattr(gguf.GGMLQuantizationType, qtype)
    flat = array.astype(np.float32).reshape(-1, array.shape[-1])
    if qtype == "Q4_K":
        blocks = quantize_q4_k(flat)
    elif qtype == "Q6_K":
        blocks = quantize_q6_k(flat)
    else:
        return gguf.quants.quantize(array.astype(np.float32), gtype), gtype
    type_size = gguf.GGML_QUANT_SIZES[gtype][1]
    return blocks.reshape(*array.shape[:-1], array.shape[-1] // QK_K * type_size), gtype
