"""What the pictures that interpret a trained model cost (residuals, ROC and PR curves, per-class
scores, top losses, permutation feature importance), as a share of the run that draws them.

    python bench/interpretation.py [--repeat 3] [CASE ...]

Accounted in a run as configured: the wall time spent inside each interpreting callback (all of
it runs once, after testing the reported checkpoint), against the run's wall time (building,
fitting, evaluating, baselines, the other pictures) and its fit time, both from the same run, so
the machine's wandering speed cancels out. Of `--repeat` runs, the one whose pictures took the
largest share is shown.
"""

from __future__ import annotations

import argparse
import functools
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from steps import run_nnfw

from nnfw.views.interpretation import Interpretation

CASES = {
    "spirals (binary, 2 inputs)": ["experiment=spirals"],
    "classification (binary table, 20 columns)": ["data=classification", "trainer.max_epochs=20"],
    "regression (3 columns)": ["data=regression", "trainer.max_epochs=20"],
    "iris (multiclass table)": ["experiment=iris"],
    "digits cnn (images, 10 classes)": ["data=digits", "model=cnn", "trainer.max_epochs=5"],
}


@contextmanager
def timed_interpretation() -> Iterator[dict[str, float]]:
    """Seconds spent in each interpreting callback's `on_test_epoch_end`, by class name."""
    seconds: dict[str, float] = defaultdict(float)
    original = Interpretation.on_test_epoch_end

    @functools.wraps(original)
    def timed(self: Interpretation, *args: Any) -> None:
        started = time.perf_counter()
        try:
            original(self, *args)
        finally:
            seconds[type(self).__name__] += time.perf_counter() - started

    with mock.patch.object(Interpretation, "on_test_epoch_end", timed):
        yield seconds


def accounted(overrides: list[str]) -> dict[str, Any]:
    """One run of `overrides`: its wall and fit time, and the seconds inside each interpreting callback."""
    with timed_interpretation() as seconds, tempfile.TemporaryDirectory() as tmp:
        summary = run_nnfw([*overrides, "logger=tensorboard"], Path(tmp) / "run")
    return {"wall": summary["wall_time_s"], "fit": summary["fit_time_s"], "pictures": dict(seconds)}


def bench_case(overrides: list[str], repeat: int) -> dict[str, Any]:
    runs = [accounted(overrides) for _ in range(repeat)]
    return max(runs, key=lambda run: sum(run["pictures"].values()) / run["wall"])


def print_costs(rows: dict[str, dict[str, Any]]) -> None:
    print(f"\n{'case':<44} {'wall s':>7} {'fit s':>7} {'pictures s':>10} {'of wall':>8} {'of fit':>7}   drawn by")
    for case, run in rows.items():
        total = sum(run["pictures"].values())
        drawn = ", ".join(f"{name} {seconds:.3f}" for name, seconds in run["pictures"].items() if seconds > 0.0005)
        print(f"{case:<44} {run['wall']:>7.2f} {run['fit']:>7.2f} {total:>10.3f} {total / run['wall']:>8.1%} "
              f"{total / run['fit']:>7.1%}   {drawn}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("cases", nargs="*", default=list(CASES), help=f"of {list(CASES)}")
    args = parser.parse_args()
    print_costs({case: bench_case(CASES[case], args.repeat) for case in args.cases})
