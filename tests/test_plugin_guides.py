"""The plugin guides (docs/plugins/): every example runs, and every guide names its interface.

The examples in ``docs/plugins/examples`` are loaded in process from the entry points their
``pyproject.toml`` declares (as ``swift`` would load them once installed), on top of the
installed plugins, then each is exercised the way the core uses its kind. The drift tests
fail with the names a guide misses when an interface, a spec or the hookspecs grow.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import os
import re
import sys
from pathlib import Path

import pytest

from swiftkit.core import specs
from swiftkit.core.registry import set_registry
from swiftkit.testing import PluginHarness
from swiftkit.testing.conformance import check_plugin_conformance

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = pytest.importorskip("tomli")

pytestmark = pytest.mark.usefixtures("one_torch_thread")  # see conftest

ROOT = Path(__file__).resolve().parents[1]
GUIDES = ROOT / "docs" / "plugins"
EXAMPLES = GUIDES / "examples"
PYPROJECT = tomllib.loads((EXAMPLES / "pyproject.toml").read_text())
DIST = PYPROJECT["project"]["name"]
#: (entry-point group, plugin name, module) of every example
ENTRY_POINTS = [(g, n, v) for g, eps in PYPROJECT["project"]["entry-points"].items() for n, v in eps.items()]
PACKAGES = PYPROJECT["tool"]["setuptools"]["packages"]

CHAT = [
    {"role": "system", "content": "Answer in one sentence."},
    {"role": "user", "content": "What is the capital of France?"},
    {"role": "assistant", "content": "Paris."},
]


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def discovery():
    """Installed plugins plus the examples, importable from docs/plugins/examples (also in the
    subprocess the conformance check starts)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.syspath_prepend(str(EXAMPLES))
        mp.setenv("PYTHONPATH", os.pathsep.join([str(EXAMPLES), str(ROOT), os.environ.get("PYTHONPATH", "")]))
        harness = PluginHarness(include_installed=True)
        for group, name, module in ENTRY_POINTS:
            harness.add(module, name=name, group=group, dist=DIST, version=PYPROJECT["project"]["version"])
        yield harness.discover()
    for name in list(sys.modules):
        if name.split(".")[0] in PACKAGES:
            del sys.modules[name]


@pytest.fixture(scope="module")
def reg(discovery):
    """The examples' registry, also as the process-wide one (engines and commands ask for it)."""
    from swiftkit.core.registry import Registry

    registry = Registry(discovery)
    previous = set_registry(registry)
    yield registry
    set_registry(previous)


@pytest.fixture(scope="module")
def tiny_dir(reg, tmp_path_factory):
    """The one model this module builds: a tiny SmolLM2 from the model example's spec. Named
    after its checkpoint, so the registry resolves the folder to it."""
    from swiftkit.testing.tiny import build_tiny_model

    return build_tiny_model("smollm2-135m-instruct", tmp_path_factory.mktemp("tiny") / "smollm2-135m-instruct", registry=reg)


@pytest.fixture(scope="module")
def loaded(reg, tiny_dir):
    return reg.model_loader(str(tiny_dir)).load(str(tiny_dir))


@pytest.fixture(scope="module")
def tokenizer(loaded):
    return loaded[1]


def fresh_model(reg, tiny_dir):
    model, _ = reg.model_loader(str(tiny_dir)).load(str(tiny_dir))
    return model


def method(reg, name, **options):
    return reg.impl("method", name)(reg.get("method", name).spec, options)


# ----------------------------------------------------------------------------- every example


def test_pyproject_declares_every_example_package():
    on_disk = sorted(p.name for p in EXAMPLES.iterdir() if (p / "__init__.py").is_file())
    assert sorted(PACKAGES) == on_disk
    assert sorted({module.split(".")[0] for _, _, module in ENTRY_POINTS}) == on_disk


@pytest.mark.parametrize(("group", "name", "module"), ENTRY_POINTS, ids=[n for _, n, _ in ENTRY_POINTS])
def test_example_registers_cleanly_and_is_conformant(discovery, group, name, module):
    (record,) = [p for p in discovery.plugins if p.name == name and p.dist == DIST]
    assert record.ok, record.reason
    assert record.counts, f"{name} registers nothing"
    results = check_plugin_conformance(name, discovery)
    failed = [f"{r.subject}: {r.check}: {r.detail}" for r in results if not r.ok]
    assert not failed, "\n".join(failed)
    assert any(r.check == "imports light" for r in results)  # ran in a clean subprocess


# ----------------------------------------------------------------------------- per kind


def test_model_example_builds_a_tiny_model_and_loads_it(reg, tiny_dir, loaded):
    from model_plugin.loader import SmolLM2Loader

    assert reg.resolve_model(str(tiny_dir)).id == "smollm2-135m-instruct"
    assert reg.get("model", "HuggingFaceTB/SmolLM2-135M-Instruct").id == "smollm2-135m-instruct"
    assert reg.resolve_model("smollm2").id == "smollm2-135m-instruct"  # a family name: its first model
    assert isinstance(reg.model_loader(str(tiny_dir)), SmolLM2Loader)
    model, tokenizer = loaded
    assert type(model).__name__ == "LlamaForCausalLM"
    assert model.config.tie_word_embeddings and model.config.num_key_value_heads == 1  # the loader's TINY_OVERRIDES
    assert model.get_output_embeddings().weight is model.get_input_embeddings().weight
    assert tokenizer.eos_token == "<|im_end|>"  # the chatml template the spec names


def _labelled_text(tokenizer, encoded):
    return tokenizer.decode([t for t, label in zip(encoded["input_ids"], encoded["labels"], strict=True) if label != -100])


def test_data_only_template_labels_only_the_assistant_reply(reg, tokenizer):
    template = reg.template("guide-zephyr")
    encoded = template.encode(tokenizer, CHAT)
    assert len(encoded["input_ids"]) == len(encoded["labels"])
    assert _labelled_text(tokenizer, encoded) == "Paris.</s>\n"  # the reply and its end-of-turn text
    prompt = [t for t, label in zip(encoded["input_ids"], encoded["labels"], strict=True) if label == -100]
    assert tokenizer.decode(prompt) == template.render(CHAT[:2], add_generation_prompt=True)
    rendered = tokenizer.apply_chat_template(CHAT, chat_template=template.chat_template(), tokenize=False)
    assert rendered == template.render(CHAT)  # the exported chat_template renders the same text


def test_template_with_custom_encode_tokenizes_the_whole_text(reg, tokenizer):
    from template_plugin.behaviour import WholeTextTemplate

    template = reg.template("qa-whole")
    assert isinstance(template, WholeTextTemplate)
    text = template.render(CHAT)
    assert text == "Answer in one sentence.\n\n### Question:\nWhat is the capital of France?\n\n### Answer:\nParis.\n### End\n\n"
    encoded = template.encode(tokenizer, CHAT)
    assert encoded["input_ids"] == tokenizer(text, add_special_tokens=False)["input_ids"]
    labelled = _labelled_text(tokenizer, encoded)
    assert labelled.endswith("\n### End\n\n") and "Paris." in labelled and "Answer:" not in labelled
    last_round = template.encode(tokenizer, [*CHAT, {"role": "user", "content": "And Spain?"},
                                             {"role": "assistant", "content": "Madrid."}], loss_scale="last_round")
    assert "Paris" not in _labelled_text(tokenizer, last_round) and "Madrid." in _labelled_text(tokenizer, last_round)
    with pytest.raises(ValueError, match="must end with an assistant reply"):
        template.encode(tokenizer, CHAT[:2])


def test_format_example_converts_rows_and_its_dataset_trains(reg, tokenizer, tmp_path):
    from swiftkit.core.errors import RowError
    from swiftkit.data import prepare_datasets

    converter = reg.converter("qa-pairs")
    assert converter.matches(["question", "answer", "id"]) and not converter.matches(["question"])
    assert converter.convert({"question": "Q?", "answer": "A."}) == {
        "messages": [{"role": "user", "content": "Q?"}, {"role": "assistant", "content": "A."}]}
    assert converter.convert({"question": "Q?", "answer": "A.", "context": "Be brief."})["messages"][0] == {
        "role": "system", "content": "Be brief."}
    with pytest.raises(RowError, match="field 'answer': is blank"):
        converter.convert({"question": "Q?", "answer": "  "})
    # no `modes`: a plain conversation format, which the sft and pt layouts accept and the others refuse
    from swiftkit.data.layouts import layout_for_mode
    from swiftkit.data.preference import PreferenceLayout

    assert getattr(converter, "modes", None) is None
    assert layout_for_mode("sft").accepts("qa-pairs", converter) and layout_for_mode("pt").accepts("qa-pairs", converter)
    assert not PreferenceLayout().accepts("qa-pairs", converter)
    assert PreferenceLayout().refusal("qa-pairs", converter) == "format 'qa-pairs' is for conversation data, not 'preference'"
    kto = reg.converter("kto")
    assert layout_for_mode("sft").refusal("kto", kto) == "format 'kto' is for kto data, not 'sft'"  # the guide's example
    # the registered dataset, through the real pipeline: bundled file -> format -> template
    data = prepare_datasets(dataset=["capitals-qa#4"], registry=reg, template=reg.template("chatml"),
                            tokenizer=tokenizer, mode="sft", cache_dir=str(tmp_path))
    assert len(data.train) == 4
    assert all(any(label != -100 for label in row["labels"]) for row in data.train)


def test_tuner_example_trains_only_the_norms(reg, tiny_dir):
    model = fresh_model(reg, tiny_dir)
    total = sum(p.numel() for p in model.parameters())
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == total
    model = method(reg, "layernorm").prepare(model, reg.get("model", "smollm2-135m-instruct").spec)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable and all("norm" in n for n in trainable)
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) < total // 10
    with_head = method(reg, "layernorm", layernorm_train_lm_head=True).prepare(fresh_model(reg, tiny_dir))
    assert with_head.get_output_embeddings().weight.requires_grad
    # modules_to_save comes from the shared ADAPTER group: the very schema lora's flag has
    from swiftkit.core.options import ADAPTER, option_difference

    spec = reg.get("method", "layernorm").spec
    assert spec.options["properties"]["modules_to_save"] == ADAPTER["modules_to_save"]
    lora = reg.get("method", "lora").spec.options["properties"]["modules_to_save"]
    assert option_difference(lora, spec.options["properties"]["modules_to_save"]) is None
    saved = method(reg, "layernorm", modules_to_save=["embed_tokens"]).prepare(fresh_model(reg, tiny_dir))
    assert saved.get_input_embeddings().weight.requires_grad
    with pytest.raises(ValueError, match="modules_to_save names 'vision_tower'"):
        method(reg, "layernorm", modules_to_save=["vision_tower"]).prepare(fresh_model(reg, tiny_dir))


def test_objective_example_computes_a_loss_on_a_batch(reg, tiny_dir, tokenizer):
    import torch

    from swiftkit.core.config import build_config
    from swiftkit.core.data.layout import EncodeSettings

    config = build_config(reg, command="rlhf", cli_args=["--rlhf_type", "sft-smooth", "--sft_label_smoothing", "0.2"])
    assert config["sft_label_smoothing"] == 0.2
    objective = method(reg, "sft-smooth")
    layout = objective.data_layout()  # data_mode "sft": the built-in layout the guide describes
    assert layout.id == "sft" and layout.needs_template and layout.packable
    settings = EncodeSettings(template=reg.template("chatml"), tokenizer=tokenizer)
    rows = [layout.encode(layout.convert(reg.converter("messages"), {"messages": chat}), settings).columns
            for chat in (CHAT, CHAT[1:])]
    batch = objective.make_collator(tokenizer, config)(rows)
    assert set(batch) >= {"input_ids", "attention_mask", "labels"}
    model = fresh_model(reg, tiny_dir)
    smooth, metrics = method(reg, "sft-smooth", sft_label_smoothing=0.2).compute_loss(model, batch)
    plain, _ = method(reg, "sft-smooth", sft_label_smoothing=0.0).compute_loss(model, batch)
    reference, _ = method(reg, "sft").compute_loss(model, batch)
    assert torch.isfinite(smooth) and smooth.requires_grad
    assert plain.item() == pytest.approx(reference.item(), rel=1e-5)  # no smoothing: the built-in sft loss
    assert metrics["nll"] == pytest.approx(reference.item(), rel=1e-5)
    assert smooth.item() != pytest.approx(plain.item(), rel=1e-3)
    smooth.backward()
    assert model.get_input_embeddings().weight.grad is not None


def test_agent_template_example_writes_and_reads_calls(reg):
    """The example agent template renders a tool conversation in a chat template's turns and
    reads its own calls back, whole and streamed."""
    from swiftkit.core.templates.agent import ToolCall

    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}]
    messages = [{"role": "user", "content": "Weather in Paris?"},
                {"role": "assistant", "content": "", "tool_calls": [
                    {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
                {"role": "tool", "content": "sunny"}, {"role": "assistant", "content": "Sunny."}]
    agent = reg.agent_template("xml_calls")
    template = reg.template("chatml").configure(agent_template=agent)
    text = template.render(template.with_tools(messages, tools))
    assert text.startswith("<|im_start|>system\nTools:\n{\"name\": \"get_weather\"")
    assert '<|im_start|>assistant\n<call name="get_weather">{"city": "Paris"}</call><|im_end|>' in text
    assert "<|im_start|>tool\nsunny<|im_end|>" in text  # chatml's tool role
    reply = agent.parse('Let me check.<call name="get_weather">{"city": "Oslo"}</call>')
    assert reply.content == "Let me check." and reply.tool_calls == [ToolCall("get_weather", {"city": "Oslo"})]
    parser = agent.stream_parser(tools)
    events = [e for piece in ["Let me", " check.<ca", 'll name="get_weather">{"city"', ': "Oslo"}</call>'] for e in parser.feed(piece)]
    events += parser.finish()
    assert events == [("content", "Let me"), ("content", " check."), ("tool_call", ToolCall("get_weather", {"city": "Oslo"}))]


def test_reward_example_scores_completions(reg):
    from swiftkit.core.config import build_config
    from swiftkit.train.rewards import load_reward_functions, score

    config = build_config(reg, command="rlhf", cli_args=["--rlhf_type", "grpo", "--reward_funcs", "keywords",
                                                         "--keywords_case_sensitive", "true"])
    assert config["keywords_case_sensitive"] is True  # naming the reward brought its option in
    prompts = [[{"role": "user", "content": "Capital of France?"}]] * 3
    completions = ["Paris is the capital of France.", "paris", "Berlin."]
    columns = {"keywords": [["Paris", "France"], ["Paris"], ["Paris"]]}
    for case_sensitive, expected in ((False, [1.0, 1.0, 0.0]), (True, [1.0, 0.0, 0.0])):
        functions = load_reward_functions(["keywords"], reg, {"keywords_case_sensitive": case_sensitive})
        assert score(functions, prompts, completions, columns) == {"keywords": expected}


def test_engine_example_answers_a_chat_request(reg, tiny_dir, tokenizer):
    from swiftkit.core.engines.interface import ChatRequest, SamplingOptions
    from swiftkit.infer.factory import create_engine

    engine, resolved = create_engine({"model": str(tiny_dir), "infer_backend": "generate"}, reg)
    try:
        assert type(engine).__name__ == "GenerateEngine" and resolved.model_id == "smollm2-135m-instruct"
        request = ChatRequest(messages=CHAT[:2], sampling=SamplingOptions(max_tokens=5))
        (response,) = engine.infer([request])
        assert response.finish_reason in ("stop", "length") and 1 <= response.completion_tokens <= 5
        assert response.prompt_token_ids == engine.template.encode_prompt(tokenizer, CHAT[:2])
        assert len(response.token_ids) == response.completion_tokens
        assert engine.infer([request]) == [response]  # greedy: deterministic
        (chunk,) = list(engine.stream(request))  # the interface's default: the answer in one piece
        assert chunk.delta == response.text and chunk.finish_reason == response.finish_reason
    finally:
        engine.close()


def test_strategy_example_is_selected_by_its_flag_and_checked(reg):
    import transformers

    from swiftkit.core.config import build_config
    from swiftkit.core.parallel.env import ParallelEnv
    from swiftkit.parallel.select import build_strategy

    config = build_config(reg, command="sft", cli_args=["--ddp_bucket_cap_mb", "50"])
    assert config["strategy"] == "ddp-bucketed"  # selected_by
    strategy = build_strategy("ddp-bucketed", config, reg)
    one, two = ParallelEnv(), ParallelEnv(nproc_per_node=2)
    assert strategy.check(one, config) == ["ddp-bucketed needs more than one process (--nproc_per_node 2 or more)"]
    assert strategy.check(two, config) == []
    assert strategy.launcher(two) == "torchrun"
    args = strategy.trainer_args(two, config)
    assert args == {"ddp_backend": "gloo", "ddp_bucket_cap_mb": 50}
    assert set(args) <= {f.name for f in dataclasses.fields(transformers.TrainingArguments)}
    assert strategy.model_load_kwargs(two, config) == {} and strategy.consolidate_checkpoint("/nowhere") is None
    # --ddp_backend is the shared DISTRIBUTED key: the same flag as the built-in ddp strategy's
    config = build_config(reg, command="sft", cli_args=["--ddp_bucket_cap_mb", "50", "--ddp_backend", "mpi"])
    assert build_strategy("ddp-bucketed", config, reg).trainer_args(two, config)["ddp_backend"] == "mpi"


def test_command_example_runs_through_the_cli(reg):
    from click.testing import CliRunner

    from swiftkit.cli import cli

    runner = CliRunner()
    sys.modules.pop("command_plugin.command", None)
    help_text = runner.invoke(cli, ["--help"]).output
    assert "template-preview" in help_text and "command_plugin.command" not in sys.modules  # listed from the spec
    result = runner.invoke(cli, ["template-preview", "guide-zephyr"])
    assert result.exit_code == 0, result.output
    assert result.output == "<|system|>\nYou are terse.</s>\n<|user|>\nWhat is the capital of France?</s>\n<|assistant|>\n[[Paris.</s>\n]]\n"
    segments = json.loads(runner.invoke(cli, ["template-preview", "qa-whole", "--json", "--system", "Hi."]).output)
    assert [s["text"] for s in segments if s["trainable"]] == ["Paris.\n### End\n\n"]
    missing = runner.invoke(cli, ["template-preview", "guide-zephir"])
    assert missing.exit_code != 0 and "did you mean 'guide-zephyr'" in missing.output


def test_hooks_example_journals_checkpoints_and_stops_on_a_nan_loss(reg, discovery, tmp_path):
    """The runtime hooks as the training run calls them (swiftkit.train.plugin_hooks, through
    swiftkit.core.hookcall), without a training run: tests/test_runtime_hooks.py drives a real one."""
    from types import SimpleNamespace

    from hooks_plugin.journal import StopOnNonFiniteLoss
    from transformers import TrainerControl

    from swiftkit.core.config import build_config
    from swiftkit.core.hookcall import call_hook, implementers
    from swiftkit.train.plugin_hooks import CheckpointSaved, plugin_callbacks

    (record,) = [p for p in discovery.plugins if p.name == "run-journal"]
    assert record.hooks == ["swift_checkpoint_saved", "swift_trainer_callbacks"] and record.counts == {"options": 1}
    assert "run-journal" in [r.name for r in implementers(reg, "swift_checkpoint_saved")]
    config = build_config(reg, command="sft", cli_args=[])
    assert config["journal_stop_on_nan"] is True  # the plugin's run-config key, default filled in
    run_dir = tmp_path / "run"
    run_dir.mkdir()

    # swift_trainer_callbacks: what the run adds to the Trainer (with the core's checkpoint observer)
    callbacks = plugin_callbacks(config, str(run_dir), reg)
    (stop,) = [c for c in callbacks if isinstance(c, StopOnNonFiniteLoss)]
    assert any(isinstance(c, CheckpointSaved) for c in callbacks)
    main, other = SimpleNamespace(is_world_process_zero=True, global_step=7), SimpleNamespace(is_world_process_zero=False, global_step=7)
    control = TrainerControl()
    stop.on_log(None, main, control, logs={"loss": 2.5, "learning_rate": 1e-4})
    assert not control.should_training_stop and not (run_dir / "checkpoints.jsonl").exists()
    stop.on_log(None, other, control, logs={"loss": float("nan")})
    assert control.should_training_stop and not (run_dir / "checkpoints.jsonl").exists()  # every rank stops, rank 0 writes
    stop.on_log(None, main, TrainerControl(), logs={"loss": float("inf")})
    assert [json.loads(line) for line in (run_dir / "checkpoints.jsonl").read_text().splitlines()] == [
        {"event": "stopped", "step": 7, "loss": "inf"}]
    disabled = call_hook(reg, "swift_trainer_callbacks", config={**config, "journal_stop_on_nan": False}, run_dir=str(run_dir))
    assert not any(isinstance(c, StopOnNonFiniteLoss) for returned in disabled for c in returned)

    # swift_checkpoint_saved: the run's observer calls it on rank 0, once checkpoint-N is in place
    checkpoint = run_dir / "checkpoint-5"
    checkpoint.mkdir()
    (checkpoint / "adapter_model.safetensors").write_bytes(b"\0" * 100)
    (checkpoint / "trainer_state.json").write_text("{}")
    observer = CheckpointSaved(config, reg)
    observer.on_save(SimpleNamespace(output_dir=str(run_dir)), SimpleNamespace(is_world_process_zero=False, global_step=5), None)
    observer.on_save(SimpleNamespace(output_dir=str(run_dir)), SimpleNamespace(is_world_process_zero=True, global_step=5), None)
    entries = [json.loads(line) for line in (run_dir / "checkpoints.jsonl").read_text().splitlines()]
    assert entries[1:] == [{"event": "checkpoint", "step": 5, "checkpoint": "checkpoint-5",
                            "files": ["adapter_model.safetensors", "trainer_state.json"], "bytes": 102}]
    assert sorted(os.listdir(checkpoint)) == ["adapter_model.safetensors", "trainer_state.json"]  # left as written


def test_exporter_example_writes_a_half_precision_model_that_reloads(reg, tiny_dir, tmp_path):
    from safetensors import safe_open

    from swiftkit.core.config import build_config
    from swiftkit.core.errors import ConfigError
    from swiftkit.export.pipeline import run_export_pipeline

    out = tmp_path / "half"
    config = build_config(reg, command="export", cli_args=["--model", str(tiny_dir), "--quant_method", "fp16",
                                                           "--quality_check", "true", "--output_dir", str(out)])
    assert config["half_keep_float32"] == []  # choosing the exporter brought its option in
    (step,) = run_export_pipeline(config, reg).steps
    assert step.exporter == "half" and step.metrics["dtype"] == "float16"
    with safe_open(str(out / "model.safetensors"), "pt") as fh:
        assert {str(fh.get_tensor(k).dtype) for k in fh.keys()} == {"torch.float16"}
    assert 0.45 < step.metrics["size_ratio"] < 0.55
    assert step.metrics["greedy_agreement"] >= 0.9 and step.metrics["max_abs_logit_diff"] < 0.05
    assert (out / "tokenizer.json").is_file() and (out / "export.json").is_file()
    with pytest.raises(ConfigError, match="half: --dataset is not used"):
        run_export_pipeline(build_config(reg, command="export", cli_args=[
            "--model", str(tiny_dir), "--quant_method", "bf16", "--dataset", "x.jsonl"]), reg)


# ----------------------------------------------------------------------------- drift

#: guide -> (interface class(es) whose name and public members it must name, spec classes whose
#: fields it must name)
GUIDE_CONTRACTS = {
    "models.md": ("swiftkit.core.models.interface:ModelLoader", ["ModelSpec"]),
    "templates.md": ("swiftkit.core.templates.interface:Template", ["TemplateSpec"]),
    "agent_templates.md": ("swiftkit.core.templates.agent:AgentTemplate", ["AgentTemplateSpec"]),
    "formats.md": ("swiftkit.core.data.interface:RowConverter", ["FormatSpec", "DatasetSpec"]),
    "tuners.md": ("swiftkit.core.methods.interface:Tuner", ["MethodSpec"]),
    # an objective owns its data: the guide also documents the layout contract it returns
    "objectives.md": (("swiftkit.core.methods.interface:Objective", "swiftkit.core.data.layout:DataLayout",
                       "swiftkit.core.data.layout:EncodeSettings", "swiftkit.core.data.layout:EncodedRow",
                       "swiftkit.core.data.layout:RowTooLong", "swiftkit.core.data.layout:RowHasNoLabels"),
                      ["MethodSpec"]),
    "rewards.md": ("swiftkit.core.methods.interface:RewardFunction", ["RewardSpec"]),
    "engines.md": ("swiftkit.core.engines.interface:InferEngine", ["EngineSpec"]),
    "strategies.md": ("swiftkit.core.parallel.interface:Strategy", ["StrategySpec"]),
    "exporters.md": (("swiftkit.core.export.interface:Exporter", "swiftkit.core.export.interface:ExportContext",
                      "swiftkit.core.export.interface:ExportResult"), ["ExporterSpec"]),
    "commands.md": (None, ["CommandSpec", "OptionsSpec"]),
    "hooks.md": (None, []),  # names every runtime hook: test_hooks_guide_names_every_runtime_hook
}


def _code_text(markdown: str) -> str:
    """The guide's code: fenced blocks and inline code spans (where member names belong)."""
    fenced = re.findall(r"^```[^\n]*\n(.*?)^```", markdown, re.S | re.M)
    without = re.sub(r"^```[^\n]*\n.*?^```", "", markdown, flags=re.S | re.M)
    return "\n".join([*fenced, *re.findall(r"`([^`\n]+)`", without)])


def _init_attributes(cls: type) -> set[str]:
    """``self.name = ...`` in the ``__init__`` of ``cls`` and its swiftkit bases."""
    names: set[str] = set()
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None or not klass.__module__.startswith("swiftkit"):
            continue
        tree = ast.parse(inspect.cleandoc("\n" + inspect.getsource(init)))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and getattr(node.value, "id", "") == "self":
                names.add(node.attr)
    return names


def public_members(ref: str) -> set[str]:
    """Every public member of an interface class: methods, properties, class attributes, and
    the attributes its constructor sets (the class's own and those of its swiftkit bases)."""
    from swiftkit.core.lazy import resolve

    cls = resolve(ref)
    if issubclass(cls, BaseException):  # a signal a plugin raises: its name is what the guide needs
        return {cls.__name__}
    if dataclasses.is_dataclass(cls):  # a value plugins get or build: its fields
        return {cls.__name__} | {f.name for f in dataclasses.fields(cls)}
    return {n for n in dir(cls) if not n.startswith("_")} | {n for n in _init_attributes(cls) if not n.startswith("_")}


def missing_in_guides() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for guide, (interface, spec_names) in GUIDE_CONTRACTS.items():
        path = GUIDES / guide
        code = _code_text(path.read_text()) if path.exists() else ""
        refs = (interface,) if isinstance(interface, str) else interface or ()
        wanted = set().union(*(public_members(ref) for ref in refs))
        for spec_name in spec_names:
            wanted |= {f.name for f in dataclasses.fields(getattr(specs, spec_name))}
        missing = sorted(n for n in wanted if not re.search(rf"\b{re.escape(n)}\b", code))
        if missing:
            out[guide] = missing
    return out


def test_every_guide_names_every_member_of_its_interface_and_spec():
    missing = missing_in_guides()
    assert not missing, "docs/plugins guides do not name (in code) these interface members / spec fields:\n" + "\n".join(
        f"  {guide}: {', '.join(names)}" for guide, names in missing.items()
    )


def test_index_names_every_group_hook_and_switch():
    from swiftkit.core import hookspecs, plugins

    code = _code_text((GUIDES / "README.md").read_text())
    hooks = [n for n, f in vars(hookspecs).items() if callable(f) and hasattr(f, f"{hookspecs.PROJECT}_spec")]
    switches = [plugins.ENV_STRICT, plugins.ENV_ALLOW, plugins.ENV_DENY, plugins.ENV_NO_INDEX, plugins.ENV_CACHE_DIR]
    wanted = [*plugins.GROUPS, *hooks, *switches, "SWIFTKIT_PLUGIN_API", specs.PLUGIN_API_VERSION]
    missing = [n for n in wanted if n not in code]
    assert not missing, f"docs/plugins/README.md does not name: {', '.join(missing)}"
    for guide in GUIDE_CONTRACTS:
        assert f"({guide})" in (GUIDES / "README.md").read_text(), f"README.md does not link {guide}"


def test_hooks_guide_names_every_runtime_hook():
    from swiftkit.core.hookspecs import RUNTIME_HOOKS

    code = _code_text((GUIDES / "hooks.md").read_text())
    missing = [hook for hook in RUNTIME_HOOKS if hook not in code]
    assert not missing, f"docs/plugins/hooks.md does not name: {', '.join(missing)}"


QUOTE = re.compile(r"<!-- quote: (\S+) -->\n```[^\n]*\n(.*?)^```", re.S | re.M)


def test_guides_quote_their_examples_verbatim():
    """A block marked ``<!-- quote: examples/x.py -->`` must be the file's text, so a guide
    cannot show code that the tests do not run."""
    quoted: set[str] = set()
    for guide in [*GUIDE_CONTRACTS, "README.md"]:
        for path, block in QUOTE.findall((GUIDES / guide).read_text()):
            source = (GUIDES / path).read_text()
            assert block in source, f"{guide}: the block quoted from {path} differs from the file"
            quoted.add(path.split("/")[1])
    assert quoted >= set(PACKAGES), f"no guide quotes {sorted(set(PACKAGES) - quoted)}"
