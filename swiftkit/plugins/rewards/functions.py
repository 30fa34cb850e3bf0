"""Built-in reward functions: behaviour (registered in :mod:`swiftkit.plugins.rewards.builtin`).

Each is a :class:`~swiftkit.core.methods.interface.RewardFunction` created as
``cls(spec, options)`` and called as ``fn(prompts, completions, **columns)``, returning one
float per completion. Only the standard library is used.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Any

from swiftkit.core.errors import SwiftkitError
from swiftkit.core.methods.interface import RewardFunction

DEFAULT_FORMAT_PATTERN = r"^<think>.*?</think>\s*<answer>.*?</answer>(?![\s\S])"


def completion_text(completion: Any) -> str:
    """The text of a completion: a string, a message dict, or a list of messages (TRL's
    conversational form; the contents are joined)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return str(completion.get("content") or "")
    if isinstance(completion, (list, tuple)):
        return "".join(completion_text(c) for c in completion)
    return "" if completion is None else str(completion)


# ---------------------------------------------------------------------------- accuracy

_NUMBER = r"-?\\[dt]?frac\{\d+\}\{\d+\}|-?\d[\d,]*(?:\.\d+)?(?:/\d+)?|-?\.\d+"


def _last_boxed(text: str) -> str | None:
    """Content of the last ``\\boxed{...}`` (or ``\\fbox{...}``), braces balanced."""
    starts = [m.end() for m in re.finditer(r"\\(?:boxed|fbox)\s*\{", text)]
    if not starts:
        return None
    i = start = starts[-1]
    depth = 1
    while i < len(text):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start:i]
        i += 1
    return None  # unbalanced: no answer


def extract_answer(text: str) -> str | None:
    """The final answer a text states, or ``None``.

    In order: the last ``\\boxed{...}``; inside the last ``<answer>...</answer>`` block (then
    the rules below apply to its content); a GSM8K ``#### X`` line; the span after the last
    "answer is" / "answer:" (its leading number when it starts with one); the last number
    (``\\frac{a}{b}`` counts as one) in the text.
    """
    boxed = _last_boxed(text)
    if boxed is not None:
        return boxed.strip()
    marked = re.findall(r"^\s*####\s*(.+?)\s*$", text, re.M)  # GSM8K's "#### 42"
    if marked:
        return marked[-1]
    blocks = re.findall(r"<answer>(.*?)</answer>", text, re.S | re.I)
    if blocks:
        inner = blocks[-1].strip()
        found = extract_answer_text(inner)
        return found if found is not None else inner
    return extract_answer_text(text)


def extract_answer_text(text: str) -> str | None:
    spans = re.findall(r"answer\s*(?:is|:|=)\s*[:=]?\s*([^\n]+)", text, re.I)
    if spans:
        span = spans[-1].strip()
        lead = re.match(rf"\$?\s*({_NUMBER})(?![\w/])", span)
        if lead:
            return lead.group(1)
        span = re.split(r"(?<!\d)\.(?:\s|$)", span)[0]  # up to the end of the sentence
        return span.strip().rstrip(".")
    numbers = re.findall(_NUMBER, text)
    if numbers:
        return numbers[-1]
    return None


def normalize_answer(answer: str) -> str:
    """Lower-case, no spaces, no ``$``/``\\left``/``\\text{}``, no thousands separators,
    no trailing period; ``\\dfrac``/``\\tfrac`` read as ``\\frac``."""
    s = answer.strip()
    s = re.sub(r"\\text\{([^{}]*)\}", r"\1", s)
    s = re.sub(r"\\(?:left|right|!|,|;|quad)", "", s)
    s = s.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    s = s.replace("$", "")
    s = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", s)
    s = re.sub(r"\s+", "", s).rstrip(".").lower()
    return s


def _as_number(s: str) -> Fraction | float | None:
    m = re.fullmatch(r"(-?)\\frac\{(-?\d+)\}\{(-?\d+)\}", s) or re.fullmatch(r"(-?)\\frac(\d)(\d)", s)
    if m:
        s = f"{m.group(1)}{m.group(2)}/{m.group(3)}"
    try:
        return Fraction(s)
    except (ValueError, ZeroDivisionError):
        pass
    try:
        value = float(s)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def answers_match(predicted: str, reference: str) -> bool:
    """Equal after :func:`normalize_answer`, or equal as numbers (``0.5`` = ``1/2`` = ``\\frac{1}{2}``)."""
    a, b = normalize_answer(predicted), normalize_answer(reference)
    if a == b:
        return True
    x, y = _as_number(a), _as_number(b)
    if x is None or y is None:
        return False
    return math.isclose(float(x), float(y), rel_tol=1e-9, abs_tol=1e-12)


class AccuracyReward(RewardFunction):
    """1.0 when the completion's final answer equals the row's reference ``solution``.

    The reference is read the same way (a solution ``"... \\boxed{42}"`` or ``"#### 42"``
    gives ``42``); a reference with no recognisable answer is compared whole.
    """

    column = "solution"

    def __call__(self, prompts: list[Any], completions: list[Any], **columns: list[Any]) -> list[float]:
        solutions = columns.get(self.column)
        if solutions is None:
            given = ", ".join(sorted(columns)) or "none"
            raise SwiftkitError(
                f"reward 'accuracy' needs a {self.column!r} column with the reference answer of each row "
                f"(columns given: {given})"
            )
        if len(solutions) != len(completions):
            raise SwiftkitError(
                f"reward 'accuracy': {len(solutions)} values in column {self.column!r} for {len(completions)} completions"
            )
        rewards = []
        for i, (completion, solution) in enumerate(zip(completions, solutions, strict=True)):
            if solution is None or str(solution).strip() == "":
                raise SwiftkitError(f"reward 'accuracy': row {i} has an empty {self.column!r} column")
            reference = str(solution)
            reference = extract_answer(reference) or reference.strip()
            predicted = extract_answer(completion_text(completion))
            rewards.append(1.0 if predicted is not None and answers_match(predicted, reference) else 0.0)
        return rewards


# ---------------------------------------------------------------------------- format


class FormatReward(RewardFunction):
    """1.0 when the whole completion matches ``format_pattern`` (``re.fullmatch``, DOTALL)."""

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        pattern = self.options.get("format_pattern") or DEFAULT_FORMAT_PATTERN
        try:
            self.pattern = re.compile(pattern, re.DOTALL)
        except re.error as exc:
            raise SwiftkitError(
                f"reward 'format': format_pattern {pattern!r} is not a valid regular expression: {exc}"
            ) from None

    def __call__(self, prompts: list[Any], completions: list[Any], **columns: list[Any]) -> list[float]:
        return [1.0 if self.pattern.fullmatch(completion_text(c)) else 0.0 for c in completions]


# ---------------------------------------------------------------------------- length


class LengthReward(RewardFunction):
    """``max(0, 1 - |length - length_target| / length_target)``: 1.0 at the target length,
    falling linearly to 0.0 at an empty completion or at twice the target; the length is
    counted in characters or words (``length_unit``)."""

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        self.target = int(self.options.get("length_target", 256))
        self.unit = self.options.get("length_unit", "chars")
        if self.target < 1:
            raise SwiftkitError(f"reward 'length': length_target must be >= 1, got {self.target}")
        if self.unit not in ("chars", "words"):
            raise SwiftkitError(f"reward 'length': length_unit must be 'chars' or 'words', got {self.unit!r}")

    def measure(self, text: str) -> int:
        return len(text.split()) if self.unit == "words" else len(text)

    def __call__(self, prompts: list[Any], completions: list[Any], **columns: list[Any]) -> list[float]:
        out = []
        for c in completions:
            n = self.measure(completion_text(c))
            out.append(min(1.0, max(0.0, 1.0 - abs(n - self.target) / self.target)))
        return out


# ---------------------------------------------------------------------------- repetition


def _ngrams(text: str, n: int) -> list[tuple[str, ...]]:
    words = text.lower().split()
    return list(zip(*[words[i:] for i in range(n)], strict=False))


class RepetitionReward(RewardFunction):
    """ms-swift's ``repetition`` reward: ``(1 - distinct n-grams / n-grams) * repetition_max_penalty``
    over lower-cased word n-grams; 0.0 for no repetition, or fewer than ``n`` words."""

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        self.n = int(self.options.get("repetition_n_grams", 3))
        self.max_penalty = float(self.options.get("repetition_max_penalty", -1.0))
        if self.n < 1:
            raise SwiftkitError(f"reward 'repetition': repetition_n_grams must be >= 1, got {self.n}")
        if self.max_penalty > 0:
            raise SwiftkitError(
                f"reward 'repetition': repetition_max_penalty must be <= 0, got {self.max_penalty}"
            )

    def __call__(self, prompts: list[Any], completions: list[Any], **columns: list[Any]) -> list[float]:
        out = []
        for c in completions:
            grams = _ngrams(completion_text(c), self.n)
            if not grams:
                out.append(0.0)
                continue
            repeated_share = 1.0 - len(set(grams)) / len(grams)
            out.append(repeated_share * self.max_penalty + 0.0)  # + 0.0: no -0.0
        return out


# ---------------------------------------------------------------------------- contains


class ContainsReward(RewardFunction):
    """1.0 when the completion contains ``contains_text`` (case-sensitive), else 0.0."""

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        self.text = self.options.get("contains_text")
        if not self.text:
            raise SwiftkitError("reward 'contains' needs the option 'contains_text' (the text to look for)")

    def __call__(self, prompts: list[Any], completions: list[Any], **columns: list[Any]) -> list[float]:
        return [1.0 if self.text in completion_text(c) else 0.0 for c in completions]


# ---------------------------------------------------------------------------- soft overlong (DAPO)


def soft_overlong(length: int, max_length: int, cache_length: int) -> float:
    """DAPO's soft overlong punishment of a completion of ``length`` tokens."""
    start = max_length - cache_length
    if length <= start:
        return 0.0
    if length <= max_length:
        return (start - length) / cache_length
    return -1.0


class SoftOverlongReward(RewardFunction):
    """ms-swift's ``soft_overlong``: :func:`soft_overlong` of each completion's token count (the
    ``completion_ids`` the trainer passes, as TRL does)."""

    def __init__(self, spec: Any, options: dict[str, Any] | None = None):
        super().__init__(spec, options)
        cache = self.options.get("soft_cache_length")
        if cache is None:
            raise SwiftkitError("reward 'soft_overlong' needs --soft_cache_length (L_cache, in tokens)")
        max_length = self.options.get("soft_max_length") or self.options.get("max_completion_length")
        if not max_length:
            raise SwiftkitError("reward 'soft_overlong' needs --soft_max_length (or --max_completion_length)")
        self.max_length, self.cache_length = int(max_length), int(cache)
        if self.cache_length > self.max_length:
            raise SwiftkitError(f"reward 'soft_overlong': soft_cache_length ({self.cache_length}) exceeds "
                                f"soft_max_length ({self.max_length})")

    def __call__(self, prompts: list[Any], completions: list[Any], **columns: list[Any]) -> list[float]:
        ids = columns.get("completion_ids")
        if ids is None:
            raise SwiftkitError("reward 'soft_overlong' counts tokens: it needs the completion_ids column, which "
                                "swiftkit's grpo objective passes")
        return [soft_overlong(len(c), self.max_length, self.cache_length) for c in ids]
