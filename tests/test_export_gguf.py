"""`swift export --to_gguf`: GGUF files that transformers' GGUF loader reads back as the source.

What matters: each family the writer claims (llama, mistral, qwen2, qwen3, phi3, gemma2, gemma3) comes
back with the same logits (f16: rounding only) and the same greedy tokens, so tensor names, the
llama Q/K permutation, gemma's norm offset and the hyper-parameters are right; the tokenizer
round-trips; the numpy Q4_K/Q6_K blocks decode with gguf-py's own decoder, and q4_k_m uses
llama.cpp's mix with its fallbacks; `swift export` runs gguf + ollama with the quality check.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from swiftkit.plugins.export.gguf_quants import choose_type, encode
from swiftkit.testing.tiny import build_tiny_model

pytestmark = pytest.mark.usefixtures("one_torch_thread")

#: family -> (model id, config overrides that transformers' GGUF loader can restore)
FAMILIES = {
    "qwen2": ("qwen2.5-0.5b-instruct", {}),
    "llama": ("llama2-7b", {}),
    "mistral": ("mistral-7b-instruct-v0.1", {}),
    # the loader has no qwen3 head_dim key: it assumes Qwen3's 128
    "qwen3": ("qwen3-0.6b", {"head_dim": 128}),
    "phi3": ("phi3-mini-4k-instruct", {}),
    # llama.cpp's gemma2 has no separate output head; the loader assumes query_pre_attn_scalar 256
    "gemma2": ("gemma2-2b-it", {"tie_word_embeddings": True, "query_pre_attn_scalar": 256}),
    # ... and gemma3's layer pattern (5 sliding-window layers, then a global one)
    "gemma3_text": ("gemma-3-1b-pt", {"tie_word_embeddings": True, "query_pre_attn_scalar": 256,
                                      "num_hidden_layers": 6, "layer_types": None}),
}
IDS = [[3, 17, 42, 99, 7, 250, 11, 64, 300, 5]]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    built: dict[str, str] = {}

    def get(family: str, **extra) -> str:
        key = family + json.dumps(extra, sort_keys=True)
        if key not in built:
            model, overrides = FAMILIES[family]
            built[key] = str(build_tiny_model(model, tmp_path_factory.mktemp(family), **{**overrides, **extra}))
        return built[key]

    return get


def _logits_and_greedy(model):
    import torch

    ids = torch.tensor(IDS)
    with torch.no_grad():
        logits = model(ids).logits
        greedy = model.generate(ids, max_new_tokens=8, do_sample=False, eos_token_id=None, pad_token_id=0)
    return logits, greedy[0, len(IDS[0]):].tolist()


def _roundtrip(source: str, out: str, quant: str):
    from swiftkit.export.quality import load_source
    from swiftkit.plugins.export.gguf_impl import load_gguf
    from swiftkit.plugins.export.gguf_writer import write_gguf

    os.makedirs(out, exist_ok=True)
    written = write_gguf(source, os.path.join(out, f"m-{quant}.gguf"), quant, log=lambda _t: None)
    ref_logits, ref_greedy = _logits_and_greedy(load_source(source))
    back = load_gguf(out)
    logits, greedy = _logits_and_greedy(back)
    return written, back, float((logits - ref_logits).abs().max()), greedy == ref_greedy


@pytest.mark.parametrize("family", list(FAMILIES))
def test_family_reads_back_with_the_same_logits(family, tiny, tmp_path):
    written, back, diff, same_greedy = _roundtrip(tiny(family), str(tmp_path), "f16")
    expected = {"mistral": "llama"}.get(family, family)
    assert back.config.model_type == expected
    assert diff < 5e-3, f"{family}: max-abs logit diff {diff}"
    assert same_greedy
    assert set(written.types) == {"F16", "F32"}


def test_q8_0_llama_and_the_tokenizer_round_trip(tiny, tmp_path):
    from transformers import AutoTokenizer

    source = tiny("llama")
    written, _, diff, same_greedy = _roundtrip(source, str(tmp_path), "q8_0")
    assert set(written.types) == {"Q8_0", "F32"} and diff < 5e-2 and same_greedy
    ours = AutoTokenizer.from_pretrained(source)
    back = AutoTokenizer.from_pretrained(str(tmp_path), gguf_file="m-q8_0.gguf")
    text = "hello world,  how are you? 12345 it's\n\nok </s>"
    assert back(text)["input_ids"] == ours(text)["input_ids"]
    assert back.eos_token == ours.eos_token
    assert back.chat_template == ours.chat_template


def test_q4_k_m_mix_on_rows_of_256(tiny, tmp_path):
    source = tiny("qwen2", hidden_size=256, intermediate_size=512, head_dim=64)
    written, _, diff, _ = _roundtrip(source, str(tmp_path), "q4_k_m")
    # Q6_K: the output head, and attn_v/ffn_down of layer 1 (the last eighth of 2 layers)
    assert written.types["Q6_K"] == 3 and written.types["Q4_K"] == 13, written.types
    assert not written.notes
    assert diff < 1.0
    f32 = sum(os.path.getsize(os.path.join(source, f)) for f in os.listdir(source) if f.endswith(".safetensors"))
    assert os.path.getsize(tmp_path / "m-q4_k_m.gguf") < 0.2 * f32


def test_k_quant_blocks_decode_with_gguf_py():
    import gguf

    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 512)).astype(np.float32)
    err = {}
    for qtype in ("Q4_K", "Q6_K", "Q4_0", "Q5_0"):
        data, raw = encode(x, qtype)
        back = gguf.quants.dequantize(data, raw)
        assert back.shape == x.shape
        err[qtype] = float(np.sqrt(((back - x) ** 2).mean()))
    assert err["Q4_K"] < err["Q4_0"] and err["Q4_K"] < 0.09
    assert err["Q6_K"] < err["Q5_0"] / 1.5 and err["Q6_K"] < 0.03
    zeros, raw = encode(np.zeros((2, 256), np.float32), "Q4_K")
    assert not np.any(gguf.quants.dequantize(zeros, raw))


def test_q4_k_m_type_choice_follows_llama_cpp():
    def t(name, shape=(256, 512), n=8, out=False):
        return choose_type(name, shape, "q4_k_m", n, is_output=out)

    assert t("output.weight", out=True) == ("Q6_K", None)
    assert t("blk.0.attn_v.weight")[0] == "Q6_K"  # first eighth
    assert t("blk.7.ffn_down.weight")[0] == "Q6_K"  # last eighth
    assert t("blk.3.attn_v.weight")[0] == "Q6_K"  # (3 - 1) % 3 == 2
    assert t("blk.2.attn_v.weight")[0] == "Q4_K"
    assert t("blk.2.attn_q.weight")[0] == "Q4_K"
    assert t("blk.0.attn_norm.weight", shape=(256,)) == ("F32", None)
    kind, note = t("blk.2.attn_q.weight", shape=(64, 64))
    assert kind == "Q5_0" and "not a multiple of 256" in note
    assert t("output.weight", shape=(64, 64), out=True)[0] == "Q8_0"
    assert t("blk.2.attn_q.weight", shape=(48, 48))[0] == "F16"


def test_unsupported_architecture_is_refused(tmp_path):
    from swiftkit.core.export.interface import ExportContext
    from swiftkit.plugins.export.gguf_impl import write_step

    (tmp_path / "config.json").write_text(json.dumps({"model_type": "gpt_neox"}))
    ctx = ExportContext(source_dir=str(tmp_path), output_dir=str(tmp_path), config={}, dry_run=True)
    with pytest.raises(ValueError, match=r"model_type 'gpt_neox' has no GGUF writer; written are .*qwen2"):
        write_step(ctx, "f16")


def test_swift_export_gguf_and_ollama_with_quality_check(tiny, tmp_path):
    from swiftkit.core.config import build_config
    from swiftkit.core.registry import get_registry
    from swiftkit.export.pipeline import run_export_pipeline

    source = tiny("qwen2")
    registry = get_registry()
    out = tmp_path / "out"
    config = build_config(registry, command="export", cli_args=[
        "--model", source, "--to_gguf", "true", "--gguf_quant", "q8_0", "--to_ollama", "true",
        "--quality_check", "true", "--output_dir", str(out)])
    result = run_export_pipeline(config, registry)
    gguf_step, ollama_step = result.steps
    assert (gguf_step.exporter, ollama_step.exporter) == ("gguf", "ollama")
    name = gguf_step.files[0]
    assert name.endswith("-q8_0.gguf") and sorted(os.listdir(out)) == sorted([name, "Modelfile", "export.json"])
    m = gguf_step.metrics
    assert m["max_abs_logit_diff"] < 5e-2 and m["greedy_agreement"] >= 0.9 and m["size_ratio"] < 0.4
    modelfile = (out / "Modelfile").read_text()
    assert f"FROM ./{name}" in modelfile and 'PARAMETER stop "<|im_end|>"' in modelfile
    assert json.loads((out / "export.json").read_text())["steps"][1]["files"] == ["Modelfile"]

    # a dry run names the files and writes nothing
    config = build_config(registry, command="export", cli_args=[
        "--model", source, "--to_gguf", "true", "--gguf_quant", "q4_k_m", "--to_ollama", "true", "--dry_run", "true",
        "--output_dir", str(tmp_path / "dry")])
    dry = run_export_pipeline(config, registry)
    assert [s.files for s in dry.steps] == [[name.replace("q8_0", "q4_k_m")], ["Modelfile"]]
    assert not (tmp_path / "dry").exists()

    # without --to_gguf, the ollama step writes the GGUF itself (f16 by default)
    alone = tmp_path / "alone"
    config = build_config(registry, command="export", cli_args=[
        "--model", source, "--to_ollama", "true", "--output_dir", str(alone)])
    (step,) = run_export_pipeline(config, registry).steps
    assert step.files[0].endswith("-f16.gguf") and step.files[1] == "Modelfile"
    assert f"FROM ./{step.files[0]}" in (alone / "Modelfile").read_text()


def test_sentencepiece_vocabulary_round_trips(tiny, tmp_path):
    """Llama 2 / Mistral v0.1 style: BPE with byte fallback and ▁ for spaces (llama.cpp's "llama" model)."""
    import shutil

    from tokenizers import Tokenizer, models, normalizers, trainers
    from transformers import AutoTokenizer, LlamaTokenizer

    from swiftkit.plugins.export.gguf_writer import write_gguf

    bpe = Tokenizer(models.BPE(byte_fallback=True, unk_token="<unk>"))
    bpe.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    specials = ["<unk>", "<s>", "</s>"] + [f"<0x{i:02X}>" for i in range(256)]
    corpus = ["hello world how are you today", "the quick brown fox jumps over the lazy dog", "fine thanks 12345"]
    bpe.train_from_iterator(corpus * 20, trainers.BpeTrainer(vocab_size=400, special_tokens=specials,
                                                             show_progress=False))
    learned = json.loads(bpe.to_str())["model"]
    source = tmp_path / "src"
    shutil.copytree(tiny("llama"), source)
    for name in os.listdir(source):
        if name.startswith("tokenizer") or name in ("special_tokens_map.json", "chat_template.jinja"):
            os.remove(source / name)
    LlamaTokenizer(vocab=learned["vocab"], merges=[tuple(m) for m in learned["merges"]]).save_pretrained(source)
    write_gguf(str(source), str(tmp_path / "m.gguf"), "f16", log=lambda _t: None)
    ours = AutoTokenizer.from_pretrained(source)
    back = AutoTokenizer.from_pretrained(tmp_path, gguf_file="m.gguf")
    for text in ("hello world how are you", "Hello  World? 42 zebra!", "ünïcode ok"):  # unseen bytes: fallback
        assert back(text)["input_ids"] == ours(text)["input_ids"], text


def test_llama3_rope_scaling_is_written_as_rope_freqs(tiny, tmp_path):
    """llama.cpp divides each rotary frequency by `rope_freqs`; they must be transformers' factors."""
    import torch
    from gguf import GGUFReader
    from transformers import AutoConfig
    from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

    from swiftkit.plugins.export.gguf_writer import write_gguf

    rope = {"rope_type": "llama3", "rope_theta": 500000.0, "factor": 32.0, "low_freq_factor": 1.0,
            "high_freq_factor": 4.0, "original_max_position_embeddings": 128}
    source = tiny("llama", rope_parameters=rope, max_position_embeddings=4096)
    write_gguf(source, str(tmp_path / "m.gguf"), "f16", log=lambda _t: None)
    (freqs,) = [t.data for t in GGUFReader(str(tmp_path / "m.gguf")).tensors if t.name == "rope_freqs.weight"]
    config = AutoConfig.from_pretrained(source)
    inv_freq, _ = ROPE_INIT_FUNCTIONS["llama3"](config, "cpu")
    plain = 1.0 / (500000.0 ** (torch.arange(0, 16, 2, dtype=torch.float64) / 16))
    assert np.allclose(freqs, (plain / inv_freq.double()).numpy(), rtol=1e-5)
    assert freqs.min() == 1.0 and freqs.max() == 32.0

    odd = tiny("llama", rope_parameters={"rope_type": "dynamic", "rope_theta": 1e4, "factor": 2.0})
    with pytest.raises(ValueError, match="rope scaling 'dynamic' is not written"):
        write_gguf(odd, str(tmp_path / "x.gguf"), "f16", log=lambda _t: None)
