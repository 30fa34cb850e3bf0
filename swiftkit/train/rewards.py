"""Reward functions for online RL (GRPO): load them by name and score completions.

A name is either a registered reward id (``accuracy``, ``format`` ..., see ``swift list
rewards``) or a user reference ``"module:function"``. A user function follows TRL's
reward-function convention::

    def my_reward(completions, **kwargs) -> list[float]: ...

It is called with keyword arguments ``prompts``, ``completions`` and every extra dataset column
of the rows (``solution`` ...); it receives only the ones it names unless it takes ``**kwargs``.
A user reference may also name a :class:`~swiftkit.core.methods.interface.RewardFunction`
subclass (created with the run options) or a class whose instances are such callables
(created without arguments, like ms-swift's ORM classes).

:func:`score` runs the functions over one batch; :func:`summarize` gives the mean and spread of
each function (logged as ``rewards/<name>/mean`` and ``rewards/<name>/std``, as TRL does).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any

from swiftkit.core.errors import LazyReferenceError, NotFoundError, SwiftkitError
from swiftkit.core.methods.interface import RewardFunction

RewardCallable = Callable[..., list[float]]


def reward_options(spec: Any, options: dict[str, Any] | None) -> dict[str, Any]:
    """The values of the keys in ``spec.options``, from ``options`` or the schema defaults."""
    props = (spec.options or {}).get("properties", {})
    options = options or {}
    out: dict[str, Any] = {}
    for key, schema in props.items():
        if options.get(key) is not None:
            out[key] = options[key]
        elif "default" in schema:
            out[key] = schema["default"]
    return out


class PlainRewardFunction:
    """Adapts a TRL-style ``f(completions, **kwargs) -> list[float]`` to
    ``(prompts, completions, **columns)``."""

    def __init__(self, fn: Callable[..., Any], ref: str):
        self.fn = fn
        self.ref = ref
        try:
            sig = inspect.signature(fn)
        except (TypeError, ValueError) as exc:
            raise SwiftkitError(f"reward function {ref!r}: cannot read its signature ({exc})") from None
        params = sig.parameters.values()
        self.takes_kwargs = any(p.kind is p.VAR_KEYWORD for p in params)
        self.names = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        if "completions" not in self.names and not self.takes_kwargs:
            raise SwiftkitError(
                f"reward function {ref!r} has signature {fn.__name__ if hasattr(fn, '__name__') else ''}{sig}; "
                "it must accept a 'completions' argument (TRL convention: f(completions, **kwargs) -> list[float])"
            )
        positional_only = [p.name for p in params if p.kind is p.POSITIONAL_ONLY and p.default is p.empty]
        if positional_only:
            raise SwiftkitError(
                f"reward function {ref!r}: positional-only parameters {positional_only} cannot be passed; "
                "it is called with keyword arguments prompts=, completions= and the dataset columns"
            )
        required = [
            p.name
            for p in params
            if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.default is p.empty
        ]
        self.required = [n for n in required if n not in ("prompts", "completions")]

    def __call__(self, prompts: list[Any], completions: list[Any], **columns: list[Any]) -> list[float]:
        kwargs = {"prompts": prompts, "completions": completions, **columns}
        missing = [n for n in self.required if n not in kwargs]
        if missing:
            raise SwiftkitError(
                f"reward function {self.ref!r} needs column(s) {missing}; columns given: {sorted(columns) or 'none'}"
            )
        if not self.takes_kwargs:
            kwargs = {k: v for k, v in kwargs.items() if k in self.names}
        return self.fn(**kwargs)

    def __repr__(self) -> str:
        return f"<reward function {self.ref}>"


def _load_user(ref: str, options: dict[str, Any]) -> RewardCallable:
    from swiftkit.core.lazy import resolve

    try:
        obj = resolve(ref)
    except LazyReferenceError as exc:
        raise SwiftkitError(f"reward function {ref!r} does not resolve: {exc}") from None
    if inspect.isclass(obj):
        if issubclass(obj, RewardFunction):
            return obj(None, dict(options))
        try:
            obj = obj()
        except TypeError as exc:
            raise SwiftkitError(
                f"reward function {ref!r} is a class that cannot be created without arguments ({exc}); "
                "give a function, a RewardFunction subclass or a class with a no-argument constructor"
            ) from None
        if not callable(obj):
            raise SwiftkitError(f"reward function {ref!r}: instances of this class are not callable")
        return PlainRewardFunction(obj.__call__, ref)
    if isinstance(obj, RewardFunction):
        return obj
    if not callable(obj):
        raise SwiftkitError(
            f"reward function {ref!r} resolves to {type(obj).__name__} {obj!r}, which is not callable"
        )
    return PlainRewardFunction(obj, ref)


def load_reward_functions(
    names: Sequence[str], registry: Any = None, options: dict[str, Any] | None = None
) -> list[tuple[str, RewardCallable]]:
    """``[(name, callable), ...]`` for ``names`` (``--reward_funcs``), in order.

    A name with a ``:`` is a user reference ``module:function``; any other name is a registered
    reward id (looked up in ``registry``, default the process-wide one), whose class is created
    with its options taken from ``options`` (the run configuration; schema defaults fill gaps).
    Each callable is ``fn(prompts, completions, **columns) -> list[float]``.
    """
    if isinstance(names, str):
        names = [names]
    if not names:
        raise SwiftkitError("no reward functions given (--reward_funcs); see `swift list rewards`")
    options = dict(options or {})
    out: list[tuple[str, RewardCallable]] = []
    seen: set[str] = set()
    for raw in names:
        name = str(raw).strip()
        if ":" in name:
            fn = _load_user(name, options)
        else:
            if registry is None:
                from swiftkit.core.registry import get_registry

                registry = get_registry()
            try:
                entry = registry.get("reward", name)
            except NotFoundError as exc:
                raise SwiftkitError(f"{exc} (a user reward function is given as 'module:function')") from None
            name = entry.id
            cls = registry.impl("reward", name)
            fn = cls(entry.spec, reward_options(entry.spec, options))
        if name in seen:
            raise SwiftkitError(f"reward function {name!r} is given twice")
        seen.add(name)
        out.append((name, fn))
    return out


def score(
    functions: Sequence[tuple[str, RewardCallable]],
    prompts: list[Any],
    completions: list[Any],
    columns: dict[str, list[Any]] | None = None,
) -> dict[str, list[float]]:
    """Each function's rewards for the batch, by name; ``None`` rewards (TRL: "not applicable
    to this row") become NaN. A function returning the wrong number of values, or a value that
    is not a number, raises naming the function."""
    columns = dict(columns or {})
    for reserved in ("prompts", "completions"):
        if reserved in columns:
            raise SwiftkitError(
                f"dataset column {reserved!r} clashes with the reward-function argument of that name"
            )
    n = len(completions)
    for key, values in columns.items():
        if len(values) != n:
            raise SwiftkitError(f"column {key!r} has {len(values)} values for {n} completions")
    out: dict[str, list[float]] = {}
    for name, fn in functions:
        values = fn(prompts, completions, **columns)
        try:
            values = list(values)
        except TypeError:
            raise SwiftkitError(
                f"reward function {name!r} returned {type(values).__name__}, not a list of floats"
            ) from None
        if len(values) != n:
            raise SwiftkitError(f"reward function {name!r} returned {len(values)} values for {n} completions")
        rewards = []
        for v in values:
            if v is None:
                rewards.append(math.nan)
                continue
            try:
                rewards.append(float(v))
            except (TypeError, ValueError):
                raise SwiftkitError(
                    f"reward function {name!r} returned {v!r}, which is not a number"
                ) from None
        out[name] = rewards
    return out


def _mean_std(values: list[float]) -> tuple[float, float]:
    finite = [v for v in values if not math.isnan(v)]
    if not finite:
        return math.nan, math.nan
    mean = sum(finite) / len(finite)
    if len(finite) < 2:
        return mean, 0.0
    var = sum((v - mean) ** 2 for v in finite) / (len(finite) - 1)
    return mean, math.sqrt(var)


def total(
    scores: dict[str, list[float]], weights: Sequence[float] | dict[str, float] | None = None
) -> list[float]:
    """The weighted sum of the functions' rewards per completion (NaN counted as 0, as TRL's nansum)."""
    names = list(scores)
    if weights is None:
        w = dict.fromkeys(names, 1.0)
    elif isinstance(weights, dict):
        w = {name: float(weights.get(name, 1.0)) for name in names}
    else:
        if len(weights) != len(names):
            raise SwiftkitError(f"{len(weights)} reward weights for {len(names)} reward functions")
        w = {name: float(x) for name, x in zip(names, weights, strict=True)}
    n = len(next(iter(scores.values()), []))
    return [sum(w[k] * (0.0 if math.isnan(scores[k][i]) else scores[k][i]) for k in names) for i in range(n)]


def summarize(
    scores: dict[str, list[float]], weights: Sequence[float] | dict[str, float] | None = None
) -> dict[str, float]:
    """Mean and sample standard deviation (n-1; 0 for one value; NaN rows left out) of each
    function, as ``rewards/<name>/mean`` and ``rewards/<name>/std``, plus ``reward`` and
    ``reward_std`` for the weighted total."""
    out: dict[str, float] = {}
    for name, values in scores.items():
        mean, std = _mean_std(values)
        out[f"rewards/{name}/mean"] = mean
        out[f"rewards/{name}/std"] = std
    if scores:
        out["reward"], out["reward_std"] = _mean_std(total(scores, weights))
    return out
