"""A table's target columns as training targets: each column's kind inferred (or given), class labels
as indices, values as floats, rows without a target dropped.

One target gives what single-target data always gave (y of class indices or values, the task its
kind); several (`data.target=[a,b,c]`) give task multitarget: y of one column per target and a
`Target` describing each, which the datamodule and the multi-target task read.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from nnfw.data.columns import category_texts, holds_numbers, numbers_in, plain
from nnfw.data.preprocess import Plan
from nnfw.data.spec import Target, TargetKind, TaskKind
from nnfw.data.splits import feature_statistics
from nnfw.data.table import Table
from nnfw.errors import UserError, suggestion

log = logging.getLogger(__name__)

#: An integer target with at most this many distinct values is read as classes.
MAX_INTEGER_CLASSES = 20
#: classes beyond which a target whose classes are most of its rows is a label per row (names, IDs)
MANY_CLASSES = 50
KINDS: tuple[TargetKind, ...] = ("binary", "multiclass", "regression")
#: a target's kind, given per target ({name: kind}) or for every target at once
GivenKinds = str | Mapping[str, str] | None


def infer_kind(column: pd.Series) -> TargetKind:
    """binary for two values, multiclass for labels or a few integers, regression otherwise."""
    distinct = column.nunique()
    if distinct == 2:
        return "binary"
    if not holds_numbers(column):
        return "multiclass"
    integral = bool(np.all(np.mod(column.to_numpy(dtype=float), 1) == 0))
    return "multiclass" if integral and distinct <= MAX_INTEGER_CLASSES else "regression"


def target_names(target: str | Sequence[str] | None, columns: Sequence[str]) -> tuple[str, ...]:
    """The target columns named by `data.target`: one name, a list of names, or None for the last column."""
    if target is None:
        return (str(columns[-1]),)
    names = (str(target),) if isinstance(target, str) else tuple(str(name) for name in target)
    if not names:
        raise UserError("data.target=[] names no column", "name one target column, or several: data.target=[a,b]")
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UserError(f"data.target names the column '{repeated[0]}' twice", "name each target once")
    return names


def given_kinds(task: GivenKinds, names: Sequence[str]) -> dict[str, TargetKind | None]:
    """Each target's kind as `data.task` gives it (None: inferred), checked."""
    if task is None or isinstance(task, str):
        kinds = dict.fromkeys(names, task)
    else:
        unknown = [str(key) for key in task if str(key) not in names]
        if unknown:
            raise UserError(f"data.task names '{unknown[0]}', which is not a target",
                            suggestion(unknown[0], names, "targets"))
        kinds = {name: task.get(name) for name in names}
    for name, kind in kinds.items():
        if kind is not None and kind not in KINDS:
            where = "data.task" if task is None or isinstance(task, str) else f"data.task.{name}"
            raise UserError(f"{where}={kind} is not a kind of target", suggestion(str(kind), KINDS, "kinds"))
    return kinds


def encode(column: pd.Series, kind: TargetKind, source: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """A complete target column as values (a regression's floats, or class indices) and its class
    names (sorted: numbers by value, labels and booleans alphabetically as their texts)."""
    name = column.name
    numeric = holds_numbers(column)
    if kind == "regression":
        if not numeric:
            raise UserError(f"target column '{name}' of {source} is not numeric, so it cannot be a regression target",
                            f"read it as classes: data.task=multiclass (among several targets data.task={{{name}:multiclass}})")
        return numbers_in(column, str(name), source).to_numpy(dtype=np.float32), ()
    labels = sorted(column.unique(), key=float) if numeric else sorted(category_texts(column).unique())
    if kind == "binary" and len(labels) != 2:
        raise UserError(f"target column '{name}' of {source} has {len(labels)} distinct values, not 2",
                        "read it as data.task=multiclass or regression (among several targets data.task={NAME:KIND})")
    names = [str(label) for label in category_texts(pd.Series(labels, dtype=column.dtype if numeric else object))]
    index = {label: i for i, label in enumerate(labels if numeric else names)}
    return (column if numeric else category_texts(column)).map(index).to_numpy(dtype=np.int64), tuple(names)


def retyped(frame: pd.DataFrame, text: Collection[str] = ()) -> pd.DataFrame:
    """`frame` with each text column whose every value is a number read as numbers: a dropped
    row's text no longer makes a column of numbers text (a column its file stores as `text`, a
    Parquet string, stays text, and booleans with gaps stay booleans)."""
    columns = {}
    for name, column in frame.items():
        if (name in text or pd.api.types.is_numeric_dtype(column)
                or pd.api.types.infer_dtype(column, skipna=True) == "boolean"):  # true/false with gaps stay so
            columns[name] = column
            continue
        numbers = pd.to_numeric(column, errors="coerce")
        columns[name] = numbers if numbers.notna().sum() == column.notna().sum() else column
    return pd.DataFrame(columns, index=frame.index)


@dataclass(frozen=True)
class Targets:
    """A frame's targets: which of its rows have every target (`kept`), their encoded values
    ((kept,) for one target, (kept, k) for several) and what each target is."""

    kept: np.ndarray
    values: np.ndarray
    described: tuple[Target, ...]

    def rows(self, frame: pd.DataFrame, text: Collection[str] = ()) -> pd.DataFrame:
        """The rows of `frame` that have every target, each column's type read from them alone
        (but for those its file stores as `text`)."""
        return frame if self.kept.all() else retyped(frame[self.kept], text)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(target.name for target in self.described)

    @property
    def task(self) -> TaskKind:
        """The one target's kind, or multitarget."""
        return self.described[0].kind if len(self.described) == 1 else "multitarget"

    def table(self, X: np.ndarray | pd.DataFrame, feature_names: Sequence[str], plan: Plan | None = None) -> Table:
        """The table of features `X` (the kept rows, encoded by `plan` when given) and these targets."""
        if len(self.described) == 1:
            return Table(X, self.values, self.task, tuple(feature_names), self.described[0].class_names, plan=plan)
        return Table(X, self.values, "multitarget", tuple(feature_names), targets=self.described, plan=plan)


def read_targets(frame: pd.DataFrame, target: str | Sequence[str] | None, task: GivenKinds,
                 source: Path | str, text: Collection[str] = ()) -> Targets:
    """The target column(s) `target` of `frame` (read from `source`, named in messages), of the kinds
    `task` gives or inferred; rows missing a target are dropped, with their count in the log
    (`text`: the columns the file stores as text, which stay text)."""
    names = target_names(target, [str(c) for c in frame.columns])
    for name in names:
        if name not in frame.columns:
            raise UserError(f"target column '{name}' is not in {source}",
                            suggestion(name, [str(c) for c in frame.columns], "columns"))
    kinds = given_kinds(task, names)
    present = frame[list(names)].notna()
    kept = present.all(axis=1).to_numpy()
    empty = [name for name in names if not present[name].any()]
    if empty:
        raise UserError(f"target column '{empty[0]}' of {source} is empty in every row",
                        "choose another column with data.target=...")
    if not kept.any():
        raise UserError(f"no row of {source} has a value for every target ({', '.join(names)})",
                        "choose targets that are given together")
    if not kept.all():
        gaps = ", ".join(f"{name} ({int((~present[name]).sum())})" for name in names if not present[name].all())
        log.warning("%d of %d rows of %s dropped: they miss a target value (%s)", int((~kept).sum()), len(kept),
                    source, gaps)
    columns, described = [], []
    complete = frame if kept.all() else retyped(frame.loc[kept, list(names)], text)
    for name in names:
        column = complete[name]
        learnable(column, source, inferred=kinds[name] is None)
        kind = kinds[name] or infer_kind(column)
        values, classes = encode(column, kind, str(source))
        columns.append(values)
        described.append(Target(name, kind, classes))
    values = columns[0] if len(columns) == 1 else np.stack(columns, axis=1).astype(np.float32)
    return Targets(kept, values, tuple(described))


def learnable(column: pd.Series, source: Path | str, inferred: bool) -> None:
    """Refuse a target with nothing to learn: one value in every row, or (when its kind is
    inferred) text with a class of its own in most rows, as a name or an ID column has."""
    distinct = column.nunique()
    if distinct < 2:
        raise UserError(f"target column '{column.name}' of {source} holds one value ({plain(column.iloc[0])!r}) in every "
                        "row with a target: there is nothing to learn", "choose another column with data.target=...")
    if inferred and not holds_numbers(column) and distinct > MANY_CLASSES and distinct > len(column) / 2:
        raise UserError(f"target column '{column.name}' of {source} has {distinct} distinct values in {len(column)} "
                        "rows: most rows are a class of their own, as in a column of names or IDs, so no class can "
                        "be learned from the others",
                        "choose another column with data.target=..., or train on it anyway with data.task=multiclass")


def weighted(targets: tuple[Target, ...], weights: Mapping[str, float] | None) -> tuple[Target, ...]:
    """`targets` with the loss weights `data.target_weights` gives ({name: weight}; the others keep 1)."""
    if not weights:
        return targets
    names = [target.name for target in targets]
    if not targets:
        raise UserError("data.target_weights weighs the losses of several targets, and this data has one",
                        "name several targets, data.target=[a,b], or leave data.target_weights out")
    for name, weight in weights.items():
        if str(name) not in names:
            raise UserError(f"data.target_weights names '{name}', which is not a target",
                            suggestion(str(name), names, "targets"))
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight < 0:
            raise UserError(f"data.target_weights.{name} must be a number >= 0 (got {weight!r})")
    return tuple(replace(target, weight=float(weights.get(target.name, target.weight))) for target in targets)


def target_statistics(y: np.ndarray, targets: tuple[Target, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The mean and spread that standardize a training split's regression targets (one per column
    of y); several targets' class columns get (0, 1), so that they stay class indices."""
    mean, std = feature_statistics(y.reshape(len(y), -1))
    if not targets:
        return mean, std
    values = np.array([target.kind == "regression" for target in targets])
    return np.where(values, mean, 0.0).astype(np.float32), np.where(values, std, 1.0).astype(np.float32)
