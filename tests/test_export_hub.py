"""`swift export --push_to_hub`: the real huggingface_hub and modelscope clients upload to a
recording server on 127.0.0.1 (swiftkit.testing.hub_recorder); asserted: the repository is
created private before anything is uploaded, every file arrives byte for byte (the weights
through LFS), training state does not, the model card is generated from the run (base model,
data, tuner, objective, metrics, the swift eval report), the commit message; --dry_run lists
the files and sends nothing; refusals before anything loads."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.registry import get_registry
from swiftkit.testing.hub_recorder import HubRecorder
from swiftkit.testing.tiny import build_tiny_model

REPORT = {"backend": "lm_eval", "target": "model", "metrics": {"colours": {"acc": 0.875}}, "counts": {"colours": 16}}


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """A tiny model folder dressed as a training checkpoint: args.json, trainer state, an eval
    report, files a hub upload must leave out."""
    folder = build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("run") / "checkpoint-20",
                              registry=get_registry(refresh=True))
    (folder / "args.json").write_text(json.dumps({
        "model": "Qwen/Qwen2.5-0.5B-Instruct", "model_id": "qwen2.5-0.5b-instruct", "template": "qwen2_5",
        "train_type": "full", "command": "sft", "objective": "sft", "dataset": ["AI-ModelScope/alpaca-gpt4-data-en#500",
                                                                                "my_rows.jsonl"],
        "learning_rate": 1e-4, "num_train_epochs": 3, "seed": 42}))
    (folder / "trainer_state.json").write_text(json.dumps({"log_history": [
        {"step": 10, "loss": 2.5}, {"step": 20, "loss": 1.25, "eval_loss": 1.5}]}))
    (folder / "optimizer.pt").write_bytes(b"\0" * 64)
    (folder / "rng_state.pth").write_bytes(b"\0" * 8)
    (folder / "README.md").write_text("the base model's card\n")
    report_dir = folder / "eval_output" / "20261207-010000"
    report_dir.mkdir(parents=True)
    (report_dir / "report.json").write_text(json.dumps(REPORT))
    return folder


UPLOADED = {"args.json", "chat_template.jinja", "config.json", "generation_config.json", "model.safetensors",
            "tokenizer.json", "tokenizer_config.json", "README.md"}


@pytest.fixture
def hub(monkeypatch, tmp_path):
    """The recorder, with both clients pointed at it and allowed online for this test."""
    import huggingface_hub.constants as hf_constants

    with HubRecorder() as recorder:
        monkeypatch.setenv("HF_HUB_OFFLINE", "0")
        monkeypatch.setattr(hf_constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(hf_constants, "HF_HUB_DISABLE_XET", True)  # LFS basic transfer, not the Xet CAS
        monkeypatch.setenv("HF_ENDPOINT", recorder.url)
        monkeypatch.setenv("MODELSCOPE_ENDPOINT", recorder.url)
        monkeypatch.setenv("MODELSCOPE_CACHE", str(tmp_path / "ms-cache"))
        yield recorder


def export(*args: str) -> str:
    result = CliRunner().invoke(cli, ["export", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def check_card(card: str) -> None:
    head, _, body = card.partition("\n---\n")
    assert head.startswith("---\n") and 'base_model: "Qwen/Qwen2.5-0.5B-Instruct"' in head
    assert "library_name: transformers" in head and '- "full"' in head and '- "sft"' in head
    assert '- "AI-ModelScope/alpaca-gpt4-data-en"' in head and "my_rows" not in head  # only hub datasets as metadata
    assert "| tuner | full |" in body and "| objective | sft |" in body
    assert "AI-ModelScope/alpaca-gpt4-data-en#500, my_rows.jsonl" in body
    assert "| learning_rate | 0.0001 |" in body and "| loss | 1.25 |" in body and "| eval_loss | 1.5 |" in body
    assert "backend lm_eval" in body and "| colours | acc | 0.875 | 16 |" in body
    assert "the base model's card" not in card


@pytest.mark.parametrize("use_hf", ["true", "false"], ids=["huggingface", "modelscope"])
def test_upload_creates_a_private_repo_first_and_sends_every_file_and_the_card(use_hf, checkpoint, hub):
    repo_id = f"me/tiny-{use_hf}"
    out = export("--model", str(checkpoint), "--push_to_hub", "true", "--hub_model_id", repo_id,
                 "--hub_private_repo", "true", "--hub_token", "tok-123", "--commit_message", "first upload",
                 "--use_hf", use_hf)
    repo = hub.repos[repo_id]
    assert repo.hub == ("hf" if use_hf == "true" else "ms")
    assert repo.private and repo.creates[0] is True  # ModelScope's upload_folder asks again (public): ignored
    first_create = min(i for i, r in enumerate(hub.requests) if r.path in ("/api/repos/create", "/api/v1/models"))
    first_upload = min(i for i, r in enumerate(hub.requests) if r.method == "PUT" or "/commit/" in r.path
                       or "/preupload/" in r.path or "lfs/objects/batch" in r.path)
    assert first_create < first_upload
    assert set(repo.files) == UPLOADED
    for name in UPLOADED - {"README.md"}:
        assert repo.files[name] == (checkpoint / name).read_bytes(), name
    weights = (checkpoint / "model.safetensors").read_bytes()
    assert len(weights) > 100_000 and not hub.bad_blobs and weights in hub.blobs.values()  # through LFS
    assert repo.commits[0].startswith("first upload")
    auth = {r.auth for r in hub.requests if r.path in ("/api/repos/create", "/api/v1/models")}
    assert auth == {"Bearer tok-123"}
    check_card(repo.files["README.md"].decode())
    assert not (checkpoint / "export.json").exists()  # publishing a folder writes nothing into it
    assert (checkpoint / "README.md").read_text() == "the base model's card\n"
    assert repo_id in out and "uploaded" in out


def test_dry_run_lists_the_repo_and_files_and_sends_nothing(checkpoint, hub):
    out = export("--model", str(checkpoint), "--push_to_hub", "true", "--hub_model_id", "me/dry",
                 "--hub_private_repo", "true", "--dry_run", "true")
    assert hub.requests == []
    assert "would create private Hugging Face repository me/dry" in out
    for name in UPLOADED:
        assert name in out
    assert "optimizer.pt" not in out and "rng_state.pth" not in out and "generated model card" in out


def test_refused_before_anything_loads(checkpoint, monkeypatch):
    from swiftkit.core.errors import SwiftkitError

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(SwiftkitError) as err:
        CliRunner().invoke(cli, ["export", "--model", str(checkpoint), "--push_to_hub", "true"], catch_exceptions=False)
    assert "--push_to_hub needs --hub_model_id" in str(err.value) and "HF_HUB_OFFLINE=1 is set" in str(err.value)
    with pytest.raises(SwiftkitError, match="not a repository id"):
        CliRunner().invoke(cli, ["export", "--model", str(checkpoint), "--push_to_hub", "true", "--hub_model_id",
                                 "no slash", "--dry_run", "true"], catch_exceptions=False)


def test_card_of_an_adapter_names_peft_and_the_base(tmp_path):
    from swiftkit.export.model_card import build_model_card

    folder = tmp_path / "checkpoint-5"
    folder.mkdir()
    (folder / "adapter_config.json").write_text("{}")
    (folder / "config.json").write_text(json.dumps({"quantization_config": {
        "quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "nf4"}}))
    (tmp_path / "args.json").write_text(json.dumps({"model": "/models/base", "train_type": "lora", "rlhf_type": "dpo",
                                                    "lora_rank": 8, "dataset": ["pairs.jsonl"]}))
    card = build_model_card(str(folder), "me/adapter")  # args.json of the run folder, one level up
    assert "library_name: peft" in card and "base_model" not in card.split("\n---\n")[0]  # a local base: no hub id
    assert "| tuner | lora |" in card and "| objective | dpo |" in card and "| lora_rank | 8 |" in card
    assert "--adapters" in card and "| quantization | bitsandbytes 4-bit nf4 |" in card
    assert "datasets:" not in card  # pairs.jsonl is a local file
