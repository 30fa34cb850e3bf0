"""Tasks beyond causal LM (--task_type, issue 13): seq_cls, embedding, reranker, generative_reranker.

Each task trains a tiny model through `swift sft --task_type ...` on a task it can learn, is read
back by `swift infer` / `swift deploy` through its objective's predictor, and is served on its
route (/v1/classify, /v1/embeddings with the official openai client, /v1/rerank over plain HTTP).
"""

from __future__ import annotations

import json
import math
import random

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.config import build_config
from swiftkit.core.errors import ConfigError, RowError
from swiftkit.core.registry import get_registry
from swiftkit.testing.tiny import build_tiny_model

WORDS = ["stone", "river", "cloud", "green", "table", "light", "music"]
TOPICS = {"fruit": ["apple", "pear", "plum", "grape"], "water": ["river", "lake", "sea", "pond"],
          "sky": ["cloud", "rain", "sun", "star"], "home": ["table", "chair", "door", "wall"]}
#: single tokens of the tiny byte-level tokenizer, standing in for Qwen3-Reranker's "yes" / "no"
JUDGE_ENV = {"GENERATIVE_RERANKER_POSITIVE_TOKEN": "y", "GENERATIVE_RERANKER_NEGATIVE_TOKEN": "n"}


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, one_torch_thread):
    return str(build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("m") / "qwen2.5-0.5b-instruct",
                                registry=get_registry(refresh=True)))


def write(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def sft(tiny, out, data, *args):
    result = CliRunner().invoke(cli, [
        "sft", "--model", tiny, "--dataset", data, "--train_type", "lora", "--per_device_train_batch_size", "8",
        "--logging_steps", "5", "--report_to", "none", "--output_dir", str(out), "--add_version", "false", *args,
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def log(out):
    return [json.loads(line) for line in (out / "logging.jsonl").read_text().splitlines() if '"loss"' in line]


def engine_for(config):
    from swiftkit.infer.factory import create_engine

    registry = get_registry()
    return create_engine(build_config(registry, command="deploy", overrides=config), registry)


# ----------------------------------------------------------------------------- seq_cls


def apple_rows(n, seed):
    """Label 1 when 'apple' is among four words: a task a 2-layer model learns in a few steps."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(4)]
        if i % 2:
            words[rng.randrange(4)] = "apple"
        rows.append({"messages": [{"role": "user", "content": " ".join(words)}], "label": i % 2})
    return rows


@pytest.fixture(scope="module")
def seq_cls_run(tiny, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("seq_cls")
    data = write(tmp / "train.jsonl", apple_rows(160, 0))
    sft(tiny, tmp / "out", data, "--task_type", "seq_cls", "--num_labels", "2", "--max_steps", "40",
        "--learning_rate", "5e-3", "--save_steps", "40")
    return tmp / "out" / "checkpoint-40"


def accuracy(engine, rows):
    found = engine.predictor.classify([r["messages"] for r in rows])
    return sum(f["label"] == r["label"] for f, r in zip(found, rows, strict=True)) / len(rows)


def test_seq_cls_held_out_accuracy_rises_from_chance(tiny, seq_cls_run):
    held_out = apple_rows(40, 1)
    before, _ = engine_for({"model": tiny, "task_type": "seq_cls", "num_labels": 2})
    after, resolved = engine_for({"model": str(seq_cls_run)})  # the task, labels and adapter from args.json
    acc_before, acc_after = accuracy(before, held_out), accuracy(after, held_out)
    print(f"seq_cls held-out accuracy: before {acc_before:.3f}, after {acc_after:.3f}")
    assert acc_before <= 0.75 and acc_after >= 0.9
    # LoRA trained the fresh classification head and saved it with the adapter
    config = json.loads((seq_cls_run / "adapter_config.json").read_text())
    assert config["task_type"] == "SEQ_CLS" and "score" in config["modules_to_save"]
    assert after.task == "seq_cls" and resolved.run_args["num_labels"] == 2


def test_swift_infer_prints_labels(seq_cls_run, tmp_path):
    data = write(tmp_path / "val.jsonl", apple_rows(6, 2))
    out = tmp_path / "result.jsonl"
    result = CliRunner().invoke(cli, ["infer", "--model", str(seq_cls_run), "--val_dataset", f"{data}#5",
                                      "--result_path", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "row 5: label" in result.output and "row 6" not in result.output and "accuracy: " in result.output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 5 and all(r["prediction"]["label"] in (0, 1) for r in rows)


def test_export_refuses_a_task_checkpoint(seq_cls_run, tmp_path):
    result = CliRunner().invoke(cli, ["export", "--model", str(seq_cls_run), "--merge_lora", "true",
                                      "--output_dir", str(tmp_path / "merged")])
    assert result.exit_code != 0 and "--task_type seq_cls" in f"{result.output}{result.exception}"
    assert not (tmp_path / "merged").exists()


def test_seq_cls_needs_num_labels_and_checks_labels(tiny, tmp_path):
    from swiftkit.plugins.methods.seq_cls.objective import ClassificationLayout, resolve_problem

    with pytest.raises(ConfigError, match="--num_labels"):
        resolve_problem(None, None)
    assert resolve_problem(1, None) == (1, "regression")
    assert resolve_problem(None, "regression") == (1, "regression")
    layout = ClassificationLayout(3, "single_label_classification")
    with pytest.raises(RowError, match=r"3 is not a class index in 0\.\.2"):
        layout.label({"label": 3})
    assert ClassificationLayout(3, "multi_label_classification").label({"label": [0, 2]}) == [0.0, 2.0]
    with pytest.raises(RowError, match="regression needs a number"):
        ClassificationLayout(1, "regression").label({"label": "high"})
    data = write(tmp_path / "d.jsonl", apple_rows(4, 0))
    result = CliRunner().invoke(cli, ["sft", "--task_type", "seq_cls", "--model", tiny, "--dataset", data,
                                      "--output_dir", str(tmp_path / "o")])
    assert result.exit_code != 0 and "--num_labels" in f"{result.output}{result.exception}"


@pytest.mark.parametrize("problem_type", ["multi_label_classification", "regression"])
def test_multi_label_and_regression_losses_fall(tiny, problem_type):
    """The objective's layout, collator and loss on a classifier, optimised directly."""
    import torch

    from swiftkit.core.data.layout import EncodeSettings
    from swiftkit.plugins.methods.seq_cls.objective import SeqClsObjective, classification_loss

    registry = get_registry()
    spec = registry.get("method", "seq_cls").spec
    num_labels = 3 if problem_type != "regression" else 1
    objective = SeqClsObjective(spec, {"num_labels": num_labels, "problem_type": problem_type})
    torch.manual_seed(0)  # the fresh head
    model, tokenizer = objective.load_model(None, tiny, torch_dtype="float32")
    layout = objective.data_layout()
    settings = EncodeSettings(template=registry.template("qwen2_5", tokenizer=tokenizer), tokenizer=tokenizer)
    rng = random.Random(0)
    rows = []
    for _ in range(16):
        words = [rng.choice(["apple", "river", "cloud", "stone"]) for _ in range(4)]
        label = ([i for i, w in enumerate(["apple", "river", "cloud"]) if w in words] if num_labels == 3
                 else float(words.count("apple")))
        converted = layout.convert(None, {"messages": [{"role": "user", "content": " ".join(words)}], "label": label})
        rows.append({**layout.encode(converted, settings).columns, "label_values": converted["label_values"]})
    batch = layout.make_collator(tokenizer, {})(rows)
    if problem_type == "regression":
        assert batch["class_labels"].dtype == torch.float32 and batch["class_labels"].shape == (16,)
    else:
        assert batch["class_labels"].shape == (16, 3) and set(batch["class_labels"].unique().tolist()) <= {0.0, 1.0}
    # the loss is the textbook one
    logits = torch.randn(16, num_labels)
    expected = (torch.nn.functional.binary_cross_entropy_with_logits(logits, batch["class_labels"]) if num_labels == 3
                else ((logits[:, 0] - batch["class_labels"]) ** 2).mean())
    assert torch.allclose(classification_loss(logits, batch["class_labels"], problem_type)[0], expected)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        loss, _ = objective.compute_loss(model, batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    print(f"{problem_type} loss: {losses[0]:.4f} -> {losses[-1]:.4f}")
    assert losses[-1] < 0.5 * losses[0]


# ----------------------------------------------------------------------------- embedding


def topic_rows(n, seed, negatives=1):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        topic = rng.choice(list(TOPICS))
        others = rng.sample([t for t in TOPICS if t != topic], negatives)
        rows.append({"messages": [{"role": "user", "content": topic}],
                     "positive_messages": [[{"role": "user", "content": " ".join(rng.sample(TOPICS[topic], 2))}]],
                     "negative_messages": [[{"role": "user", "content": " ".join(rng.sample(TOPICS[o], 2))}]
                                           for o in others]})
    return rows


def ranking_accuracy(embed, rows):
    """Share of rows whose anchor is closer to its positive than to its negative."""
    right = 0
    for row in rows:
        anchor, positive, negative = embed([row["messages"], row["positive_messages"][0], row["negative_messages"][0]])
        right += sum(a * p for a, p in zip(anchor, positive, strict=True)) > sum(a * n for a, n in zip(anchor, negative, strict=True))
    return right / len(rows)


@pytest.fixture(scope="module")
def embedding_run(tiny, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("embedding")
    data = write(tmp / "train.jsonl", topic_rows(160, 0))
    sft(tiny, tmp / "out", data, "--task_type", "embedding", "--loss_type", "infonce", "--max_steps", "40",
        "--learning_rate", "2e-3", "--save_steps", "40")
    return tmp / "out"


def test_embedding_infonce_loss_falls_and_positives_rank_first(tiny, embedding_run):
    held_out = topic_rows(40, 1)
    before, _ = engine_for({"model": tiny, "task_type": "embedding"})
    after, _ = engine_for({"model": str(embedding_run / "checkpoint-40")})
    records = log(embedding_run)
    first, last = records[0]["loss"], records[-1]["loss"]
    acc_before, acc_after = ranking_accuracy(before.predictor.embed, held_out), ranking_accuracy(after.predictor.embed, held_out)
    print(f"embedding InfoNCE loss {first:.3f} -> {last:.3f}; held-out ranking {acc_before:.3f} -> {acc_after:.3f}")
    assert last < 0.8 * first and first > math.log(8)  # in-batch: 8 positives + 8 negatives per anchor at first
    assert acc_after >= 0.9 and acc_after > acc_before
    vector = after.predictor.embed([[{"role": "user", "content": "fruit"}]])[0]
    assert abs(sum(v * v for v in vector) - 1) < 1e-4 and len(vector) == 64


def tiny_embedder(folder):
    """The embedding objective's model of ``folder`` (the bare backbone), its tokenizer, encode settings."""
    from swiftkit.core.data.layout import EncodeSettings
    from swiftkit.plugins.methods.embedding.objective import EmbeddingObjective

    registry = get_registry()
    model, tokenizer = EmbeddingObjective(registry.get("method", "embedding").spec, {}).load_model(None, folder)
    return model, tokenizer, EncodeSettings(template=registry.template("qwen2_5", tokenizer=tokenizer), tokenizer=tokenizer)


def test_embedding_losses_and_matryoshka(monkeypatch, tiny):
    import torch
    import torch.nn.functional as F  # noqa: N812

    from swiftkit.plugins.methods._retrieval import contrastive_loss, cosine_similarity_loss, infonce_loss

    torch.manual_seed(0)
    a, p = F.normalize(torch.randn(4, 8), dim=-1), F.normalize(torch.randn(4, 8), dim=-1)
    negs = [F.normalize(torch.randn(k, 8), dim=-1) for k in (1, 0, 2, 1)]
    loss, metrics = infonce_loss(a, p, negs, temperature=0.1, use_batch=True)
    candidates = torch.cat([p, *[n for n in negs if len(n)]])
    assert torch.allclose(loss, F.cross_entropy(a @ candidates.T / 0.1, torch.arange(4)))
    with pytest.raises(Exception, match="negative_messages in every row"):
        infonce_loss(a, p, negs, temperature=0.1, use_batch=False)
    labels = torch.tensor([1.0, 0.0, 0.5, 0.2])
    assert torch.allclose(cosine_similarity_loss(a, p, labels), (((a * p).sum(-1) - labels) ** 2).mean())
    assert float(contrastive_loss(a, a, torch.ones(4))) < 1e-6  # identical similar pairs cost nothing
    # --mrl_dims averages the loss over the prefixes
    from swiftkit.plugins.methods.embedding.objective import EmbeddingObjective

    spec = get_registry().get("method", "embedding").spec
    objective = EmbeddingObjective(spec, {"mrl_dims": [32, 16]})
    assert objective.mrl_dims == [16, 32] and objective.loss_type == "infonce"
    with pytest.raises(ConfigError, match="not an embedding loss"):
        EmbeddingObjective(spec, {"loss_type": "listwise_reranker"})
    # the loss of --mrl_dims 16 64 is the mean of the losses at 16 and at 64 (the full size)
    layout = objective.data_layout()
    model, tokenizer, settings = tiny_embedder(tiny)
    rows = topic_rows(4, 3)
    batch = layout.make_collator(tokenizer, {})(
        [{**layout.encode(layout.convert(None, r), settings).columns, "label_values": []} for r in rows])
    with torch.no_grad():
        losses = {tuple(d): float(EmbeddingObjective(spec, {"mrl_dims": d}).compute_loss(model, batch)[0])
                  for d in ([16], [64], [16, 64])}
    assert abs(losses[(16, 64)] - (losses[(16,)] + losses[(64,)]) / 2) < 1e-5 and losses[(16,)] != losses[(64,)]
    monkeypatch.setenv("WORLD_SIZE", "2")  # the head is applied outside a wrapper's forward: one process only
    with pytest.raises(Exception, match="trains in one process so far"):
        objective.setup(model=None, tokenizer=None, template=None, registry=None, config={})


# ----------------------------------------------------------------------------- rerankers


def relevance_rows(n, seed, negatives):
    """A query with one relevant document (it mentions 'apple') among irrelevant ones: what a
    2-layer cross-encoder learns in a few steps (matching topics inside one sequence takes longer)."""
    rng = random.Random(seed)

    def doc(relevant):
        words = [rng.choice(WORDS) for _ in range(3)]
        if relevant:
            words[rng.randrange(3)] = "apple"
        return [{"role": "user", "content": " ".join(words)}]

    return [{"messages": [{"role": "user", "content": rng.choice(list(TOPICS))}], "positive_messages": [doc(True)],
             "negative_messages": [doc(False) for _ in range(negatives)]} for _ in range(n)]


@pytest.fixture(scope="module")
def reranker_run(tiny, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reranker")
    data = write(tmp / "train.jsonl", relevance_rows(120, 0, negatives=3))
    sft(tiny, tmp / "out", data, "--task_type", "reranker", "--loss_type", "listwise_reranker", "--max_steps", "30",
        "--learning_rate", "5e-3", "--save_steps", "30", "--per_device_train_batch_size", "4")
    return tmp / "out"


@pytest.fixture(scope="module")
def generative_run(tiny, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("generative")
    data = write(tmp / "train.jsonl", relevance_rows(120, 0, negatives=1))
    with pytest.MonkeyPatch.context() as mp:
        for key, value in JUDGE_ENV.items():
            mp.setenv(key, value)
        sft(tiny, tmp / "out", data, "--task_type", "generative_reranker", "--max_steps", "30", "--learning_rate", "5e-3",
            "--save_steps", "30", "--per_device_train_batch_size", "4")
    return tmp / "out"


def pair_accuracy(engine, rows):
    right = 0
    for row in rows:
        scores = engine.predictor.score(row["messages"], [row["positive_messages"][0], *row["negative_messages"]])
        right += scores[0] > max(scores[1:])
    return right / len(rows)


@pytest.mark.parametrize("kind", ["reranker", "generative_reranker"])
def test_rerankers_learn_to_put_the_positive_first(kind, tiny, reranker_run, generative_run, monkeypatch):
    for key, value in JUDGE_ENV.items():
        monkeypatch.setenv(key, value)
    run = reranker_run if kind == "reranker" else generative_run
    held_out = relevance_rows(30, 1, negatives=3)
    before, _ = engine_for({"model": tiny, "task_type": kind})
    after, _ = engine_for({"model": str(run / "checkpoint-30")})
    records = log(run)
    acc_before, acc_after = pair_accuracy(before, held_out), pair_accuracy(after, held_out)
    print(f"{kind} ({'listwise' if kind == 'reranker' else 'pointwise'}) loss {records[0]['loss']:.3f} -> "
          f"{records[-1]['loss']:.3f}; held-out positive-first {acc_before:.3f} -> {acc_after:.3f}")
    assert records[-1]["loss"] < records[0]["loss"]
    assert acc_after >= 0.9 and acc_after > acc_before
    scores = after.predictor.score(held_out[0]["messages"], held_out[0]["positive_messages"])
    assert 0 < scores[0] < 1  # sigmoid by default (--reranker_use_activation true)
    raw, _ = engine_for({"model": str(run / "checkpoint-30"), "reranker_use_activation": False})
    logit = raw.predictor.score(held_out[0]["messages"], held_out[0]["positive_messages"])[0]
    assert abs(1 / (1 + math.exp(-logit)) - scores[0]) < 1e-4


def test_the_judging_prompt_is_qwen3_rerankers():
    from swiftkit.plugins.methods._tasks import pair_text

    template = get_registry().template("qwen3_reranker")
    query = [{"role": "user", "content": "what is a fruit"}]
    text = pair_text(template, query, [{"role": "assistant", "content": "apple"}])
    assert text.endswith("<|im_start|>user\n<Instruct>: Given a web search query, retrieve relevant passages that answer "
                         "the query\n<Query>: what is a fruit\n<Document>: apple<|im_end|>\n<|im_start|>assistant\n"
                         "<think>\n\n</think>\n\n")
    assert text.startswith("<|im_start|>system\nJudge whether the Document meets the requirements")
    # instruction precedence: the document's system message, then the query's
    own = pair_text(template, [{"role": "system", "content": "Find fruit"}, *query],
                    [{"role": "system", "content": "Find apples"}, {"role": "user", "content": "apple"}])
    assert "<Instruct>: Find apples\n" in own


def test_pointwise_and_listwise_reranker_losses():
    import torch

    from swiftkit.plugins.methods._retrieval import listwise_loss, pointwise_loss

    scores, labels = torch.tensor([2.0, -1.0, 0.5, 1.0, 0.0]), torch.tensor([1.0, 0.0, 0.0, 1.0, 0.0])
    assert torch.allclose(pointwise_loss(scores, labels)[0],
                          torch.nn.functional.binary_cross_entropy_with_logits(scores, labels))
    loss, metrics = listwise_loss(scores, torch.tensor([3, 2]), temperature=1.0)
    expected = (-torch.log_softmax(scores[:3], 0)[0] - torch.log_softmax(scores[3:], 0)[0]) / 2
    assert torch.allclose(loss, expected) and float(metrics["acc"]) == 1.0


# ----------------------------------------------------------------------------- selection and support


def test_task_type_selects_the_task_objective_and_its_options():
    from swiftkit.core.config import selected_plugins

    registry = get_registry()
    config = build_config(registry, command="sft", overrides={"model": "m", "dataset": ["d"], "task_type": "embedding",
                                                              "mrl_dims": [8]})
    assert "embedding" in selected_plugins(config, registry, "sft")["method"]
    cli_config = build_config(registry, command="sft", cli_args=["--model", "m", "--dataset", "d", "--task_type", "embedding",
                                                                 "--mrl_dims", "32", "64", "--loss_type", "cosine_similarity"])
    assert cli_config["mrl_dims"] == [32, 64] and cli_config["loss_type"] == "cosine_similarity"
    assert "sft" not in selected_plugins(config, registry, "sft")["method"]
    with pytest.raises(ConfigError, match="belong to plugins this run does not use"):
        build_config(registry, command="sft", overrides={"model": "m", "dataset": ["d"], "num_labels": 2})
    with pytest.raises(ConfigError, match="'task_type'"):
        build_config(registry, command="sft", overrides={"model": "m", "dataset": ["d"], "task_type": "seq_classify"})
    # ms-swift's reranker serving flag works on a checkpoint deployed without --task_type
    assert build_config(registry, command="deploy", overrides={"model": "m", "reranker_use_activation": False})


def test_registered_task_checkpoints_run_as_their_task(tmp_path):
    from swiftkit.models.support import check_support

    registry = get_registry()
    embedding = registry.get("model", "Qwen/Qwen3-Embedding-0.6B").spec
    reranker = registry.get("model", "Qwen/Qwen3-Reranker-0.6B").spec
    assert check_support(embedding, {"task_type": "embedding"}) == []
    assert check_support(reranker, {}, command="deploy") == []  # served as its own task
    with pytest.raises(ConfigError, match="pass --task_type embedding"):
        check_support(embedding, {"task_type": "causal_lm"}, command="sft")
    # a tiny Qwen3-Embedding: deployed as an embedding model without --task_type, its template's text<|endoftext|>
    folder = str(build_tiny_model("qwen3-embedding-0.6b", tmp_path / "qwen3-embedding-0.6b", registry=registry))
    engine, resolved = engine_for({"model": folder})
    assert engine.task == "embedding" and resolved.template == "qwen3_emb"
    from swiftkit.plugins.methods._tasks import render_text

    assert render_text(engine.template, [{"role": "user", "content": "What is it?"}]) == "What is it?<|endoftext|>"
    vector = engine.predictor.embed([[{"role": "user", "content": "What is it?"}]])[0]
    assert abs(sum(v * v for v in vector) - 1) < 1e-4
    data = write(tmp_path / "d.jsonl", topic_rows(4, 0))
    result = CliRunner().invoke(cli, ["sft", "--model", folder, "--dataset", data, "--output_dir", str(tmp_path / "o")])
    assert result.exit_code != 0 and "pass --task_type embedding" in f"{result.output}{result.exception}"


# ----------------------------------------------------------------------------- routes


def test_task_routes_answer(seq_cls_run, embedding_run):
    import httpx
    import openai

    from swiftkit.serve.server import create_app, run_in_thread

    registry = get_registry()

    def serve(path, **extra):
        engine, resolved = engine_for({"model": str(path), **extra})
        return run_in_thread(create_app(engine, resolved, api_key="k", registry=registry))

    with serve(embedding_run / "checkpoint-40") as server:
        client = openai.OpenAI(base_url=server.base_url, api_key="k")
        answer = client.embeddings.create(model="out/checkpoint-40", input=["fruit", "apple pear", "river lake"])
        vectors = [d.embedding for d in answer.data]  # base64 on the wire: the client's default
        assert len(vectors) == 3 and len(vectors[0]) == 64 and answer.usage.prompt_tokens > 0
        dot = [sum(x * y for x, y in zip(vectors[0], v, strict=True)) for v in vectors[1:]]
        assert dot[0] > dot[1]
        short = client.embeddings.create(model="out/checkpoint-40", input="fruit", dimensions=16, encoding_format="float").data[0].embedding
        assert len(short) == 16 and abs(sum(v * v for v in short) - 1) < 1e-4
        with pytest.raises(openai.BadRequestError, match="does not generate text; use /v1/embeddings"):
            client.chat.completions.create(model="out/checkpoint-40", messages=[{"role": "user", "content": "hi"}])
        assert httpx.post(f"{server.url}/v1/embeddings", json={"input": "x"}).status_code == 401
    with serve(seq_cls_run) as server:
        reply = httpx.post(f"{server.url}/v1/classify", json={"input": ["stone apple river cloud", "stone river cloud green"]},
                           headers={"Authorization": "Bearer k"})
        assert reply.status_code == 200, reply.text
        assert [d["label"] for d in reply.json()["data"]] == [1, 0]


def test_swift_deploy_serves_a_reranker_on_v1_rerank(reranker_run, serving_url):
    import os
    import signal
    import subprocess
    import sys

    import httpx

    cmd = [sys.executable, "-m", "swiftkit", "deploy", "--model", str(reranker_run / "checkpoint-30"), "--port", "0",
           "--api_key", "k", "--served_model_name", "rr"]
    env = {**os.environ, "OMP_NUM_THREADS": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        url, lines = serving_url(proc)
        assert url, "".join(lines)
        body = {"model": "rr", "query": "fruit", "top_n": 2,
                "documents": ["river cloud stone", {"text": "music apple light"}, "table green music"]}
        reply = httpx.post(f"{url}/v1/rerank", json=body, headers={"Authorization": "Bearer k"}, timeout=60)
        assert reply.status_code == 200, reply.text
        results = reply.json()["results"]
        assert [r["index"] for r in results][0] == 1 and len(results) == 2 and reply.json()["model"] == "rr"
        assert 1 >= results[0]["relevance_score"] >= results[1]["relevance_score"] >= 0
        assert results[0]["document"]["text"] == "music apple light"
        wrong = httpx.post(f"{url}/v1/embeddings", json={"input": "x"}, headers={"Authorization": "Bearer k"}, timeout=60)
        assert wrong.status_code == 400 and "does not produce embeddings" in wrong.json()["error"]["message"]
        missing = httpx.post(f"{url}/v1/rerank", json={**body, "model": "other"}, headers={"Authorization": "Bearer k"})
        assert missing.status_code == 404
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, proc.stdout.read()
