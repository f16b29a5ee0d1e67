"""Parquet tables: one file, or a folder of files read as one table in the order of their names.

A Parquet file says what each column holds, so its types are kept: a column stored as text is
text (a category) however its cells look, numbers are numbers and booleans booleans. pyarrow
reads them (the `parquet` extra); it is imported only when a Parquet table is read.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nnfw.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

SUFFIXES = (".parquet", ".pq")


def is_parquet(path: Path) -> bool:
    """Whether `path` names a Parquet table: a file named .parquet or .pq, or a folder (of such files)."""
    return path.is_dir() or path.suffix.lower() in SUFFIXES


def _pyarrow() -> Any:
    try:
        import pyarrow.dataset
    except ImportError as err:
        raise UserError("reading a Parquet table needs pyarrow, which is not installed",
                        "pip install 'nnfw[parquet]' (or pip install pyarrow)") from err
    return pyarrow


def files(path: Path, option: str = "data.path") -> list[Path]:
    """The Parquet file `path`, or the Parquet files under the folder `path`, sorted by name."""
    if not path.is_dir():
        return [path]
    found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
    if not found:
        raise UserError(f"{option} is a directory without tables: {path}",
                        f"point {option} at a CSV or Parquet file, or at a folder of {' or '.join(SUFFIXES)} files")
    return found


def dataset(path: Path, option: str = "data.path") -> Any:
    """The pyarrow dataset of the table at `path`: its files in order, one schema; a file that is not
    Parquet, or files whose columns differ, are a UserError."""
    pyarrow = _pyarrow()
    chosen = files(path, option)
    try:
        table = pyarrow.dataset.dataset([str(file) for file in chosen], format="parquet")
        if len(chosen) > 1:  # the first file's schema is the table's: every other must match it
            for file in chosen[1:]:
                other = pyarrow.parquet.read_schema(file)
                if other.names != table.schema.names:
                    raise UserError(f"{file} has the columns {', '.join(other.names)}, not those of {chosen[0]}",
                                    f"the files of the folder {option}={path} make one table: give them the same columns")
    except (pyarrow.ArrowException, OSError) as err:
        detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise UserError(f"cannot read the Parquet table {path}: {detail}",
                        f"set {option} to a Parquet file (or a folder of them) written by pandas, pyarrow, Spark ...") from err
    return table


def columns(path: Path, option: str = "data.path") -> list[str]:
    """The column names of the table at `path`, from its schema alone."""
    return list(dataset(path, option).schema.names)


def text_columns(table: Any) -> frozenset[str]:
    """The columns a dataset's schema stores as text."""
    types = _pyarrow().types
    return frozenset(field.name for field in table.schema
                     if types.is_string(field.type) or types.is_large_string(field.type)
                     or types.is_string_view(field.type))


def frame_of(batch: Any, missing_values: list[str] | None, text: frozenset[str]) -> pd.DataFrame:
    """An Arrow table or record batch as a frame; a text cell holding one of `missing_values` is a gap."""
    frame = batch.to_pandas()
    if missing_values:
        for name in text & set(frame.columns):
            frame[name] = frame[name].where(~frame[name].isin(list(missing_values)))
    return frame


def read(path: Path, option: str = "data.path", missing_values: list[str] | None = None) -> tuple[pd.DataFrame, frozenset[str]]:
    """The whole table at `path` as a frame, and the columns it stores as text."""
    table = dataset(path, option)
    text = text_columns(table)
    pyarrow = _pyarrow()
    try:
        return frame_of(table.to_table(), missing_values, text), text
    except (pyarrow.ArrowException, OSError) as err:
        raise UserError(f"cannot read the Parquet table {path}: {str(err).strip().splitlines()[0]}",
                        "rewrite the file, or give another one") from err


def head(path: Path, rows: int, missing_values: list[str] | None = None) -> tuple[pd.DataFrame, frozenset[str]]:
    """The first `rows` rows of the table at `path`, and the columns it stores as text."""
    table = dataset(path)
    text = text_columns(table)
    return frame_of(table.head(rows), missing_values, text), text


def chunks(path: Path, rows: int, missing_values: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """The table at `path` in frames of at most `rows` rows, in order, each indexed by its rows'
    positions in the table. One record batch is read ahead at a time, so memory stays bounded
    by the chunk (and a file's row group) whatever the table's size."""
    table = dataset(path)
    text = text_columns(table)
    start = 0
    for batch in table.to_batches(batch_size=rows, batch_readahead=1, fragment_readahead=1):
        if not batch.num_rows:
            continue
        frame = frame_of(batch, missing_values, text)
        frame.index = range(start, start + len(frame))
        start += len(frame)
        yield frame
