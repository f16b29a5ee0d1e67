"""A user's CSV file as a `Table`: features, target, and the task the target implies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nnfw.data.spec import TaskKind
from nnfw.data.table import Table
from nnfw.errors import UserError, suggestion

#: An integer target with at most this many distinct values is read as classes.
MAX_INTEGER_CLASSES = 20


def infer_task(target: pd.Series) -> TaskKind:
    """binary for two values, multiclass for labels or a few integers, regression otherwise."""
    distinct = target.nunique()
    if distinct == 2:
        return "binary"
    if not pd.api.types.is_numeric_dtype(target):
        return "multiclass"
    integral = bool(np.all(np.mod(target.to_numpy(dtype=float), 1) == 0))
    return "multiclass" if integral and distinct <= MAX_INTEGER_CLASSES else "regression"


def read_frame(path: Path, option: str = "data.path") -> pd.DataFrame:
    """The CSV at `path` (given as `option`, named in the messages) as a frame of at least one row."""
    if path.is_dir():
        raise UserError(f"{option} is a directory, not a CSV file: {path}", f"point {option} at the file itself")
    if not path.is_file():
        raise UserError(f"data file not found: {path}", f"set {option} to an existing CSV file")
    try:
        frame = pd.read_csv(path)
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


def read_csv(path: str, target: str | None = None, features: list[str] | None = None,
             task: TaskKind | None = None) -> Table:
    """Load a CSV with a header; `target` defaults to the last column, `features` to the others.

    `task=unsupervised` reads rows without a target (for autoencoders and generative models):
    every column, or `features`, is a feature.
    """
    file = Path(path).expanduser()
    frame = read_frame(file)
    if task == "unsupervised":
        names = list(features) if features else [str(c) for c in frame.columns]
        return Table(feature_matrix(frame, names, file), None, task, tuple(names))
    target = target or str(frame.columns[-1])
    y = complete_column(frame, target, "target", file)
    names = list(features) if features else [str(c) for c in frame.columns if c != target]
    if not names:
        raise UserError(f"{file} has no feature columns besides the target '{target}'")
    X = feature_matrix(frame, names, file)
    task = task or infer_task(y)
    if task == "regression":
        if not pd.api.types.is_numeric_dtype(y):
            raise UserError(f"target column '{target}' is not numeric, so it cannot be a regression target")
        return Table(X, y.to_numpy(dtype=np.float32), task, tuple(names))
    labels = sorted(y.unique(), key=lambda v: (str(type(v)), v))
    if task == "binary" and len(labels) != 2:
        raise UserError(f"target column '{target}' has {len(labels)} distinct values, not 2",
                        "use data.task=multiclass or data.task=regression")
    index = {label: i for i, label in enumerate(labels)}
    return Table(X, y.map(index).to_numpy(), task, tuple(names), tuple(str(v) for v in labels))
