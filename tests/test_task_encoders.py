"""The catalogue's task checkpoints: BERT-style encoders and decoder reward models as task models.

Tiny random models of the catalogue's architectures (BertConfig, ModernBertConfig,
XLMRobertaConfig; Llama / Gemma 2 sequence classifiers), saved in folders named after the
checkpoints they stand for (so the folder resolves to that checkpoint's spec), with a word-level
tokenizer built here whose post-processor writes the real families' special tokens
(``[CLS] a [SEP] b [SEP]``; XLM-R's ``<s> a </s></s> b </s>``):

- encoders read plain text and text pairs with their tokenizer's special tokens (no chat
  template), pool ``[CLS]`` or the mean of the real tokens, and classify through their own head;
- a BERT and a ModernBERT classifier learn a task; an embedding model trained with InfoNCE
  through `swift sft` ranks positives above negatives and answers ``/v1/embeddings`` (the
  ``openai`` client); a BGE-style XLM-R cross-encoder learns a pairing task and answers
  ``/v1/rerank``;
- a reward checkpoint (a ``*ForSequenceClassification`` with one label) runs as ``seq_cls`` with
  its own head, its labels read from its config.
"""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.config import build_config
from swiftkit.core.errors import ConfigError
from swiftkit.core.registry import get_registry

pytestmark = pytest.mark.usefixtures("one_torch_thread")

TOPICS = {"fruit": ["apple", "pear", "plum", "grape"], "water": ["river", "lake", "sea", "pond"],
          "sky": ["cloud", "rain", "sun", "star"], "home": ["table", "chair", "door", "wall"]}
FILLER = ["stone", "green", "light", "music", "red", "blue"]
WORDS = sorted({*TOPICS, *FILLER, *(w for ws in TOPICS.values() for w in ws)})
#: the special tokens of each tokenizer style: cls, sep, pad, unk, mask
STYLES = {"bert": ("[CLS]", "[SEP]", "[PAD]", "[UNK]", "[MASK]"), "xlmr": ("<s>", "</s>", "<pad>", "<unk>", "<mask>")}
SMALL = {"hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 128,
         "hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}  # no dropout: a few steps must do


def encoder_tokenizer(style):
    """A word-level fast tokenizer with the family's special tokens and pair layout."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    cls, sep, pad, unk, mask = STYLES[style]
    vocab = {token: i for i, token in enumerate([pad, unk, cls, sep, mask, *WORDS])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token=unk))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    pair = f"{cls} $A {sep} $B:1 {sep}:1" if style == "bert" else f"{cls} $A {sep} {sep} $B {sep}"
    tok.post_processor = processors.TemplateProcessing(single=f"{cls} $A {sep}", pair=pair,
                                                       special_tokens=[(cls, vocab[cls]), (sep, vocab[sep])])
    extra = {"bos_token": cls, "eos_token": sep} if style == "xlmr" else {}
    return PreTrainedTokenizerFast(tokenizer_object=tok, cls_token=cls, sep_token=sep, pad_token=pad, unk_token=unk,
                                   mask_token=mask, model_max_length=64, **extra)


def encoder_folder(root, name, kind):
    """A tiny random encoder saved as checkpoint ``name``: ``kind`` picks the config and class."""
    import torch
    import transformers as tf

    style = "xlmr" if kind.startswith("xlmr") else "bert"
    tokenizer = encoder_tokenizer(style)
    ids = {"pad_token_id": tokenizer.pad_token_id, "vocab_size": len(tokenizer)}
    if kind.startswith("bert"):
        config, cls = tf.BertConfig(max_position_embeddings=64, **SMALL, **ids), tf.BertModel
    elif kind.startswith("xlmr"):
        config = tf.XLMRobertaConfig(max_position_embeddings=72, bos_token_id=tokenizer.cls_token_id,
                                     eos_token_id=tokenizer.sep_token_id, num_labels=1, **SMALL, **ids)
        cls = tf.XLMRobertaForSequenceClassification
    else:
        config = tf.ModernBertConfig(max_position_embeddings=64, cls_token_id=tokenizer.cls_token_id,
                                     sep_token_id=tokenizer.sep_token_id, bos_token_id=tokenizer.cls_token_id,
                                     eos_token_id=tokenizer.sep_token_id, global_attn_every_n_layers=2,
                                     num_labels=1 if kind == "modernbert-cls" else 2, **SMALL, **ids)
        cls = {"modernbert": tf.ModernBertModel, "modernbert-mlm": tf.ModernBertForMaskedLM,
               "modernbert-cls": tf.ModernBertForSequenceClassification}[kind]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = cls(config)
    folder = root / name
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("encoders")
    return {
        "bert": encoder_folder(root, "nlp_structbert_backbone_base_std", "bert"),  # BertModel, task seq_cls
        "modern_bert": encoder_folder(root, "modernbert-base", "modernbert-mlm"),  # task seq_cls
        "modern_bert_gte": encoder_folder(root, "gte-modernbert-base", "modernbert"),  # task embedding
        "modern_bert_gte_reranker": encoder_folder(root, "gte-reranker-modernbert-base", "modernbert-cls"),
        "bge_reranker": encoder_folder(root, "bge-reranker-base", "xlmr"),  # XLMRobertaForSequenceClassification
    }


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def engine_for(config):
    from swiftkit.infer.factory import create_engine

    registry = get_registry()
    return create_engine(build_config(registry, command="deploy", overrides=config), registry)


def objective(method, options=None):
    from swiftkit.core.lazy import resolve

    spec = get_registry().get("method", method).spec
    return resolve(spec.impl, spec.REFS["impl"])(spec, options or {})


def train(obj, model, tokenizer, rows, steps, lr):
    """The objective's layout, collator and loss, optimised directly: (first loss, last loss)."""
    import torch

    from swiftkit.core.data.layout import EncodeSettings

    layout = obj.data_layout()
    settings = EncodeSettings(template=get_registry().template("dummy", tokenizer=tokenizer), tokenizer=tokenizer)
    encoded = [{**layout.encode(c, settings).columns, **{k: v for k, v in c.items() if k == "label_values"}}
               for c in (layout.convert(None, r) for r in rows)]
    collate = layout.make_collator(tokenizer, {})
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    losses = []
    for step in range(steps):
        batch = collate([encoded[(step * 16 + i) % len(encoded)] for i in range(16)])
        loss, _ = obj.compute_loss(model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    return losses[0], sum(losses[-5:]) / 5


def apple_rows(n, seed):
    """Label 1 when 'apple' is among four words."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        words = [rng.choice(FILLER) for _ in range(4)]
        if i % 2:
            words[rng.randrange(4)] = "apple"
        rows.append({"messages": [{"role": "user", "content": " ".join(words)}], "label": i % 2})
    return rows


def topic_rows(n, seed):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        topic, other = rng.sample(list(TOPICS), 2)
        rows.append({"messages": [{"role": "user", "content": topic}],
                     "positive_messages": [[{"role": "user", "content": " ".join(rng.sample(TOPICS[topic], 2))}]],
                     "negative_messages": [[{"role": "user", "content": " ".join(rng.sample(TOPICS[other], 2))}]]})
    return rows


def ranking_accuracy(embed, rows):
    right = 0
    for row in rows:
        a, p, n = embed([row["messages"], row["positive_messages"][0], row["negative_messages"][0]])
        right += sum(x * y for x, y in zip(a, p, strict=True)) > sum(x * y for x, y in zip(a, n, strict=True))
    return right / len(rows)


# ----------------------------------------------------------------------------- inputs and pooling


def test_encoders_read_plain_text_and_text_pairs_with_their_own_special_tokens(folders, monkeypatch, tmp_path):
    import torch
    from transformers import AutoConfig

    from swiftkit.core.data.layout import EncodeSettings
    from swiftkit.models.support import check_support
    from swiftkit.plugins.methods._retrieval import PairLayout
    from swiftkit.plugins.methods._tasks import is_encoder, pooled_hidden, resolve_pooling
    from swiftkit.plugins.models._catalogue import ENCODER_MODEL_TYPES

    registry = get_registry()
    for family, folder in folders.items():  # each folder resolves to its checkpoint, runnable as its task
        spec = registry.resolve_model(folder).spec
        assert spec.family == family and check_support(spec, {}) == [], family
        assert is_encoder(AutoConfig.from_pretrained(folder)) and spec.hf_model_type in ENCODER_MODEL_TYPES
    assert not is_encoder(AutoConfig.for_model("qwen2")) and not is_encoder(AutoConfig.for_model("bart"))

    rerank = objective("reranker")
    model, tokenizer = rerank.load_model(None, folders["bge_reranker"])
    assert rerank.encoder and rerank.data_layout().encoder
    settings = EncodeSettings(template=registry.template("bge_reranker", tokenizer=tokenizer), tokenizer=tokenizer,
                              max_length=6, truncation_strategy="right")
    row = PairLayout("reranker", encoder=True).convert(None, {
        "messages": "fruit", "positive_messages": ["apple pear"], "negative_messages": ["river lake sea pond"]})
    pairs = PairLayout("reranker", encoder=True).encode(row, settings)
    texts = [tokenizer.convert_ids_to_tokens(ids) for ids in pairs.columns["pair_ids"]]
    # <s> query </s></s> document </s>, cut to 6 tokens from the longer text, the special tokens kept
    assert texts == [["<s>", "fruit", "</s>", "</s>", "apple", "</s>"], ["<s>", "fruit", "</s>", "</s>", "river", "</s>"]]
    assert pairs.truncated and pairs.columns["pair_labels"] == [1.0, 0.0]
    assert PairLayout("reranker", encoder=True).fingerprint() != PairLayout("reranker").fingerprint()
    seq = objective("seq_cls", {"num_labels": 2})
    _, bert_tok = seq.load_model(None, folders["bert"])
    layout = seq.data_layout()
    encoded = layout.encode(layout.convert(None, {"messages": [{"role": "system", "content": "sky"},
                                                               {"role": "user", "content": "apple pear"}], "label": 1}),
                            EncodeSettings(template=registry.template("dummy", tokenizer=bert_tok), tokenizer=bert_tok))
    assert bert_tok.convert_ids_to_tokens(encoded.columns["input_ids"]) == ["[CLS]", "sky", "apple", "pear", "[SEP]"]

    # pooling: [CLS] for an encoder, the last token for a decoder, the mean where declared or asked
    emb = objective("embedding")
    bert, _ = emb.load_model(None, folders["bert"])
    assert emb.pooling == "cls" and resolve_pooling(bert, folders["bert"]) == "cls"
    ids, mask = torch.tensor([[2, 7, 8, 3, 0], [2, 9, 3, 0, 0]]), torch.tensor([[1, 1, 1, 1, 0], [1, 1, 1, 0, 0]])
    with torch.no_grad():
        hidden = bert(input_ids=ids, attention_mask=mask).last_hidden_state
        assert torch.allclose(pooled_hidden(bert, ids, mask, "cls"), hidden[:, 0])
        assert torch.allclose(pooled_hidden(bert, ids, mask, "mean")[1], hidden[1, :3].mean(0), atol=1e-6)
        assert torch.allclose(pooled_hidden(bert, ids, mask, "last")[0], hidden[0, 3])
        # the encoder's own bidirectional attention: [CLS] sees the tokens after it
        later = ids.clone()
        later[0, 2] = 10
        assert not torch.allclose(pooled_hidden(bert, later, mask, "cls")[0], hidden[0, 0])
    pooling_dir = tmp_path / "1_Pooling"
    pooling_dir.mkdir()
    (pooling_dir / "config.json").write_text(json.dumps({"pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True}))
    assert resolve_pooling(bert, str(tmp_path)) == "cls"  # what the loaded (or trained) model's config records
    del bert.config.swiftkit_pooling
    assert resolve_pooling(bert, str(tmp_path)) == "mean"  # else the sentence-transformers pooling
    monkeypatch.setenv("SWIFTKIT_EMBEDDING_POOLING", "max")
    with pytest.raises(Exception, match=r"\$SWIFTKIT_EMBEDDING_POOLING: pooling 'max' is not one of last, cls, mean"):
        resolve_pooling(bert, str(tmp_path))


# ----------------------------------------------------------------------------- learning


@pytest.mark.parametrize("family", ["bert", "modern_bert"])
def test_encoder_classifiers_learn(family, folders):
    obj = objective("seq_cls", {"num_labels": 2})
    import torch

    torch.manual_seed(0)  # the fresh head
    model, tokenizer = obj.load_model(None, folders[family], torch_dtype="float32")
    first, last = train(obj, model, tokenizer, apple_rows(96, 0), 40, 3e-3)
    predictor = obj.predictor(model, tokenizer, get_registry().template("dummy", tokenizer=tokenizer), {})
    held_out = apple_rows(40, 1)
    found = predictor.classify([r["messages"] for r in held_out])
    accuracy = sum(f["label"] == r["label"] for f, r in zip(found, held_out, strict=True)) / len(held_out)
    print(f"{family} seq_cls loss {first:.3f} -> {last:.3f}; held-out accuracy {accuracy:.3f}")
    assert last < 0.5 * first and accuracy >= 0.9


def test_mean_pooled_encoder_embedding_learns(folders, monkeypatch):
    monkeypatch.setenv("SWIFTKIT_EMBEDDING_POOLING", "mean")
    obj = objective("embedding")
    model, tokenizer = obj.load_model(None, folders["bert"], torch_dtype="float32")
    assert obj.pooling == "mean" and model.config.swiftkit_pooling == "mean"  # saved with a trained checkpoint
    predictor = obj.predictor(model, tokenizer, None, {})
    held_out = topic_rows(40, 1)
    before = ranking_accuracy(predictor.embed, held_out)
    first, last = train(obj, model, tokenizer, topic_rows(96, 0), 30, 3e-3)
    after = ranking_accuracy(predictor.embed, held_out)
    print(f"BERT mean-pooled InfoNCE loss {first:.3f} -> {last:.3f}; held-out ranking {before:.3f} -> {after:.3f}")
    assert last < 0.7 * first and after >= 0.9  # in-batch rows of one topic stay a floor under the loss


def sft(folder, out, data, *args):
    result = CliRunner().invoke(cli, [
        "sft", "--model", folder, "--dataset", data, "--per_device_train_batch_size", "8", "--logging_steps", "5",
        "--report_to", "none", "--output_dir", str(out), "--add_version", "false", *args,
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in (out / "logging.jsonl").read_text().splitlines() if '"loss"' in line]


def serve(path, **extra):
    from swiftkit.serve.server import create_app, run_in_thread

    engine, resolved = engine_for({"model": str(path), **extra})
    return engine, run_in_thread(create_app(engine, resolved, api_key="k", registry=get_registry()))


def test_gte_modernbert_embedding_trains_with_swift_sft_and_serves_embeddings(folders, tmp_path):
    import openai

    held_out = topic_rows(40, 1)
    before, _ = engine_for({"model": folders["modern_bert_gte"]})  # an embedding checkpoint: no --task_type
    records = sft(folders["modern_bert_gte"], tmp_path / "out", write(tmp_path / "train.jsonl", topic_rows(160, 0)),
                  "--task_type", "embedding", "--train_type", "full", "--max_steps", "30", "--learning_rate", "2e-3",
                  "--save_steps", "30")
    trained = tmp_path / "out" / "checkpoint-30"
    assert json.loads((trained / "config.json").read_text())["swiftkit_pooling"] == "cls"
    engine, server = serve(trained)
    acc_before, acc_after = ranking_accuracy(before.predictor.embed, held_out), ranking_accuracy(engine.predictor.embed, held_out)
    print(f"gte-modernbert InfoNCE loss {records[0]['loss']:.3f} -> {records[-1]['loss']:.3f}; "
          f"held-out ranking {acc_before:.3f} -> {acc_after:.3f}")
    assert records[-1]["loss"] < 0.8 * records[0]["loss"] and acc_after >= 0.9 and acc_after > acc_before
    with server:
        client = openai.OpenAI(base_url=server.base_url, api_key="k")
        answer = client.embeddings.create(model="gte-modernbert-base", input=["fruit", "apple pear", "river lake"])
        vectors = [d.embedding for d in answer.data]
        assert len(vectors) == 3 and len(vectors[0]) == 64 and answer.usage.prompt_tokens > 0
        dot = [sum(x * y for x, y in zip(vectors[0], v, strict=True)) for v in vectors[1:]]
        assert dot[0] > dot[1]


@pytest.mark.parametrize("family", ["bert", "bge_reranker"])
def test_lora_saves_and_restores_an_encoders_head(family, folders, tmp_path):
    """LoRA on an encoder task keeps the classification head trainable and saves it with the
    adapter (peft's SEQ_CLS task): the served checkpoint's head is the trained one, whatever the
    random state when it loads."""
    import torch

    if family == "bert":
        data, args = write(tmp_path / "d.jsonl", apple_rows(32, 0)), ["--task_type", "seq_cls", "--num_labels", "2"]
    else:
        data, args = write(tmp_path / "d.jsonl", relevance_rows(32, 0)), ["--task_type", "reranker"]
    sft(folders[family], tmp_path / "out", data, *args, "--train_type", "lora", "--max_steps", "4", "--save_steps", "4",
        "--logging_steps", "1", "--learning_rate", "1e-2")
    checkpoint = tmp_path / "out" / "checkpoint-4"
    assert "classifier" in json.loads((checkpoint / "adapter_config.json").read_text())["modules_to_save"]
    found = []
    for seed in (1, 2):
        torch.manual_seed(seed)  # a head left fresh would differ between the two loads
        engine, _ = engine_for({"model": str(checkpoint)})
        if family == "bert":
            found.append([p for r in engine.predictor.classify([r["messages"] for r in apple_rows(4, 1)]) for p in r["probs"]])
        else:
            row = relevance_rows(1, 1)[0]
            found.append(engine.predictor.score(row["messages"], [row["positive_messages"][0], *row["negative_messages"]]))
    assert found[0] == pytest.approx(found[1], abs=1e-6)


def relevance_rows(n, seed, negatives=3):
    """A query (a topic) and documents that each name a topic and one of its words: the positive
    names the query's topic. A pairing task: the document is relevant only next to its query."""
    rng = random.Random(seed)

    def doc(topic):
        return [{"role": "user", "content": f"{topic} {rng.choice(TOPICS[topic])}"}]

    rows = []
    for _ in range(n):
        topic = rng.choice(list(TOPICS))
        others = rng.sample([t for t in TOPICS if t != topic], negatives)
        rows.append({"messages": [{"role": "user", "content": topic}], "positive_messages": [doc(topic)],
                     "negative_messages": [doc(o) for o in others]})
    return rows


def test_modernbert_cross_encoder_learns_a_pairing_task(folders):
    import torch

    obj = objective("reranker", {"loss_type": "listwise_reranker"})
    torch.manual_seed(0)
    model, tokenizer = obj.load_model(None, folders["modern_bert_gte_reranker"], torch_dtype="float32")
    first, last = train(obj, model, tokenizer, relevance_rows(96, 0), 40, 2e-3)
    predictor = obj.predictor(model, tokenizer, None, {})
    held_out = relevance_rows(30, 1, negatives=1)
    right = sum(a > b for a, b in (predictor.score(r["messages"], [r["positive_messages"][0], r["negative_messages"][0]])
                                   for r in held_out))
    print(f"ModernBERT cross-encoder listwise loss {first:.3f} -> {last:.3f}; held-out positive-first {right / 30:.3f}")
    assert last < 0.5 * first and right / 30 >= 0.9


def test_bge_style_cross_encoder_learns_a_pairing_task_and_serves_rerank(folders, tmp_path):
    import httpx

    held_out = relevance_rows(30, 1)

    def positive_first(engine):
        right = 0
        for row in held_out:
            scores = engine.predictor.score(row["messages"], [row["positive_messages"][0], *row["negative_messages"]])
            right += scores[0] > max(scores[1:])
        return right / len(held_out)

    before, _ = engine_for({"model": folders["bge_reranker"]})
    records = sft(folders["bge_reranker"], tmp_path / "out", write(tmp_path / "train.jsonl", relevance_rows(160, 0)),
                  "--task_type", "reranker", "--loss_type", "listwise_reranker", "--train_type", "full",
                  "--max_steps", "80", "--learning_rate", "2e-3", "--save_steps", "80", "--per_device_train_batch_size", "16")
    engine, server = serve(tmp_path / "out" / "checkpoint-80")
    acc_before, acc_after = positive_first(before), positive_first(engine)
    print(f"bge-style cross-encoder listwise loss {records[0]['loss']:.3f} -> {records[-1]['loss']:.3f}; "
          f"held-out positive-first {acc_before:.3f} -> {acc_after:.3f}")
    assert records[-1]["loss"] < records[0]["loss"] and acc_after >= 0.9 and acc_after > acc_before
    with server:
        body = {"model": "bge-reranker-base", "query": "water", "top_n": 2, "documents": ["sun star", "lake pond", "door wall"]}
        reply = httpx.post(f"{server.base_url}/rerank", json=body, headers={"Authorization": "Bearer k"}, timeout=60)
        assert reply.status_code == 200, reply.text
        results = reply.json()["results"]
        assert results[0]["index"] == 1 and len(results) == 2 and 1 >= results[0]["relevance_score"] >= results[1]["relevance_score"] >= 0


# ----------------------------------------------------------------------------- reward checkpoints


@pytest.mark.parametrize("base,name", [("llama3.2-1b-instruct", "grm-llama3.2-3b-rewardmodel-ft"),
                                       ("gemma2-2b-it", "skywork-reward-gemma-2-27b")])
def test_reward_checkpoints_run_as_seq_cls_with_their_own_head(base, name, tmp_path):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from swiftkit.plugins.methods._tasks import render_text
    from swiftkit.testing.tiny import build_tiny_model

    registry = get_registry()
    causal = build_tiny_model(base, tmp_path / "causal", registry=registry)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        reward = AutoModelForSequenceClassification.from_pretrained(causal, num_labels=1)  # the scalar head
    folder = tmp_path / name
    reward.save_pretrained(folder)
    AutoTokenizer.from_pretrained(causal).save_pretrained(folder)
    spec = registry.resolve_model(str(folder)).spec
    assert spec.family.endswith("_reward") and spec.task == "seq_cls" and spec.support == "tested"

    engine, _ = engine_for({"model": str(folder)})  # its task, its labels (1: regression) from config.json
    assert engine.task == "seq_cls" and engine.predictor.problem_type == "regression"
    conversation = [{"role": "user", "content": "What is 2+2?"}, {"role": "assistant", "content": "4"}]
    score = engine.predictor.classify([conversation])[0]["label"]
    text = render_text(engine.template, conversation)
    ids = engine.tokenizer(text, add_special_tokens=False, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        own = AutoModelForSequenceClassification.from_pretrained(folder)(input_ids=ids).logits[0, 0].item()
    assert abs(score - own) < 1e-4, (score, own)  # the checkpoint's own head, at the last token
    # it trains as seq_cls: regression on its one output, +1 with 'apple' and -1 without (the mean is 0:
    # only telling them apart lowers the loss)
    from swiftkit.core.data.layout import EncodeSettings

    obj = objective("seq_cls")
    model, tokenizer = obj.load_model(None, str(folder), torch_dtype="float32")
    assert (obj.num_labels, obj.problem_type) == (1, "regression")
    layout = obj.data_layout()
    settings = EncodeSettings(template=registry.template(spec.template, tokenizer=tokenizer), tokenizer=tokenizer)
    rows = [{"messages": r["messages"], "label": 2.0 * r["label"] - 1} for r in apple_rows(16, 0)]
    batch = layout.make_collator(tokenizer, {})([{**layout.encode(c, settings).columns, "label_values": c["label_values"]}
                                                 for c in (layout.convert(None, r) for r in rows)])
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        loss, _ = obj.compute_loss(model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print(f"{name}: regression loss {losses[0]:.3f} -> {losses[-1]:.3f}")
    assert losses[-1] < 0.3 * losses[0]


#: the task families this file trains (architecture and task), each a tiny random model
TRAINED_HERE = {"bert", "modern_bert", "modern_bert_gte", "modern_bert_gte_reranker", "bge_reranker",
                "llama3_2_reward", "gemma_reward"}


def test_task_checkpoints_marked_tested_are_those_trained_here():
    """``tested`` on a task checkpoint means this file trains its architecture as its task (the
    causal-LM family matrix does not run task models); every other task checkpoint says why not."""
    registry = get_registry()
    tested = {e.data["family"] for e in registry.entries("model")
              if e.data.get("task", "causal_lm") != "causal_lm" and e.data.get("support") == "tested"}
    assert tested == TRAINED_HERE
    for entry in registry.entries("model"):
        if entry.data["family"] in TRAINED_HERE:
            assert entry.data["support"] == "tested" and "test_task_encoders.py" in entry.data["support_note"], entry.id


def test_remote_code_and_unsupported_task_checkpoints_say_why():
    from swiftkit.models.support import check_support

    registry = get_registry()
    for model_id, reason in [("qwen2.5-math-prm-7b", "no process-reward task"), ("embeddinggemma-300m", "Dense projections"),
                             ("gte-qwen2-1.5b-instruct", "Qwen2 has no bidirectional mode"),
                             ("internlm2-1_8b-reward", "v_head")]:
        spec = registry.get("model", model_id).spec
        assert spec.support == "unsupported" and reason in spec.support_note, (model_id, spec.support_note)
        assert "issue" not in spec.support_note
        with pytest.raises(ConfigError, match="cannot run with what is installed here"):
            check_support(spec, {"trust_remote_code": True})
    for spec in (e.spec for e in registry.entries("model")):
        assert "issue 13" not in (spec.support_note or ""), spec.id


def test_lora_trains_and_saves_the_head_layers_a_bare_encoder_lacks(folders):
    """A classifier started from a bare ModernBertModel gets a random `head` besides its
    `classifier`: both must train and be saved with the adapter, not only peft's score/classifier."""
    from peft import get_peft_model

    from swiftkit.plugins.methods._tasks import load_classifier

    model, _ = load_classifier(str(folders["modern_bert_gte"]), 2, "single_label_classification")
    assert model.swiftkit_fresh_modules == ["classifier", "head"]
    config = objective("lora", {"target_modules": ["Wqkv"]}).lora_config(model)  # the tuner, built as a run builds it
    assert {"classifier", "head"} <= set(config.modules_to_save)
    peft_model = get_peft_model(model, config)
    trainable = {n for n, p in peft_model.named_parameters() if p.requires_grad}
    assert any(".head." in n and "modules_to_save" in n for n in trainable), sorted(trainable)[:8]
