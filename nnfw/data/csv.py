"""A user's CSV file as a `Table`: its feature columns as read, the target(s), and the task they imply.

The feature columns stay as the file holds them (text, gaps): their kinds are inferred here
(nnfw.data.columns), and the datamodule fits their encoding on the training split alone
(nnfw.data.preprocess). The targets are read by nnfw.data.targets: rows missing a target are
dropped, with a count in the log.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from nnfw.data import parquet
from nnfw.data.columns import column_kinds, declared_kinds
from nnfw.data.dialect import SEPARATORS, Dialect, sniff
from nnfw.data.header import as_names
from nnfw.data.preprocess import Impute, Plan
from nnfw.data.table import Table
from nnfw.data.targets import GivenKinds, read_targets
from nnfw.errors import UserError, suggestion

log = logging.getLogger(__name__)

def _dialect(path: Path, quiet: bool = False) -> Dialect:
    """The separator and decimal mark of the CSV file at `path`, in the log where not the default
    (unless `quiet`: a streamed file is read again each epoch)."""
    dialect = sniff(path)[0]
    if dialect != Dialect() and not quiet:
        log.info("%s is %s", path, dialect)
    return dialect


def _csv_options(dialect: Dialect, missing_values: list[str] | None) -> dict[str, object]:
    """What pandas' CSV reader is told, whole or in chunks: the file's separator and decimal mark,
    the gaps, and no spaces after a separator."""
    return {**dialect.read_options, "na_values": list(missing_values or []), "skipinitialspace": True}


def _refused(err: Exception, path: Path, dialect: Dialect | None) -> UserError:
    """A CSV the parser refuses (read as `dialect`, None where it could not be told), as the
    UserError naming the file and the reason."""
    if isinstance(err, pd.errors.EmptyDataError):
        return UserError(f"data file is empty: {path}", "the CSV needs a header row and data rows")
    detail = str(err).strip().splitlines()[-1]
    separators = SEPARATORS[(dialect or Dialect()).separator]
    return UserError(f"cannot read the CSV file {path}: {detail}",
                     f"every row needs as many fields as the header, separated by {separators}")


CSV_ERRORS = (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError, OSError, csv.Error)


def read_table(path: Path, option: str = "data.path",
               missing_values: list[str] | None = None) -> tuple[pd.DataFrame, frozenset[str]]:
    """The table at `path` (a CSV file, or a Parquet file or folder; given as `option`, named in
    the messages) as a frame of at least one row, and the columns its file stores as text (a
    Parquet file's strings; none for a CSV, whose every cell is text). Cells empty or holding one
    of pandas' missing-value markers (NA, NaN, null ...) or one of `missing_values` are gaps."""
    if not path.exists():
        raise UserError(f"data file not found: {path}", f"set {option} to an existing CSV or Parquet file")
    if parquet.is_parquet(path):
        frame, text = parquet.read(path, option, missing_values)
    else:
        dialect = None
        try:
            dialect = _dialect(path)
            frame, text = pd.read_csv(path, **_csv_options(dialect, missing_values)), frozenset()
        except CSV_ERRORS as err:
            raise _refused(err, path, dialect) from err
    if frame.empty:
        raise UserError(f"data file has a header but no rows: {path}")
    return frame, text


def read_frame(path: Path, option: str = "data.path", missing_values: list[str] | None = None) -> pd.DataFrame:
    """The table at `path` as a frame (see read_table)."""
    return read_table(path, option, missing_values)[0]


def read_head(path: Path, rows: int, missing_values: list[str] | None = None) -> tuple[pd.DataFrame, frozenset[str]]:
    """The first `rows` rows of the table at `path` and its text columns, as read_table gives them whole."""
    if not path.exists():
        raise UserError(f"data file not found: {path}", "set data.path to an existing CSV or Parquet file")
    if parquet.is_parquet(path):
        frame, text = parquet.head(path, rows, missing_values)
    else:
        dialect = None
        try:
            dialect = _dialect(path)
            frame, text = pd.read_csv(path, nrows=rows, **_csv_options(dialect, missing_values)), frozenset()
        except CSV_ERRORS as err:
            raise _refused(err, path, dialect) from err
    if frame.empty:
        raise UserError(f"data file has a header but no rows: {path}")
    return frame, text


def read_chunks(path: Path, rows: int, missing_values: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """The table at `path` in frames of at most `rows` rows, in order, each indexed by its rows'
    positions in the table (pandas' chunked reader for a CSV, pyarrow's dataset for Parquet)."""
    if parquet.is_parquet(path):
        yield from parquet.chunks(path, rows, missing_values)
        return
    dialect = None
    try:
        dialect = _dialect(path, quiet=True)
        with pd.read_csv(path, chunksize=rows, **_csv_options(dialect, missing_values)) as reader:
            yield from reader
    except CSV_ERRORS as err:
        raise _refused(err, path, dialect) from err


def complete_column(frame: pd.DataFrame, name: str, role: str, path: Path) -> pd.Series:
    """Column `name` of `frame` (its `role` named in messages), refused when absent or with empty values."""
    if name not in frame.columns:
        raise UserError(f"{role} column '{name}' is not in {path}",
                        suggestion(name, [str(c) for c in frame.columns], "columns"))
    column = frame[name]
    missing = int(column.isna().sum())
    if missing:
        raise UserError(f"column '{name}' of {path} has {missing} empty value(s)",
                        "fill or drop those rows")
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
             drop: list[str] | None = None, date: list[str] | None = None, missing_values: list[str] | None = None,
             impute: Impute = "median", one_hot_max: int | None = 10, min_category_count: int = 2) -> Table:
    """Load a table with a header: a CSV file, or a Parquet file or folder of them (whose own column
    types are kept); `target` (one column, or several) defaults to the last column, `features`
    to the others; `task` gives the target's kind, or each target's ({name: kind}).

    Columns are numeric, categorical or dates as their values say, or as `categorical`, `numeric`,
    `date` and `drop` declare (see nnfw.data.columns and nnfw.data.dates); `missing_values`
    names further texts that mean a gap; `impute` (median | mean) fills a numeric gap;
    categories with at most `one_hot_max` codes (None: all) are one-hot, larger ones embedded,
    and a category seen fewer than `min_category_count` times in training is the unknown one
    (nnfw.data.preprocess).
    `task=unsupervised` reads rows without a target (for autoencoders and generative models):
    every column, or `features`, is a feature.
    """
    file = Path(path).expanduser()
    frame, text = read_table(file, missing_values=missing_values)
    return frame_table(frame, file, target, features, task, categorical, numeric, drop, impute, one_hot_max,
                       min_category_count, text, date)


def frame_table(frame: pd.DataFrame, file: Path, target: str | list[str] | None = None,
                features: list[str] | None = None, task: GivenKinds = None, categorical: list[str] | None = None,
                numeric: list[str] | None = None, drop: list[str] | None = None, impute: Impute = "median",
                one_hot_max: int | None = 10, min_category_count: int = 2,
                text: frozenset[str] = frozenset(), date: list[str] | None = None) -> Table:
    """The `Table` of the rows `frame` read from `file` (read_csv's options; `text`: the columns the
    file stores as text, categories whatever their cells look like)."""
    declared = declared_kinds(categorical, numeric, drop, date)
    for name in declared:
        if name not in frame.columns:
            raise UserError(f"column '{name}' (data.{declared[name]}) is not in {file}",
                            suggestion(name, [str(c) for c in frame.columns], "columns"))
    targets = None
    if task != "unsupervised":
        targets = read_targets(frame, target, task, file, text)
        frame = targets.rows(frame, text)  # rows with a missing target are dropped
    names = as_names(features) or [str(c) for c in frame.columns if targets is None or c not in targets.names]
    for name in names:
        if name not in frame.columns:
            raise UserError(f"feature column '{name}' is not in {file}",
                            suggestion(name, [str(c) for c in frame.columns], "columns"))
    kinds, notices = column_kinds(frame[names], declared, file, text)
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
