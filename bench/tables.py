"""nnfw's default run on scikit-learn's real tables against the classical baselines.

    python bench/tables.py                                     # the default `nnfw train data=csv data.path=FILE`
    python bench/tables.py regularization.weight_decay=0.01    # the same with overrides of yours

Breast cancer and wine (class names as labels) and diabetes (a regression) are written as CSV
files to a temporary directory, as a user would export them, and each trains through nnfw's
real command (in this process) for seeds 0, 1 and 2. The baselines are the ones nnfw fits on
the same splits (summary.json's "baselines"). Printed per table: nnfw's test metric per seed,
its mean, logistic regression's (ridge's) mean, the simplest baseline's, and how far nnfw is
from the linear one: accuracy as a difference (target >= -0.01), RMSE as a ratio (target <= 1.03).
"""

from __future__ import annotations

import csv
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

sys.path.insert(0, str(Path(__file__).resolve().parent))

from steps import run_nnfw  # noqa: E402

SEEDS = (0, 1, 2)
# table name -> (loader, whether labels are class names, metric, linear baseline, simplest baseline)
TABLES = {
    "breast cancer": (load_breast_cancer, True, "test/acc", "logistic", "majority"),
    "wine": (load_wine, True, "test/acc", "logistic", "majority"),
    "diabetes": (load_diabetes, False, "test/rmse", "ridge", "mean"),
}


def write_table(path: Path, loader: Callable[[], Any], named_labels: bool) -> Path:
    """One of scikit-learn's tables as a CSV file: its feature columns, then `target`."""
    table = loader()
    targets = table.target_names[table.target] if named_labels else table.target
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*table.feature_names, "target"])
        writer.writerows([*row, target] for row, target in zip(table.data.tolist(), targets.tolist()))
    return path


def bench_table(name: str, overrides: list[str], directory: Path) -> dict:
    """nnfw's metric per seed on one table, and the baselines' means over the same splits."""
    loader, named_labels, metric, linear, simplest = TABLES[name]
    path = write_table(directory / f"{name.replace(' ', '_')}.csv", loader, named_labels)
    ours, lines, floors = [], [], []
    for seed in SEEDS:
        run_dir = directory / f"{path.stem}_{seed}"
        summary = run_nnfw(["data=csv", f"data.path={path}", f"seed={seed}", "logger=none", *overrides], run_dir)
        ours.append(summary["metrics"][metric])
        lines.append(summary["baselines"][linear][metric])
        floors.append(summary["baselines"][simplest][metric])
    return {"table": name, "metric": metric, "ours": ours, "mean": statistics.mean(ours),
            "linear_name": linear, "linear": statistics.mean(lines), "simplest": statistics.mean(floors)}


def print_tables(rows: list[dict]) -> None:
    print(f"\n{'table':<15} {'metric':<10} {'nnfw per seed':<24} {'mean':>7} {'linear':>16} "
          f"{'simplest':>9} {'against linear':>15}")
    for row in rows:
        accuracy = row["metric"].endswith("acc")
        against = (f"{row['mean'] - row['linear']:+.3f}" if accuracy else f"{row['mean'] / row['linear']:.3f}x")
        per_seed = ", ".join(f"{value:.3f}" if accuracy else f"{value:.2f}" for value in row["ours"])
        print(f"{row['table']:<15} {row['metric']:<10} {per_seed:<24} {row['mean']:>7.3f} "
              f"{row['linear_name'] + ' ' + format(row['linear'], '.3f'):>16} {row['simplest']:>9.3f} {against:>15}")


if __name__ == "__main__":
    overrides = sys.argv[1:]  # read once: each nnfw run rewrites sys.argv with its own command line
    with tempfile.TemporaryDirectory() as tmp:
        print_tables([bench_table(name, overrides, Path(tmp)) for name in TABLES])
