"""Reward functions for GRPO: the built-in reward plugins, the loader and the summary stats."""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap

import jsonschema
import pytest

from swiftkit.core.errors import SwiftkitError
from swiftkit.core.methods.interface import RewardFunction
from swiftkit.train.rewards import load_reward_functions, score, summarize, total

REWARD_IDS = {"accuracy", "format", "length", "repetition", "contains"}


@pytest.fixture(scope="module")
def reg():
    from swiftkit.core.registry import get_registry
    from swiftkit.testing.harness import PluginHarness

    harness = PluginHarness(include_installed=True)
    if ("reward", "accuracy") not in get_registry():  # not yet an entry point of the installed dist
        harness.add(
            "swiftkit.plugins.rewards.builtin",
            name="builtin-rewards",
            dist="swiftkit",
            group="swiftkit.rewards",
        )
    return harness.registry()


def load(reg, name, **options):
    [(_, fn)] = load_reward_functions([name], reg, options)
    return fn


# ---------------------------------------------------------------------------- registration


def test_registration_discovered_and_light(reg):
    record = next(p for p in reg.plugins if p.name == "builtin-rewards")
    assert record.status == "ok", record
    assert REWARD_IDS <= {e.id for e in reg.entries("reward")}
    for rid in REWARD_IDS:
        spec = reg.get("reward", rid).spec
        assert spec.description
        assert issubclass(reg.impl("reward", rid), RewardFunction)
        for key, prop in spec.options["properties"].items():
            assert prop.get("description"), key
            if "default" in prop:
                jsonschema.validate(prop["default"], prop)

    code = (
        "import sys\n"
        "import swiftkit.plugins.rewards.builtin as b\n"
        "from swiftkit.core.specs import PLUGIN_API_VERSION\nassert b.SWIFTKIT_PLUGIN_API == PLUGIN_API_VERSION\n"
        "b.swift_register_rewards()\n"
        "heavy = {'torch', 'transformers', 'datasets', 'numpy'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
        "import swiftkit.train.rewards, swiftkit.plugins.rewards.functions\n"
        "heavy = {'torch', 'transformers'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_option_keys_do_not_collide_with_core():
    from swiftkit.core.config import CORE_PROPERTIES
    from swiftkit.plugins.rewards.builtin import swift_register_rewards

    keys = [k for spec in swift_register_rewards() for k in spec.options["properties"]]
    assert len(keys) == len(set(keys))
    assert not set(keys) & set(CORE_PROPERTIES)


# ---------------------------------------------------------------------------- the functions


def test_accuracy(reg):
    fn = load(reg, "accuracy")
    completions = [
        "Let me think. 3 + 4 = 7, so the answer is 7.",
        "<think>6*7</think><answer>42</answer>",
        "We get \\boxed{\\frac{1}{2}} in the end.",
        "Adding 1,000 and 234 gives 1,234",
        "The answer is 8.",
        "No idea.",
        "The answer is Paris.",
        "so x = 0.50",
        "so x = -\\frac{3}{4}",
        "First 12 then 5 so 17",
    ]
    solutions = [
        "7",
        "42",
        "0.5",
        "She pays 2 * 617 = 1234.\n#### 1,234",
        "\\boxed{7}",
        "3",
        "paris",
        "\\frac{1}{2}",
        "-0.75",
        "12",
    ]
    assert fn([None] * 10, completions, solution=solutions) == [
        1.0,
        1.0,
        1.0,
        1.0,
        0.0,
        0.0,
        1.0,
        1.0,
        1.0,
        0.0,
    ]


def test_accuracy_needs_solution_column(reg):
    fn = load(reg, "accuracy")
    with pytest.raises(SwiftkitError, match="'solution' column"):
        fn([None], ["the answer is 7"])
    with pytest.raises(SwiftkitError, match="row 0 has an empty 'solution'"):
        fn([None], ["the answer is 7"], solution=[None])


def test_format(reg):
    fn = load(reg, "format")
    completions = [
        "<think>2+2 is 4</think>\n<answer>4</answer>",
        "<think>multi\nline</think><answer>x\ny</answer>",
        "<answer>4</answer>",
        "<think>a</think><answer>4</answer> trailing",
    ]
    assert fn([None] * 4, completions) == [1.0, 1.0, 0.0, 0.0]
    custom = load(reg, "format", format_pattern=r"ANSWER: \d+")
    assert custom([None] * 2, ["ANSWER: 12", "ANSWER: twelve"]) == [1.0, 0.0]
    with pytest.raises(SwiftkitError, match="format_pattern"):
        load(reg, "format", format_pattern="(")


def test_length(reg):
    fn = load(reg, "length", length_target=10)
    assert fn([None] * 5, ["x" * 10, "x" * 5, "", "x" * 15, "x" * 40]) == [1.0, 0.5, 0.0, 0.5, 0.0]
    words = load(reg, "length", length_target=4, length_unit="words")
    assert words([None] * 2, ["a b c d", "a b"]) == [1.0, 0.5]
    assert load(reg, "length").target == 256  # schema default


def test_repetition(reg):
    fn = load(reg, "repetition")
    out = fn([None] * 4, ["the cat sat on the mat", "a b c a b c a b c", "too short", ""])
    assert out[0] == 0.0 and out[2] == 0.0 and out[3] == 0.0
    # 7 trigrams, 3 distinct: (1 - 3/7) * -1
    assert out[1] == pytest.approx(-4 / 7)
    half = load(reg, "repetition", repetition_n_grams=1, repetition_max_penalty=-0.5)
    assert half([None], ["go go go go"]) == [pytest.approx(-0.375)]  # (1 - 1/4) * -0.5
    with pytest.raises(SwiftkitError, match="repetition_max_penalty"):
        load(reg, "repetition", repetition_max_penalty=1.0)


def test_contains(reg):
    fn = load(reg, "contains", contains_text="7")
    assert fn([None] * 3, ["it is 7", "seventeen", [{"role": "assistant", "content": "17"}]]) == [
        1.0,
        0.0,
        1.0,
    ]
    with pytest.raises(SwiftkitError, match="contains_text"):
        load(reg, "contains")


# ---------------------------------------------------------------------------- loader


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    (tmp_path / "my_rewards_mod.py").write_text(
        textwrap.dedent(
            """
            from swiftkit.core.methods.interface import RewardFunction

            def short(completions, **kwargs):
                return [1.0 if len(c) < 5 else 0.0 for c in completions]

            def by_column(completions, target):
                return [float(c == t) for c, t in zip(completions, target)]

            def no_completions(prompts):
                return []

            def wrong_length(completions, **kwargs):
                return [1.0]

            def none_for_some(completions, **kwargs):
                return [None if c == "skip" else 2.0 for c in completions]

            NOT_CALLABLE = 3

            class Orm:
                def __call__(self, completions, **kwargs):
                    return [0.25 for _ in completions]

            class Custom(RewardFunction):
                def __call__(self, prompts, completions, **columns):
                    return [float(self.options.get("bonus", 0)) for _ in completions]
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "my_rewards_mod"
    sys.modules.pop("my_rewards_mod", None)


def test_loader_registered_and_user(reg, user_module):
    fns = load_reward_functions(
        [
            "Accuracy",
            f"{user_module}:short",
            f"{user_module}:by_column",
            f"{user_module}:Orm",
            f"{user_module}:Custom",
        ],
        reg,
        {"bonus": 3, "learning_rate": 1e-5},
    )
    names = [n for n, _ in fns]
    assert names[0] == "accuracy"  # canonical id, any case
    assert names[1:] == [
        f"{user_module}:short",
        f"{user_module}:by_column",
        f"{user_module}:Orm",
        f"{user_module}:Custom",
    ]
    scores = score(
        fns, [None, None], ["42", "long answer 3"], {"solution": ["42", "4"], "target": ["42", "x"]}
    )
    assert scores == {
        "accuracy": [1.0, 0.0],
        f"{user_module}:short": [1.0, 0.0],
        f"{user_module}:by_column": [1.0, 0.0],
        f"{user_module}:Orm": [0.25, 0.25],
        f"{user_module}:Custom": [3.0, 3.0],
    }
    [(_, by_column)] = load_reward_functions([f"{user_module}:by_column"], reg)
    with pytest.raises(SwiftkitError, match=r"needs column\(s\) \['target'\]"):
        score([("c", by_column)], [None], ["a"], {})


def test_loader_errors(reg, user_module):
    with pytest.raises(SwiftkitError, match="no reward named 'acuracy'.*did you mean 'accuracy'"):
        load_reward_functions(["acuracy"], reg)
    with pytest.raises(SwiftkitError, match="'no_such_mod_xyz:fn' does not resolve"):
        load_reward_functions(["no_such_mod_xyz:fn"], reg)
    with pytest.raises(SwiftkitError, match=f"'{user_module}:missing' does not resolve"):
        load_reward_functions([f"{user_module}:missing"], reg)
    with pytest.raises(SwiftkitError, match=f"'{user_module}:NOT_CALLABLE'.*not callable"):
        load_reward_functions([f"{user_module}:NOT_CALLABLE"], reg)
    with pytest.raises(SwiftkitError, match=f"'{user_module}:no_completions'.*'completions'"):
        load_reward_functions([f"{user_module}:no_completions"], reg)
    with pytest.raises(SwiftkitError, match="given twice"):
        load_reward_functions(["format", "FORMAT"], reg)
    with pytest.raises(SwiftkitError, match="no reward functions"):
        load_reward_functions([], reg)
    fns = load_reward_functions([f"{user_module}:wrong_length"], reg)
    with pytest.raises(SwiftkitError, match="returned 1 values for 2 completions"):
        score(fns, [None, None], ["a", "b"], {})


# ---------------------------------------------------------------------------- summary


def test_summary_stats(reg, user_module):
    fns = load_reward_functions(["contains", f"{user_module}:none_for_some"], reg, {"contains_text": "7"})
    scores = score(fns, [None] * 4, ["7", "8", "77", "skip"], {})
    assert scores["contains"] == [1.0, 0.0, 1.0, 0.0]
    assert math.isnan(scores[f"{user_module}:none_for_some"][3])
    stats = summarize(scores)
    assert stats["rewards/contains/mean"] == 0.5
    assert stats["rewards/contains/std"] == pytest.approx(math.sqrt(1 / 3))  # sample std
    assert stats[f"rewards/{user_module}:none_for_some/mean"] == 2.0
    assert stats[f"rewards/{user_module}:none_for_some/std"] == 0.0
    assert total(scores) == [3.0, 2.0, 3.0, 0.0]
    assert stats["reward"] == 2.0
    assert total(scores, [2.0, 0.5]) == [3.0, 1.0, 3.0, 0.0]
    assert summarize({"one": [0.7]}) == {
        "rewards/one/mean": 0.7,
        "rewards/one/std": 0.0,
        "reward": 0.7,
        "reward_std": 0.0,
    }


def test_deep_check_and_config_schema(reg):
    from swiftkit.core.checks import check_plugin
    from swiftkit.core.config import compose_schema

    results = check_plugin("builtin-rewards", reg.discovery)
    assert results and all(r.ok for r in results), [r for r in results if not r.ok]
    props = compose_schema(reg)["properties"]  # every installed plugin's options: no collision
    assert props["repetition_n_grams"]["default"] == 3 and "contains_text" in props
