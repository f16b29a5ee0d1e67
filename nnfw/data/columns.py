"""What each column of a user's table is: a number, a category, a date, or something to leave out.

Inferred from the values, overridable per column (`data.categorical`, `data.numeric`,
`data.date`, `data.drop`): text and booleans are categories, and so are integers with a few
distinct values; text in one date format is dates (nnfw.data.dates); a column unique in every
row (text, or integers counting up) is an identifier and an empty column says nothing, so both
are dropped with a notice; a column of numbers with a few cells of text is refused, naming the
first such cell, since it is a mistake more often than a category.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd

from nnfw.data import dates
from nnfw.data.header import as_names
from nnfw.errors import UserError

ColumnKind = Literal["numeric", "categorical", "date", "drop"]
KINDS: tuple[ColumnKind, ...] = ("numeric", "categorical", "date", "drop")
#: an integer column with this many distinct values or fewer (and more than two) is categorical
MAX_INTEGER_CATEGORIES = 10
#: a table needs this many rows before a column unique in every row is taken for an identifier
MIN_ROWS_FOR_IDENTIFIERS = 10
#: a text column whose cells are numbers in more than this share is numbers with mistakes in it
MOSTLY_NUMBERS = 0.5


def holds_numbers(column: pd.Series) -> bool:
    """Whether pandas read `column` as numbers, booleans (which it counts among them) aside."""
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def category_texts(column: pd.Series) -> pd.Series:
    """Each value as the text that names its category (missing values stay missing).

    Integral numbers read as floats (a column of integers with gaps) name the same category as
    the integers: 3.0 is '3', so a category is found whatever dtype pandas read its column as.
    """
    if not holds_numbers(column):
        return column.map(category_text, na_action="ignore")
    values = column.to_numpy(dtype=float)
    present = ~np.isnan(values)
    if np.all(np.isfinite(values[present])) and np.all(np.mod(values[present], 1) == 0):
        texts = pd.Series(np.where(present, np.nan_to_num(values).astype(np.int64).astype(str), ""),
                          index=column.index, dtype=object)
    else:
        texts = column.astype(str).astype(object)
    return texts.where(present, np.nan)


def category_text(value: object) -> str:
    """The text of one value: integral floats as integers, everything else as str() writes it."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def numbers_in(column: pd.Series, name: str, source: object) -> pd.Series:
    """The column as floats (missing as NaN); a cell that is not a number, or one that is infinite
    or beyond float32 (the network's numbers), is a UserError naming it."""
    if holds_numbers(column):
        numbers = column.astype(float)
    else:
        numbers = pd.to_numeric(column, errors="coerce")
        _refuse_unread(column, numbers.isna(), name, source, "numbers")
        numbers = numbers.astype(float)
    beyond = numbers.abs() > FLOAT32_MAX
    if beyond.any():
        row = beyond.idxmax()
        raise UserError(f"column '{name}' of {source} holds numbers but line {line_of(column, row)} holds "
                        f"{plain(column[row])!r}, beyond the ±{FLOAT32_MAX:.1e} a network's float32 holds "
                        f"({int(beyond.sum())} such cell(s))",
                        "fix or drop those rows, or name the text that means missing with data.missing_values=[...]")
    return numbers


def plain(value: object) -> object:
    """A cell as Python writes it in a message: 0 and inf, not np.int64(0) and np.float64(inf)."""
    return value.item() if isinstance(value, np.generic) else value


#: the largest number a float32 holds: a feature beyond it would be infinite to the network
FLOAT32_MAX = float(np.finfo(np.float32).max)


def days_in(column: pd.Series, name: str, source: object, date_format: str | None) -> np.ndarray:
    """A date column as days since 1970-01-01 (NaN for gaps; nnfw.data.dates); a cell that is not
    a date in `date_format` is a UserError naming it."""
    read = dates.times(column, date_format)
    _refuse_unread(column, read.isna(), name, source, f"dates ({date_format or 'as pandas reads them'})")
    return ((read - pd.Timestamp(0)) / pd.Timedelta(days=1)).to_numpy(dtype=float, na_value=np.nan)


def _refuse_unread(column: pd.Series, unread: pd.Series, name: str, source: object, holds: str) -> None:
    """A UserError naming the first cell of `column` that is present but `unread`, if any."""
    bad = column.notna() & unread
    if bad.any():
        row = bad.idxmax()
        raise UserError(f"column '{name}' of {source} holds {holds} but line {line_of(column, row)} holds "
                        f"{column[row]!r} ({int(bad.sum())} such cell(s))",
                        f"fix those cells, declare the column data.categorical=[{name}] or data.drop=[{name}], "
                        f"or name the text that means missing with data.missing_values=[...]")


def line_of(column: pd.Series, row: object) -> int:
    """The file line of a row read from a CSV file with a header (row labels count from 0)."""
    return int(row) + 2 if isinstance(row, (int, np.integer)) else 0


def inferred_kind(column: pd.Series, name: str, source: object, text: bool = False) -> tuple[ColumnKind, str | None]:
    """The kind a column's values say it is, and a notice when it is dropped; a column its file
    stores as `text` (a Parquet string) is a category however its cells look."""
    present = column.dropna()
    if present.empty:
        return "drop", f"column '{name}' is empty: dropped"
    if pd.api.types.is_bool_dtype(present):  # before the numbers: pandas counts booleans among them
        return "categorical", None
    if pd.api.types.is_datetime64_any_dtype(present):
        return "date", None
    unique_per_row = present.nunique() == len(column) >= MIN_ROWS_FOR_IDENTIFIERS
    if not pd.api.types.is_numeric_dtype(present):
        numbers = pd.to_numeric(present, errors="coerce")
        if not text and numbers.notna().mean() > MOSTLY_NUMBERS:
            numbers_in(column, name, source)  # raises, naming the first cell that is not a number
        if dates.date_format(present) is not None:
            return "date", None
        if unique_per_row:
            return "drop", f"column '{name}' looks like an identifier (a different text in every row): dropped"
        return "categorical", None
    values = present.to_numpy(dtype=float)
    if not (np.all(np.isfinite(values)) and np.all(np.mod(values, 1) == 0)):
        return "numeric", None
    if unique_per_row and (values.max() - values.min() == len(values) - 1 or counts_lines(present)):
        return "drop", f"column '{name}' looks like an identifier (integers counting up, one per row): dropped"
    distinct = len(np.unique(values))
    return ("categorical" if 2 < distinct <= MAX_INTEGER_CATEGORIES else "numeric"), None


def counts_lines(values: pd.Series) -> bool:
    """Whether integer `values` count up one per row of their file, as R's `rownames` do, though
    rows between them were dropped (their index: the rows' positions in the file)."""
    lines = values.index.to_numpy()
    if len(values) < 2 or not pd.api.types.is_integer_dtype(lines):
        return False
    offsets = values.to_numpy(dtype=float) - lines
    return bool(np.all(offsets == offsets[0]))


def column_kinds(frame: pd.DataFrame, declared: Mapping[str, ColumnKind], source: object,
                 text: Collection[str] = ()) -> tuple[dict[str, ColumnKind], list[str]]:
    """The kind of every column of `frame` (those `declared` as given; those in `text` stored as
    text by their file), and the notices of the dropped ones."""
    kinds: dict[str, ColumnKind] = {}
    notices = []
    for name in frame.columns:
        if name in declared:
            kinds[name] = declared[name]
            continue
        kinds[name], notice = inferred_kind(frame[name], name, source, name in text)
        if notice:
            notices.append(notice + f" (keep it with data.categorical=[{name}] or data.numeric=[{name}])"
                           if "identifier" in notice else notice)
    return kinds, notices


def declared_kinds(categorical: Iterable[str] = (), numeric: Iterable[str] = (), drop: Iterable[str] = (),
                   date: Iterable[str] = ()) -> dict[str, ColumnKind]:
    """Column name -> the kind a config declares for it; a column declared twice is a UserError."""
    declared: dict[str, ColumnKind] = {}
    for kind, names in (("categorical", categorical), ("numeric", numeric), ("drop", drop), ("date", date)):
        for name in as_names(names):
            if name in declared and declared[name] != kind:
                raise UserError(f"column '{name}' is declared both data.{declared[name]} and data.{kind}",
                                "name each column in one of data.categorical, data.numeric, data.date and data.drop")
            declared[name] = kind
    return declared
