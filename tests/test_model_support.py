"""Support levels decide before anything loads: remote code only when trusted, unsupported and
other-task checkpoints refused with the reason, pre-quantized formats where their kernels run;
and a causal LM no plugin registers still trains and serves (the catalogue is never a wall)."""

from __future__ import annotations

import json
import textwrap

import pytest
from click.testing import CliRunner

from swiftkit.cli import cli
from swiftkit.core.errors import ConfigError
from swiftkit.core.registry import get_registry
from swiftkit.core.specs import ModelSpec
from swiftkit.models.support import check_support, folder_quantization, missing_packages

LORA = {"weights": "adapters"}
FULL = {"weights": "all"}


def _spec(**fields) -> ModelSpec:
    base = {"id": "m", "family": "f", "architecture": "LlamaForCausalLM", "hf_model_type": "llama", "template": "chatml"}
    return ModelSpec(**{**base, **fields})


# ------------------------------------------------------------------ the decision, from the spec alone


def test_tested_and_untested_pass_silently():
    assert check_support(_spec(support="tested"), {}) == []
    assert check_support(_spec(), {}) == []


def test_remote_code_needs_trust():
    spec = _spec(id="internlm2-chat-7b", support="remote_code", support_note="InternLM2ForCausalLM from modeling_internlm2.py")
    with pytest.raises(ConfigError) as err:
        check_support(spec, {})
    msg = str(err.value)
    assert "\n" not in msg and "'internlm2-chat-7b'" in msg and "InternLM2ForCausalLM" in msg
    assert "--trust_remote_code true" in msg
    notices = check_support(spec, {"trust_remote_code": True})
    assert len(notices) == 1 and "not tested" in notices[0]


def test_unsupported_names_the_reason():
    spec = _spec(id="chatglm3-6b", support="unsupported", support_note="its custom code needs transformers<4.42")
    with pytest.raises(ConfigError, match=r"'chatglm3-6b' cannot run .*transformers<4\.42"):
        check_support(spec, {"trust_remote_code": True})


def test_other_tasks_are_refused_by_name():
    # a checkpoint of another task runs as that task only (--task_type); a causal LM becomes any task
    reranker = _spec(id="bge-reranker-base", task="reranker", support="tested")
    assert check_support(reranker, {}, command="infer") == []
    assert check_support(reranker, {"task_type": "reranker"}, command="infer") == []
    with pytest.raises(ConfigError, match=r"'bge-reranker-base' is a cross-encoder reranker checkpoint \(task 'reranker'\)"
                       r".*pass --task_type reranker"):
        check_support(reranker, {"task_type": "causal_lm"}, command="sft")
    assert check_support(_spec(support="tested"), {"task_type": "embedding"}) == []
    with pytest.raises(ConfigError, match=r"process reward model checkpoint \(task 'prm'\)"):
        check_support(_spec(id="qwen2.5-math-prm-7b", task="prm", support="tested"), {}, command="infer")


@pytest.mark.parametrize("method", ["gptq", "awq"])
def test_quantized_formats_name_the_missing_package(method):
    missing = missing_packages(method)
    if not missing:
        pytest.skip(f"{method}'s packages are installed here")
    with pytest.raises(ConfigError) as err:
        check_support(_spec(id="q", quant_method=method, quant_bits=4, support="tested"), {}, trains=LORA)
    assert f"pip install {' '.join(missing)}" in str(err.value) and "pre-quantized" in str(err.value)


def test_bnb_runs_on_cpu_but_only_adapters_train():
    pytest.importorskip("bitsandbytes")
    spec = _spec(id="q", quant_method="bnb", quant_bits=4, support="tested")
    notices = check_support(spec, {}, trains=LORA)
    assert any("bitsandbytes" in n for n in notices) or notices == []  # a GPU machine needs no notice
    with pytest.raises(ConfigError, match="--train_type lora"):
        check_support(spec, {}, trains=FULL)


# ------------------------------------------------------------------ through the CLI, on tiny models


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("d") / "chat.jsonl"
    rows = [{"messages": [{"role": "user", "content": f"Count to {i}."},
                          {"role": "assistant", "content": " ".join(map(str, range(1, i + 1)))}]} for i in range(1, 9)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


@pytest.fixture(scope="module")
def granite(tmp_path_factory):
    """A tiny Granite model: an architecture transformers has and no swiftkit plugin registers."""
    from swiftkit.testing.tiny import build_tiny_model

    spec = _spec(id="granite-tiny", family="granite", architecture="GraniteForCausalLM", hf_model_type="granite")
    return str(build_tiny_model(spec, tmp_path_factory.mktemp("g") / "granite-tiny", registry=get_registry()))


def test_an_unregistered_architecture_trains_and_serves(granite, data, tmp_path):
    registry = get_registry()
    assert not [e for e in registry.find("model") if e.data.get("hf_model_type") == "granite"]
    out = tmp_path / "run"
    result = CliRunner().invoke(cli, ["sft", "--model", granite, "--dataset", data, "--max_steps", "2", "--output_dir",
                                      str(out), "--report_to", "none"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "model_type 'granite' is not in swiftkit's catalogue" in result.output
    assert "tokenizer's own chat template" in result.output
    checkpoint = sorted(out.glob("v*/checkpoint-2"))[0]
    questions = tmp_path / "q.jsonl"
    questions.write_text(json.dumps({"messages": [{"role": "user", "content": "Count to 2."},
                                                  {"role": "assistant", "content": "1 2"}]}) + "\n")
    answers = tmp_path / "a.jsonl"
    result = CliRunner().invoke(cli, ["infer", "--model", str(checkpoint), "--val_dataset", str(questions),
                                      "--max_new_tokens", "3", "--result_path", str(answers)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert len(answers.read_text().splitlines()) == 1


_CONFIG_PY = """
from transformers import LlamaConfig


class TinyCustomConfig(LlamaConfig):
    model_type = "tinycustom"
"""
_MODELING_PY = """
from transformers import LlamaForCausalLM

from .configuration_tinycustom import TinyCustomConfig


class TinyCustomForCausalLM(LlamaForCausalLM):
    config_class = TinyCustomConfig
"""


@pytest.fixture(scope="module")
def custom_code(tmp_path_factory, granite):
    """A tiny checkpoint that ships its own modeling code (config.json auto_map), as remote-code families do."""
    from swiftkit.testing.tiny import build_tiny_model

    spec = _spec(id="tinycustom", family="tinycustom")
    folder = build_tiny_model(spec, tmp_path_factory.mktemp("c") / "tinycustom", registry=get_registry())
    config = json.loads((folder / "config.json").read_text())
    config.update(model_type="tinycustom", architectures=["TinyCustomForCausalLM"],
                  auto_map={"AutoConfig": "configuration_tinycustom.TinyCustomConfig",
                            "AutoModelForCausalLM": "modeling_tinycustom.TinyCustomForCausalLM"})
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "configuration_tinycustom.py").write_text(textwrap.dedent(_CONFIG_PY))
    (folder / "modeling_tinycustom.py").write_text(textwrap.dedent(_MODELING_PY))
    return str(folder)


def test_custom_code_is_refused_untrusted_and_trains_trusted(custom_code, data, tmp_path):
    refused = CliRunner().invoke(cli, ["sft", "--model", custom_code, "--dataset", data, "--max_steps", "2",
                                       "--output_dir", str(tmp_path / "no")])
    message = refused.output + str(refused.exception)
    assert refused.exit_code != 0 and isinstance(refused.exception, ConfigError)
    assert "--trust_remote_code true" in message and "TinyCustomForCausalLM" in message
    assert not (tmp_path / "no").exists()  # refused before a run folder was made
    trusted = CliRunner().invoke(cli, ["sft", "--model", custom_code, "--dataset", data, "--max_steps", "2",
                                       "--output_dir", str(tmp_path / "yes"), "--trust_remote_code", "true",
                                       "--report_to", "none"], catch_exceptions=False)
    assert trusted.exit_code == 0, trusted.output
    assert "runs the checkpoint's own code" in trusted.output
    assert sorted((tmp_path / "yes").glob("v*/checkpoint-2"))


def test_a_bnb_quantized_folder_trains_adapters_only(granite, data, tmp_path):
    pytest.importorskip("bitsandbytes")
    from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig

    folder = tmp_path / "granite-bnb-4bit"
    model = AutoModelForCausalLM.from_pretrained(granite, quantization_config=BitsAndBytesConfig(load_in_4bit=True))
    model.save_pretrained(folder)
    AutoTokenizer.from_pretrained(granite).save_pretrained(folder)
    assert folder_quantization(str(folder)) == ("bnb", 4)
    full = CliRunner().invoke(cli, ["sft", "--model", str(folder), "--dataset", data, "--train_type", "full",
                                    "--max_steps", "1", "--output_dir", str(tmp_path / "full")])
    assert full.exit_code != 0 and "its weights cannot be trained directly" in str(full.exception)
    lora = CliRunner().invoke(cli, ["sft", "--model", str(folder), "--dataset", data, "--train_type", "lora",
                                    "--max_steps", "2", "--output_dir", str(tmp_path / "lora"), "--report_to", "none"],
                              catch_exceptions=False)
    assert lora.exit_code == 0, lora.output
    assert sorted((tmp_path / "lora").glob("v*/checkpoint-2"))


# ------------------------------------------------------------------ what users see


def test_list_and_info_show_the_support_level():
    result = CliRunner().invoke(cli, ["list", "models", "--json"], catch_exceptions=False)
    models = json.loads(result.output)
    assert all(m.get("support") in ("tested", "remote_code", "unsupported", "untested") for m in models)
    table = CliRunner(env={"COLUMNS": "200"}).invoke(cli, ["list", "models"], catch_exceptions=False)
    assert "SUPPORT" in table.output.splitlines()[2]
    level = models[0]["support"]
    only = json.loads(CliRunner().invoke(cli, ["list", "models", "--support", level, "--json"]).output)
    assert only and {m["support"] for m in only} == {level}
    info = CliRunner().invoke(cli, ["info", "model", models[0]["id"]], catch_exceptions=False)
    assert f"support: {level} -- " in info.output


@pytest.mark.parametrize(("model", "says"), [
    ("internlm2-chat-7b", "--trust_remote_code true"),          # remote code, not trusted
    ("chatglm3-6b", "needs transformers<4.42"),                   # unsupported on this transformers
    ("bge-reranker-base", "pass --task_type reranker"),           # a reranker runs as its own task only
])
def test_a_registered_checkpoint_that_cannot_run_is_refused_before_any_download(model, says, data, tmp_path):
    """The spec decides first: nothing is looked up in (or fetched from) the hub for a checkpoint
    that would be refused anyway."""
    result = CliRunner().invoke(cli, ["sft", "--model", model, "--dataset", data, "--output_dir", str(tmp_path / "o")])
    assert isinstance(result.exception, ConfigError), result.output
    assert says in str(result.exception) and "cache" not in str(result.exception)
    assert not (tmp_path / "o").exists()
