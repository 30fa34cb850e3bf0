"""Reasoning models' templates (``--enable_thinking``, thinking blocks kept in or dropped from the
loss by ms-swift's ``--loss_scale`` values), GLM-style replies without end-of-turn text, default
system prompts and the ms-swift template ids of the vendor modules.

What carries loss is read from ``Template.encode``: the labelled tokens are decoded run by run
(maximal runs of consecutive labelled positions), so each assertion names the exact text the
model learns to produce.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from swiftkit.core.registry import get_registry
from swiftkit.core.templates.interface import IGNORE_INDEX, LOSS_SCALES, apply_loss_scale
from swiftkit.testing.tokenizer import build_tokenizer

#: every template id the catalogue names for the Qwen, DeepSeek, Kimi, GLM, InternLM, Baichuan,
#: MiniCPM, CodeFuse, ModelScope-Agent, MiMo families (ms-swift's names)
MSSWIFT_IDS = (
    "qwen qwen2_5 qwen2_5_math qwen2_5_math_prm qwen3 qwen3_thinking qwen3_nothinking qwen3_coder qwen3_guard "
    "qwen3_emb qwen3_reranker qwq qwq_preview marco_o1 chatml codefuse modelscope_agent yufeng_xguard deepseek "
    "deepseek_r1 deepseek_v2_5 deepseek_v3_1 deepseek_v4 deepseek_v4_flash kimi_k2 moonlight chatglm2 chatglm4 "
    "codegeex4 glm4 glm4_5 glm4_7 glm4_z1_rumination glm5_1 glm5_2 internlm internlm2 internlm2_reward baichuan "
    "baichuan_m1 minicpm minicpm5 mimo_rl"
).split()

DATA = Path(__file__).parent / "data" / "chat_templates"
NO_THINK = "<think>\n\n</think>\n\n"
THOUGHT = "<think>\nAdd the units.\n</think>\n\n"


def U(c):
    return {"role": "user", "content": c}


def A(c):
    return {"role": "assistant", "content": c}


def S(c):
    return {"role": "system", "content": c}


#: a thinking reply, then a reply without thinking (what hybrid-model datasets mix)
MIXED = [S("Be brief."), U("2+2?"), A(THOUGHT + "4"), U("3+3?"), A("6")]


@pytest.fixture(scope="module")
def registry():
    return get_registry()


@pytest.fixture(scope="module")
def tiny_folder(tmp_path_factory, registry):
    """One tiny checkpoint for the run-level tests (engine, swift sft)."""
    from swiftkit.testing.tiny import build_tiny_model

    return build_tiny_model("qwen2.5-0.5b-instruct", tmp_path_factory.mktemp("tiny"), registry=registry)


@pytest.fixture(scope="module")
def tokenizers(registry):
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = build_tokenizer(name, registry=registry)
        return cache[name]

    return get


def runs(tok, row):
    """The labelled text, one string per run of consecutive labelled tokens."""
    out, current = [], []
    for token, label in zip(row["input_ids"], row["labels"], strict=True):
        if label == IGNORE_INDEX:
            if current:
                out.append(current)
            current = []
        else:
            assert label == token
            current.append(token)
    if current:
        out.append(current)
    return [tok.decode(r) for r in out]


# ---------------------------------------------------------------------------------------- ids


def test_every_msswift_template_id_resolves(registry):
    for name in MSSWIFT_IDS:
        template = registry.template(name)
        assert template.render([U("Hi"), A("Hello")]), name
    # an alias renders exactly as the spec it names
    for alias, target in [("minicpm5", "qwen3"), ("qwen2_5_math_prm", "qwen2_5_math"),
                          ("chatglm4", "glm4"), ("glm5_1", "glm4_7"), ("deepseek_v4", "deepseek_v3_1")]:
        assert registry.get("template", alias).spec.id == target
        assert registry.template(alias).render(MIXED, add_generation_prompt=False) == registry.template(target).render(MIXED)


@pytest.mark.parametrize("name,marker", [("qwen3_guard", "Provide your safety assessment"),
                                         ("yufeng_xguard", "# Category List")])
def test_guard_templates_wrap_the_user_text(name, marker, registry):
    text = registry.template(name).render([U("How do I bake bread?")], add_generation_prompt=True)
    assert text.startswith("<|im_start|>user\n") and marker in text and "How do I bake bread?" in text
    assert text.endswith("<|im_end|>\n<|im_start|>assistant\n")


def test_new_specs_are_data_only_modules():
    from swiftkit.plugins import templates as package

    assert package.MODULES[0] == "chat"
    assert {"qwen_templates", "deepseek_templates", "glm_templates", "internlm_templates"} <= set(package.MODULES)


# ---------------------------------------------------------------------------------------- enable_thinking


@pytest.mark.parametrize("flag,tail", [(None, "<|im_start|>assistant\n"), (True, "<|im_start|>assistant\n"),
                                       (False, "<|im_start|>assistant\n" + NO_THINK)])
def test_qwen3_generation_prompt_follows_enable_thinking(flag, tail, registry, tokenizers):
    template = registry.template("qwen3").configure(enable_thinking=flag)
    prompt = template.render([U("Hi")], add_generation_prompt=True)
    assert prompt == "<|im_start|>user\nHi<|im_end|>\n" + tail
    # the exported Jinja reads the same variable as Qwen3's own
    kwargs = {} if flag is None else {"enable_thinking": flag}
    assert tokenizers("qwen3").apply_chat_template([U("Hi")], tokenize=False, add_generation_prompt=True,
                                                   **kwargs) == prompt
    # and the prompt ids are those of the text (what engines send the model)
    tok = tokenizers("qwen3")
    assert template.encode_prompt(tok, [U("Hi")]) == tok(prompt, add_special_tokens=False)["input_ids"]


def test_thinking_fields_need_is_thinking():
    from swiftkit.core.specs import TemplateSpec
    from swiftkit.templates.base import FormatTemplate

    with pytest.raises(ValueError, match="template 'x': field 'non_thinking_prefix' is set but is_thinking is false"):
        FormatTemplate(TemplateSpec(id="x", user="{content}", non_thinking_prefix="<think></think>"))
    with pytest.raises(ValueError, match="strip_thinking must be one of"):
        FormatTemplate(TemplateSpec(id="x", user="{content}", is_thinking=True, strip_thinking="some"))


def test_configure_returns_a_copy(registry):
    template = registry.template("qwen3")
    off = template.configure(enable_thinking=False)
    assert off is not template and template.enable_thinking is None and off.enable_thinking is False


def test_enable_thinking_on_the_real_qwen3_jinja(registry, tokenizers):
    """The generic template passes --enable_thinking to a model's own chat template."""
    import copy

    tok = copy.deepcopy(tokenizers("qwen3"))
    tok.chat_template = (DATA / "qwen3.jinja").read_text(encoding="utf-8")
    generic = registry.template("tokenizer", tokenizer=tok)
    assert generic.render([U("Hi")], add_generation_prompt=True).endswith("<|im_start|>assistant\n")
    off = generic.configure(enable_thinking=False)
    assert off.render([U("Hi")], add_generation_prompt=True) == registry.template("qwen3").configure(
        enable_thinking=False).render([U("Hi")], add_generation_prompt=True)


def test_thinking_only_and_off_by_default_models(registry):
    qwq = registry.template("qwq")
    for flag in (None, True, False):  # QwQ cannot switch thinking off
        assert qwq.configure(enable_thinking=flag).render([U("Hi")], add_generation_prompt=True).endswith(
            "<|im_start|>assistant\n<think>\n")
    v31 = registry.template("deepseek_v3_1")  # DeepSeek-V3.1: non-thinking unless asked (Jinja variable `thinking`)
    assert v31.render([U("Hi")], add_generation_prompt=True).endswith("<｜Assistant｜></think>")
    assert v31.configure(enable_thinking=True).render([U("Hi")], add_generation_prompt=True).endswith(
        "<｜Assistant｜><think>")
    assert "thinking is defined" in v31.chat_template()
    glm47 = registry.template("glm4_7")
    assert glm47.render([U("Hi")], add_generation_prompt=True).endswith("<|assistant|><think>")
    assert glm47.configure(enable_thinking=False).render([U("Hi")], add_generation_prompt=True).endswith(
        "<|assistant|></think>")


def test_prompt_view_drops_earlier_reasoning_like_the_real_template(registry):
    text = registry.template("qwen3").render(MIXED, add_generation_prompt=False)
    assert "Add the units" not in text  # the first reply precedes the last user message
    assert text.endswith("<|im_start|>assistant\n" + NO_THINK + "6<|im_end|>\n")  # the empty block, as Qwen3 writes it
    last = registry.template("qwen3").render(MIXED[:3])
    assert last.endswith("<|im_start|>assistant\n" + THOUGHT + "4<|im_end|>\n")  # the last reply keeps its reasoning


# ---------------------------------------------------------------------------------------- loss_scale


def test_loss_scale_values_are_msswifts():
    assert LOSS_SCALES == ("default", "last_round", "all", "ignore_empty_think", "last_round_with_ignore_empty_think")


EXPECTED_RUNS = {
    # every reply with its thinking block; the reply without one gets the empty block, trained
    "default": [THOUGHT + "4<|im_end|>\n", NO_THINK + "6<|im_end|>\n"],
    "last_round": [NO_THINK + "6<|im_end|>\n"],
    # the empty block carries no loss, so training on plain answers does not teach skipping the reasoning
    "ignore_empty_think": [THOUGHT + "4<|im_end|>\n", "6<|im_end|>\n"],
    "last_round_with_ignore_empty_think": ["6<|im_end|>\n"],
}


@pytest.mark.parametrize("scale", list(EXPECTED_RUNS))
def test_which_tokens_carry_loss(scale, registry, tokenizers):
    template, tok = registry.template("qwen3"), tokenizers("qwen3")
    row = template.encode(tok, MIXED, loss_scale=scale)
    assert runs(tok, row) == EXPECTED_RUNS[scale]
    text = tok.decode(row["input_ids"])
    if scale.startswith("last_round"):
        # the earlier reply is written as the prompt writes it: reasoning dropped, so the trained
        # prompt is exactly the inference prompt of the last turn
        assert "Add the units" not in text
        start = next(i for i, label in enumerate(row["labels"]) if label != IGNORE_INDEX)
        if scale == "last_round":
            assert row["input_ids"][:start] == template.encode_prompt(tok, MIXED[:-1])
    else:
        assert "Add the units" in text  # earlier reasoning kept and trained (ms-swift's default)


def test_add_non_thinking_prefix_false_trains_replies_as_they_are(registry, tokenizers):
    template, tok = registry.template("qwen3"), tokenizers("qwen3")
    plain = template.configure(add_non_thinking_prefix=False)
    assert runs(tok, plain.encode(tok, MIXED)) == [THOUGHT + "4<|im_end|>\n", "6<|im_end|>\n"]
    assert "<think>\n\n</think>" not in tok.decode(plain.encode(tok, MIXED)["input_ids"])
    # other options are kept; the prompt view is the real template's either way
    both = template.configure(enable_thinking=False).configure(add_non_thinking_prefix=False)
    assert both.enable_thinking is False and both.add_non_thinking_prefix is False
    assert plain.render(MIXED) == template.render(MIXED)
    # the data cache tells the encodings apart
    from swiftkit.data.steps import template_fingerprint

    assert template_fingerprint(plain) != template_fingerprint(template)
    assert template_fingerprint(template.configure(enable_thinking=False)) != template_fingerprint(template)


def test_ignore_empty_think_keeps_the_tokens_but_not_their_loss(registry, tokenizers):
    template, tok = registry.template("qwen3"), tokenizers("qwen3")
    default = template.encode(tok, MIXED, loss_scale="default")
    ignored = template.encode(tok, MIXED, loss_scale="ignore_empty_think")
    assert ignored["input_ids"] == default["input_ids"]
    think, end_think = tok.convert_tokens_to_ids("<think>"), tok.convert_tokens_to_ids("</think>")
    labelled = [label for label in ignored["labels"] if label != IGNORE_INDEX]
    assert labelled.count(think) == 1 and labelled.count(end_think) == 1  # only the real reasoning's tags
    assert [label for label in default["labels"] if label != IGNORE_INDEX].count(think) == 2


def test_all_labels_every_token(registry, tokenizers):
    template, tok = registry.template("qwen3"), tokenizers("qwen3")
    row = template.encode(tok, MIXED, loss_scale="all")
    assert row["labels"] == row["input_ids"]


def test_last_round_keeps_the_trained_reply_reasoning_for_strip_all_templates(registry, tokenizers):
    """DeepSeek-R1's prompt drops the reasoning of every reply, but the reply being trained keeps it."""
    template, tok = registry.template("deepseek_r1"), tokenizers("deepseek_r1")
    messages = [U("2+2?"), A(THOUGHT + "4"), U("3+3?"), A(THOUGHT + "6")]
    row = template.encode(tok, messages, loss_scale="last_round")
    assert runs(tok, row) == ["Add the units.\n</think>\n\n6<｜end▁of▁sentence｜>"]
    assert tok.decode(row["input_ids"]).count("Add the units") == 1  # the earlier reply's reasoning is dropped
    assert template.render(messages).count("Add the units") == 0  # the prompt view, as R1's template renders it


def test_prompted_thinking_prefix_is_not_trained(registry, tokenizers):
    """QwQ's prompt ends with '<think>\\n': the reply's copy of it is prompt, not loss."""
    template, tok = registry.template("qwq"), tokenizers("qwq")
    messages = [U("2+2?"), A(THOUGHT + "4")]
    row = template.encode(tok, messages)
    assert runs(tok, row) == ["Add the units.\n</think>\n\n4<|im_end|>\n"]
    start = next(i for i, label in enumerate(row["labels"]) if label != IGNORE_INDEX)
    assert row["input_ids"][:start] == template.encode_prompt(tok, messages[:-1])


def test_apply_loss_scale_splits_empty_blocks():
    segs = [("p", False), ("<think>\n\n</think>\n\nA<e>", True), ("q", False), ("<think>x</think>B<e>", True)]
    assert apply_loss_scale(segs, "ignore_empty_think") == [
        ("p", False), ("<think>\n\n</think>\n\n", False), ("A<e>", True), ("q", False), ("<think>x</think>B<e>", True)]
    assert apply_loss_scale(segs, "last_round_with_ignore_empty_think") == [
        ("p", False), ("<think>\n\n</think>\n\nA<e>", False), ("q", False), ("<think>x</think>B<e>", True)]
    with pytest.raises(ValueError, match="unknown loss_scale 'react'.*ignore_empty_think"):
        apply_loss_scale(segs, "react")


def test_sft_option_and_pipeline_accept_the_new_values():
    from swiftkit.plugins.methods.sft import SFT_OPTIONS

    assert SFT_OPTIONS["properties"]["loss_scale"]["enum"] == list(LOSS_SCALES)


# ---------------------------------------------------------------------------------------- GLM-style replies


def test_glm_reply_learns_the_stop_tag(registry, tokenizers):
    """GLM writes no end-of-turn text: each reply is trained with the <|user|> that ends it."""
    template, tok = registry.template("glm4"), tokenizers("glm4")
    messages = [S("Be nice."), U("Hi"), A("Hello!"), U("Bye"), A("See you.")]
    assert template.render(messages) == ("[gMASK]<sop><|system|>\nBe nice.<|user|>\nHi<|assistant|>\nHello!"
                                         "<|user|>\nBye<|assistant|>\nSee you.")
    row = template.encode(tok, messages)
    assert runs(tok, row) == ["\nHello!<|user|>", "\nSee you.<|user|>"]
    assert tok.decode(row["input_ids"]) == template.render(messages) + "<|user|>"
    assert "<|user|>" in template.stop_words
    assert template.render([U("Hi")], add_generation_prompt=True) == "[gMASK]<sop><|user|>\nHi<|assistant|>"


def test_glm4_5_hybrid_replies(registry, tokenizers):
    template, tok = registry.template("glm4_5"), tokenizers("glm4_5")
    messages = [U("2+2?"), A("<think>add</think>\n4"), U("3+3?"), A("6")]
    assert template.render(messages) == ("[gMASK]<sop><|user|>\n2+2?<|assistant|>\n<think></think>\n4"
                                         "<|user|>\n3+3?<|assistant|>\n<think></think>\n6")
    row = template.encode(tok, messages, loss_scale="ignore_empty_think")
    assert runs(tok, row) == ["\n<think>add</think>\n4<|user|>", "\n", "6<|user|>"]


def test_chatglm2_numbers_its_rounds(registry, tokenizers):
    template = registry.template("chatglm2")
    messages = [U("a"), A("b"), U("c")]
    text = template.render(messages, add_generation_prompt=True)
    assert text == "[gMASK]sop[Round 1]\n\n问：a\n\n答：b\n\n[Round 2]\n\n问：c\n\n答："
    assert tokenizers("chatglm2").apply_chat_template(messages, tokenize=False, add_generation_prompt=True) == text


# ---------------------------------------------------------------------------------------- default system prompts


@pytest.mark.parametrize("name,system", [
    ("qwen2_5_math", "Please reason step by step, and put your final answer within \\boxed{}."),
    ("qwq_preview", "You are a helpful and harmless assistant. You are Qwen developed by Alibaba. You should think "
                    "step-by-step."),
    ("kimi_k2", "You are Kimi, an AI assistant created by Moonshot AI."),
    ("moonlight", "You are a helpful assistant"),
    ("mimo_rl", "You are MiMo, an AI assistant developed by Xiaomi."),
    ("internlm", "You are an AI assistant whose name is InternLM (书生·浦语)."),
    ("baichuan_m1", "You are a helpful assistant."),
    ("qwen3_reranker", "Judge whether the Document meets the requirements"),
    ("marco_o1", "你的名字是Marco-o1"),
    ("codegeex4", "你叫CodeGeeX"),
    ("glm4_z1_rumination", "你是一个专业的深度研究助手"),
])
def test_default_system_prompts(name, system, registry):
    template = registry.template(name)
    assert system in template.render([U("Hi")], add_generation_prompt=True)
    given = template.render([S("Mine."), U("Hi")], add_generation_prompt=True)
    assert "Mine." in given and system not in given


@pytest.mark.parametrize("name", ["qwen3", "qwen3_thinking", "qwen3_nothinking", "qwq", "deepseek_r1", "glm4_5"])
def test_no_default_system_for_reasoning_models(name, registry):
    spec = registry.get("template", name).spec
    assert spec.default_system is None


# ---------------------------------------------------------------------------------------- run wiring


def test_enable_thinking_reaches_the_engine_prompt(tiny_folder, registry):
    """`swift infer/deploy --enable_thinking false`: the engine renders the empty thinking block."""
    from swiftkit.infer.factory import create_engine

    folder = tiny_folder
    prompts = {}
    for flag in (None, False):
        config = {"model": str(folder), "template": "qwen3", "infer_backend": "pt"}
        if flag is not None:
            config["enable_thinking"] = flag
        engine, _ = create_engine(config, registry)
        try:
            prompts[flag] = engine.template.render([U("Hi")], add_generation_prompt=True)
        finally:
            close = getattr(engine, "close", None)
            if close is not None:
                close()
    assert prompts[None].endswith("<|im_start|>assistant\n")
    assert prompts[False].endswith("<|im_start|>assistant\n" + NO_THINK)


def test_data_pipeline_applies_ignore_empty_think(tmp_path, registry, tokenizers):
    """`swift sft --loss_scale ignore_empty_think` on a dataset file: the rows carry the template's masks."""
    import json

    from swiftkit.data import prepare_datasets

    path = tmp_path / "mixed.jsonl"
    path.write_text(json.dumps({"messages": MIXED}) + "\n", encoding="utf-8")
    template, tok = registry.template("qwen3"), tokenizers("qwen3")
    data = prepare_datasets(dataset=[str(path)], registry=registry, template=template, tokenizer=tok,
                            loss_scale="ignore_empty_think", shuffle=False, cache_dir=str(tmp_path / "cache"))
    row = data.train[0]
    assert runs(tok, {"input_ids": list(row["input_ids"]), "labels": list(row["labels"])}) == \
        EXPECTED_RUNS["ignore_empty_think"]


def test_swift_sft_with_thinking_flags(tmp_path, tiny_folder):
    """`swift sft --template qwen3 --loss_scale ignore_empty_think --add_non_thinking_prefix false` runs, and
    args.json records the flags (a later export/deploy reads them)."""
    import json

    from click.testing import CliRunner

    from swiftkit.cli import cli

    folder = tiny_folder
    data = tmp_path / "think.jsonl"
    data.write_text("".join(json.dumps({"messages": MIXED}) + "\n" for _ in range(4)), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, [
        "sft", "--model", str(folder), "--template", "qwen3", "--dataset", str(data), "--max_steps", "1",
        "--loss_scale", "ignore_empty_think", "--add_non_thinking_prefix", "false", "--enable_thinking", "false",
        "--output_dir", str(out), "--add_version", "false", "--report_to", "none", "--lora_rank", "4",
    ], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    args = json.loads((out / "args.json").read_text(encoding="utf-8"))
    assert args["template"] == "qwen3" and args["loss_scale"] == "ignore_empty_think"
    assert args["add_non_thinking_prefix"] is False and args["enable_thinking"] is False
