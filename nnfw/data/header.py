"""A CSV file's header checked against the columns a config names, before torch (or pandas) loads.

Only the first lines are read (the header, and the rows that tell its separator: nnfw.data.dialect),
so a wrong path, an empty file or a misspelled column costs a fraction of a second and leaves
nothing on disk; the rows are checked when the data loads.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nnfw.data import parquet
from nnfw.data.dialect import sniff
from nnfw.errors import UserError, suggestion


def as_names(value: Any) -> list[str]:
    """The column names an option gives: a list, or one name alone (`data.drop=id`)."""
    if value is None:
        return []
    return [str(value)] if isinstance(value, str) else [str(name) for name in value]


def header(path: Path, option: str = "data.path") -> list[str]:
    """The column names in the first line of the CSV file at `path` (given as `option`), or in
    the schema of a Parquet file or folder."""
    if parquet.is_parquet(path):
        return parquet.columns(path, option)
    try:
        first = sniff(path)[1]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise UserError(f"cannot read the CSV file {path}: {getattr(err, 'strerror', None) or err}",
                        f"set {option} to a readable text file with a header row") from err
    if not first:
        raise UserError(f"data file is empty: {path}", "the CSV needs a header row and data rows")
    return [name.strip() for name in first]


#: the options of a table's config that name columns, and the role each gives them
NAMING_OPTIONS = {"features": "feature", "categorical": "categorical", "numeric": "numeric", "date": "date",
                  "drop": "dropped"}


def check_columns(data: Mapping[str, Any]) -> None:
    """The columns a CSV dataset's config names (target(s), features, declared kinds) are in its file's header."""
    path, target = data.get("path"), data.get("target")
    if path is None or "target" not in data or not Path(str(path)).expanduser().exists():
        return
    file = Path(str(path)).expanduser()
    columns = header(file)
    named = [("target", name) for name in as_names(target)]  # one, or several
    named += [(role, name) for option, role in NAMING_OPTIONS.items() for name in as_names(data.get(option))]
    for role, name in named:
        if str(name) not in columns:
            raise UserError(f"{role} column '{name}' is not in {file}", suggestion(str(name), columns, "columns"))
