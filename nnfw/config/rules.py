"""The vocabulary of validation rules: a rule takes a value and returns the problem with it, or None.

Components name their rules in their own config, under `_checks_` (`hidden_sizes: positive_ints`,
`activation: activation`, `path: existing_path?`, `cell: {one_of: [rnn, lstm, gru]}`), so a rule
describes one component's key and never leaks onto another's key of the same name. A trailing
`?` also accepts null. All of it is torch-free: rules run before torch is imported.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from nnfw.config.kinds import SEEDS, out_of_range
from nnfw.errors import UserError, nearest
from nnfw.models.choices import ACTIVATIONS, INITS, POOLINGS, POSITIONS

Rule = Callable[[Any], "str | None"]


def number(low: float | None = None, high: float | None = None, *, low_open: bool = False,
           high_open: bool = True, integer: bool = False) -> Rule:
    """A number in [low, high) (bounds optional; open or closed as asked)."""

    def rule(value: Any) -> str | None:
        kind = "an integer" if integer else "a number"
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
            return f"must be {kind}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"must be a finite {kind.removeprefix('a ')}"
        if high is None and out_of_range(value):
            return out_of_range(value)
        if low is not None and (value < low or (low_open and value == low)):
            return f"must be {'>' if low_open else '>='} {low}"
        if high is not None and (value > high or (high_open and value == high)):
            return f"must be {'<' if high_open else '<='} {high}"
        return None

    return rule


def one_of(choices: Iterable[str]) -> Rule:
    choices = tuple(choices)

    def rule(value: Any) -> str | None:
        if value in choices:
            return None
        close = nearest(str(value), choices)
        return f"must be one of {', '.join(choices)}" + (f" (did you mean '{close}'?)" if close else "")

    return rule


def optional(rule: Rule) -> Rule:
    return lambda value: None if value is None else rule(value)


def per_block(rule: Rule) -> Rule:
    """A cnn setting: one value for every conv block, or a list of one per block."""

    def check(value: Any) -> str | None:
        problems = [rule(v) for v in (value if isinstance(value, (list, tuple)) else [value])]
        return next((f"{p}, as one value or a list of one per block" for p in problems if p), None)

    return check


def batch_size(value: Any) -> str | None:
    if value == "full":
        return None
    return number(1, integer=True)(value) and "must be a positive integer or 'full'"


def learning_rate(value: Any) -> str | None:
    """A positive rate, or `auto`: the one the learning-rate finder suggests (nnfw.run.lr_finder)."""
    if value == "auto":
        return None
    problem = number(0, low_open=True, high=None)(value)
    return f"{problem}, or auto (the rate the learning-rate finder suggests)" if problem == "must be a number" else problem


def positive_ints(value: Any) -> str | None:
    if not isinstance(value, (list, tuple)) or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value):
        return "must be a list of positive integers, e.g. [64,64]"
    return None


def value_range(high: float | None) -> Rule:
    """A [low, high] pair of numbers with 0 < low <= high (<= `high` when given)."""

    def rule(value: Any) -> str | None:
        bounded = f" <= {high}" if high is not None else ""
        problem = f"must be a [low, high] pair with 0 < low <= high{bounded}, e.g. [0.5, 1]"
        if not isinstance(value, (list, tuple)) or len(value) != 2 or any(
                isinstance(v, bool) or not isinstance(v, (int, float)) for v in value):
            return problem
        low, top = value
        return problem if not 0 < low <= top or (high is not None and top > high) else None

    return rule


def max_epochs(value: Any) -> str | None:
    if value == -1:
        return None
    return number(1, integer=True)(value) and "must be a positive integer (or -1 for no limit)"


def validation_interval(value: Any) -> str | None:
    """Lightning's `val_check_interval`: a share of an epoch in (0, 1], a count of batches, or a time
    (a string or mapping, which Lightning reads itself)."""
    if value is None or isinstance(value, (str, Mapping)):
        return None
    if isinstance(value, float):
        return number(0, 1, low_open=True, high_open=False)(value) and "must be a share of an epoch in (0, 1]" \
            " or a number of batches"
    return number(1, integer=True)(value) and "must be a share of an epoch in (0, 1] or a number of batches"


def existing_path(value: Any) -> str | None:
    if value is not None and not str(value):  # Path('') is the current directory, which exists
        return "names no file: the path is empty (null for none)"
    if value is not None and not Path(str(value)).expanduser().exists():
        return "names a file that does not exist"
    return None


def flag(value: Any) -> str | None:
    return None if isinstance(value, bool) else "must be true or false"


def flag_or(choices: Iterable[str]) -> Rule:
    """true, false, or one of `choices`."""
    choices = tuple(choices)

    def rule(value: Any) -> str | None:
        return None if isinstance(value, bool) or value in choices else f"must be {', '.join(choices)}, true or false"

    return rule


def channels(value: Any) -> str | None:
    return None if value in (1, 3) and not isinstance(value, bool) else "must be 1 (greyscale) or 3 (RGB)"


#: the rules a config names under `_checks_`
NAMED: dict[str, Rule] = {
    "positive": number(0, low_open=True, high=None),
    "nonnegative": number(0),
    "fraction": number(0, 1),
    "share": number(0, 1, low_open=True, high_open=False),
    "positive_int": number(1, integer=True),
    "seed": number(SEEDS[0], SEEDS[1], high_open=False, integer=True),
    "nonnegative_int": number(0, integer=True),
    "positive_ints": positive_ints,
    "learning_rate": learning_rate,
    "fraction_range": value_range(1),
    "positive_range": value_range(None),
    "flag": flag,
    "flag_or_auto": flag_or(("auto",)),
    "existing_path": existing_path,
    "batch_size": batch_size,
    "max_epochs": max_epochs,
    "channels": channels,
    "activation": one_of(ACTIVATIONS),
    "init": one_of(INITS),
    "positions": one_of(POSITIONS),
    "positive_int_per_block": per_block(number(1, integer=True)),
    "nonnegative_int_per_block": per_block(number(0, integer=True)),
    "pooling_per_block": per_block(one_of(POOLINGS)),
}


def named(spec: Any) -> Rule:
    """The rule a config names: a name of NAMED (with `?`: null allowed too) or {one_of: [...]}."""
    if isinstance(spec, Mapping) and set(spec) == {"one_of"}:
        return one_of(str(choice) for choice in spec["one_of"])
    name = str(spec)
    rule = NAMED.get(name.rstrip("?"))
    if rule is None:
        raise UserError(f"unknown rule {spec!r} under _checks_", f"rules: {', '.join(NAMED)}, or {{one_of: [...]}}")
    return optional(rule) if name.endswith("?") else rule
