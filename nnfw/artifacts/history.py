"""history.csv: a run's logged values at every validation, read by its pictures, report and diagnosis.

Imports no torch: `nnfw report` reads it without loading a model.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

HISTORY_FILE = "history.csv"
#: the metric a learning curve shows beside the loss, the first one a run logged
MAIN_METRICS = ("acc", "rmse", "bpc", "mae")

History = list[dict[str, float]]


def write_history(rows: Sequence[Mapping[str, float]], path: Path) -> Path:
    columns = list(dict.fromkeys(key for row in rows for key in row))
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_history(run_dir: Path) -> History:
    """The run's rows (epoch, step, metrics...) as floats; empty when it logged none."""
    path = run_dir / HISTORY_FILE
    if not path.is_file():
        return []
    with path.open(newline="") as handle:
        return [{key: float(value) for key, value in row.items() if value not in ("", None)}
                for row in csv.DictReader(handle)]


def main_metric(history: Sequence[Mapping[str, float]]) -> str | None:
    """`val/acc`, `val/rmse`, ...: the first of MAIN_METRICS the run logged on its validation split."""
    logged = {key for row in history for key in row}
    return next((f"val/{name}" for name in MAIN_METRICS if f"val/{name}" in logged), None)


def series(history: Sequence[Mapping[str, float]], key: str) -> list[tuple[float, float]]:
    """(epoch, value) of every finite value of `key`."""
    return [(row["epoch"], row[key]) for row in history if key in row and math.isfinite(row[key])]
