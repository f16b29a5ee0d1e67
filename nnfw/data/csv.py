"""A user's CSV file as a `Table`: features, target(s), and the task the targets imply (nnfw.data.targets)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nnfw.data.table import Table
from nnfw.data.targets import read_targets
from nnfw.errors import UserError, suggestion


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


def read_csv(path: str, target: str | list[str] | None = None, features: list[str] | None = None,
             task: str | dict[str, str] | None = None) -> Table:
    """Load a CSV with a header; `target` (one column, or several) defaults to the last column,
    `features` to the others; `task` gives the target's kind, or each target's ({name: kind}).

    `task=unsupervised` reads rows without a target (for autoencoders and generative models):
    every column, or `features`, is a feature.
    """
    file = Path(path).expanduser()
    frame = read_frame(file)
    if task == "unsupervised":
        names = list(features) if features else [str(c) for c in frame.columns]
        return Table(feature_matrix(frame, names, file), None, task, tuple(names))
    targets = read_targets(frame, target, task, file)
    frame = targets.rows(frame)  # rows with a missing target are dropped
    names = list(features) if features else [str(c) for c in frame.columns if c not in targets.names]
    if not names:
        raise UserError(f"{file} has no feature columns besides the target(s) {', '.join(targets.names)}")
    return targets.table(feature_matrix(frame, names, file), names)
