"""A user's CSV file as a `Table`: its feature columns as read, the target, and the task it implies.

The feature columns stay as the file holds them (text, gaps): their kinds are inferred here
(nnfw.data.columns), and the datamodule fits their encoding on the training split alone
(nnfw.data.preprocess). Rows whose target is missing are dropped, with a count in the log.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from nnfw.data.columns import category_texts, column_kinds, declared_kinds
from nnfw.data.header import as_names
from nnfw.data.preprocess import Impute, Plan
from nnfw.data.spec import TaskKind
from nnfw.data.table import Table
from nnfw.errors import UserError, suggestion

log = logging.getLogger(__name__)

#: An integer target with at most this many distinct values is read as classes.
MAX_INTEGER_CLASSES = 20


def infer_task(target: pd.Series) -> TaskKind:
    """binary for two values, multiclass for labels or a few integers, regression otherwise."""
    distinct = target.nunique()
    if distinct == 2:
        return "binary"
    if not pd.api.types.is_numeric_dtype(target) or pd.api.types.is_bool_dtype(target):
        return "multiclass"
    integral = bool(np.all(np.mod(target.to_numpy(dtype=float), 1) == 0))
    return "multiclass" if integral and distinct <= MAX_INTEGER_CLASSES else "regression"


def read_frame(path: Path, option: str = "data.path", missing_values: list[str] | None = None) -> pd.DataFrame:
    """The CSV at `path` (given as `option`, named in the messages) as a frame of at least one row;
    cells empty or holding one of pandas' missing-value markers (NA, NaN, null ...) or one of
    `missing_values` are gaps."""
    if path.is_dir():
        raise UserError(f"{option} is a directory, not a CSV file: {path}", f"point {option} at the file itself")
    if not path.is_file():
        raise UserError(f"data file not found: {path}", f"set {option} to an existing CSV file")
    try:
        frame = pd.read_csv(path, na_values=list(missing_values or []), skipinitialspace=True)
    except pd.errors.EmptyDataError as err:
        raise UserError(f"data file is empty: {path}", "the CSV needs a header row and data rows") from err
    except (pd.errors.ParserError, UnicodeDecodeError, OSError) as err:
        detail = str(err).strip().splitlines()[-1]
        raise UserError(f"cannot read the CSV file {path}: {detail}",
                        "every row needs as many comma-separated fields as the header") from err
    if frame.empty:
        raise UserError(f"data file has a header but no rows: {path}")
    return frame


def complete_column(frame: pd.DataFrame, name: str, role: str, path: Path) -> pd.Series:
    """Column `name` of `frame` (its `role` named in messages), refused when absent or with empty values."""
    if name not in frame.columns:
        raise UserError(f"{role} column '{name}' is not in {path}",
                        suggestion(name, [str(c) for c in frame.columns], "columns"))
    column = frame[name]
    missing = int(column.isna().sum())
    if missing:
        raise UserError(f"column '{name}' of {path} has {missing} empty value(s)",
                        "fill or drop those rows before training")
    return column


def feature_matrix(frame: pd.DataFrame, names: list[str], file: Path) -> np.ndarray:
    """The named columns as float32 (rows, features); each must exist, be complete and numeric."""
    columns = [complete_column(frame, name, "feature", file) for name in names]
    for name, column in zip(names, columns):
        if not pd.api.types.is_numeric_dtype(column):
            example = column[pd.to_numeric(column, errors="coerce").isna()].iloc[0]
            raise UserError(f"feature column '{name}' of {file} is not numeric (e.g. {example!r})",
                            "encode it as numbers, or leave it out with data.features=[...]")
    return np.stack([c.to_numpy(dtype=np.float32) for c in columns], axis=1)


def target_rows(frame: pd.DataFrame, target: str, file: Path) -> pd.DataFrame:
    """The rows of `frame` that have a target value; the others are dropped with a count in the log."""
    if target not in frame.columns:
        raise UserError(f"target column '{target}' is not in {file}",
                        suggestion(target, [str(c) for c in frame.columns], "columns"))
    present = frame[target].notna()
    if not present.any():
        raise UserError(f"target column '{target}' of {file} is empty in every row",
                        "choose another column with data.target=...")
    dropped = int((~present).sum())
    if dropped:
        log.warning("%d row(s) of %s without a value in the target column '%s' dropped", dropped, file, target)
    return frame[present]


def encoded_target(y: pd.Series, task: TaskKind | None, target: str) -> tuple[np.ndarray, TaskKind, tuple[str, ...]]:
    """A target column as training reads it: values (regression) or class indices, the task, and
    the class names (sorted: numbers by value, labels alphabetically)."""
    task = task or infer_task(y)
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
            raise UserError(f"target column '{target}' is not numeric, so it cannot be a regression target")
        return y.to_numpy(dtype=np.float32), task, ()
    numeric = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
    labels = sorted(y.unique(), key=float) if numeric else sorted(category_texts(y).unique())
    if task == "binary" and len(labels) != 2:
        raise UserError(f"target column '{target}' has {len(labels)} distinct values, not 2",
                        "use data.task=multiclass or data.task=regression")
    names = [str(name) for name in category_texts(pd.Series(labels, dtype=y.dtype if numeric else object))]
    index = {label: i for i, label in enumerate(labels if numeric else names)}
    return (y if numeric else category_texts(y)).map(index).to_numpy(dtype=np.int64), task, tuple(names)


def read_csv(path: str, target: str | None = None, features: list[str] | None = None,
             task: TaskKind | None = None, categorical: list[str] | None = None, numeric: list[str] | None = None,
             drop: list[str] | None = None, missing_values: list[str] | None = None, impute: Impute = "median",
             one_hot_max: int | None = 10, min_category_count: int = 2) -> Table:
    """Load a CSV with a header; `target` defaults to the last column, `features` to the others.

    Columns are numeric or categorical as their values say, or as `categorical`, `numeric` and
    `drop` declare (see nnfw.data.columns); `missing_values` names further texts that mean a gap;
    `impute` (median | mean) fills a numeric gap; categories with at most `one_hot_max` codes
    (None: all) are one-hot, larger ones embedded, and a category seen fewer than
    `min_category_count` times in training is the unknown one (nnfw.data.preprocess).
    `task=unsupervised` reads rows without a target (for autoencoders and generative models):
    every column, or `features`, is a feature.
    """
    file = Path(path).expanduser()
    frame = read_frame(file, missing_values=missing_values)
    declared = declared_kinds(categorical, numeric, drop)
    for name in declared:
        if name not in frame.columns:
            raise UserError(f"column '{name}' (data.{declared[name]}) is not in {file}",
                            suggestion(name, [str(c) for c in frame.columns], "columns"))
    if task != "unsupervised":
        target = target or str(frame.columns[-1])
        frame = target_rows(frame, target, file)
    names = as_names(features) or [str(c) for c in frame.columns if c != target]
    for name in names:
        if name not in frame.columns:
            raise UserError(f"feature column '{name}' is not in {file}",
                            suggestion(name, [str(c) for c in frame.columns], "columns"))
    kinds, notices = column_kinds(frame[names], declared, file)
    for notice in notices:
        log.warning("%s", notice)
    kept = [name for name in names if kinds[name] != "drop"]
    if not kept:
        raise UserError(f"{file} has no feature columns left besides the target '{target}'"
                        if task != "unsupervised" else f"{file} has no feature columns left",
                        "name the columns to train on with data.features=[...], or declare their kinds")
    plan = Plan({name: kinds[name] for name in kept}, impute, one_hot_max, min_category_count, str(file))
    X = frame[kept]  # row labels stay the file's, so that messages name its lines
    if task == "unsupervised":
        return Table(X, None, task, tuple(kept), plan=plan)
    y, task, class_names = encoded_target(frame[target], task, target)
    return Table(X, y, task, tuple(kept), class_names, plan=plan)
