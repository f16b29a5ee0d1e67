"""A CSV file's header checked against the columns a config names, before torch (or pandas) loads.

Only the first line is read, so a wrong path, an empty file or a misspelled column costs a
fraction of a second and leaves nothing on disk; the rows are checked when the data loads.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nnfw.errors import UserError, suggestion


def header(path: Path, option: str = "data.path") -> list[str]:
    """The column names in the first line of the CSV file at `path` (given as `option`)."""
    if path.is_dir():
        raise UserError(f"{option} is a directory, not a CSV file: {path}", f"point {option} at the file itself")
    try:
        with path.open(newline="") as file:
            first = next(csv.reader(file), None)
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"cannot read the CSV file {path}: {getattr(err, 'strerror', None) or err}",
                        f"set {option} to a readable text file with a header row") from err
    if not first:
        raise UserError(f"data file is empty: {path}", "the CSV needs a header row and data rows")
    return [name.strip() for name in first]


def check_columns(data: Mapping[str, Any]) -> None:
    """The target column(s) and feature columns a CSV dataset's config names are in its file's header."""
    path, target, features = data.get("path"), data.get("target"), data.get("features")
    if path is None or "target" not in data or not Path(str(path)).expanduser().exists():
        return
    file = Path(str(path)).expanduser()
    columns = header(file)
    targets = [target] if isinstance(target, str) or target is None else list(target)  # one, or several
    named = [("target", name) for name in targets if name is not None]
    named += [("feature", name) for name in (features or [])]
    for role, name in named:
        if str(name) not in columns:
            raise UserError(f"{role} column '{name}' is not in {file}", suggestion(str(name), columns, "columns"))
