"""A user's CSV file as a `Table`: its feature columns as read, the target(s), and the task they imply.

The feature columns stay as the file holds them (text, gaps): their kinds are inferred here
(nnfw.data.columns), and the datamodule fits their encoding on the training split alone
(nnfw.data.preprocess). The targets are read by nnfw.data.targets: rows missing a target are
dropped, with a count in the log.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from nnfw.data.columns import column_kinds, declared_kinds
from nnfw.data.header import as_names
from nnfw.data.preprocess import Impute, Plan
from nnfw.data.table import Table
from nnfw.data.targets import GivenKinds, read_targets
from nnfw.errors import UserError, suggestion

log = logging.getLogger(__name__)

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


def read_csv(path: str, target: str | list[str] | None = None, features: list[str] | None = None,
             task: GivenKinds = None, categorical: list[str] | None = None, numeric: list[str] | None = None,
             drop: list[str] | None = None, missing_values: list[str] | None = None, impute: Impute = "median",
             one_hot_max: int | None = 10, min_category_count: int = 2) -> Table:
    """Load a CSV with a header; `target` (one column, or several) defaults to the last column,
    `features` to the others; `task` gives the target's kind, or each target's ({name: kind}).

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
    targets = None
    if task != "unsupervised":
        targets = read_targets(frame, target, task, file)
        frame = targets.rows(frame)  # rows with a missing target are dropped
    names = as_names(features) or [str(c) for c in frame.columns if targets is None or c not in targets.names]
    for name in names:
        if name not in frame.columns:
            raise UserError(f"feature column '{name}' is not in {file}",
                            suggestion(name, [str(c) for c in frame.columns], "columns"))
    kinds, notices = column_kinds(frame[names], declared, file)
    for notice in notices:
        log.warning("%s", notice)
    kept = [name for name in names if kinds[name] != "drop"]
    if not kept:
        raise UserError(f"{file} has no feature columns left besides the target(s) {', '.join(targets.names)}"
                        if targets is not None else f"{file} has no feature columns left",
                        "name the columns to train on with data.features=[...], or declare their kinds")
    plan = Plan({name: kinds[name] for name in kept}, impute, one_hot_max, min_category_count, str(file))
    X = frame[kept]  # row labels stay the file's, so that messages name its lines
    if targets is None:
        return Table(X, None, "unsupervised", tuple(kept), plan=plan)
    return targets.table(X, kept, plan=plan)
