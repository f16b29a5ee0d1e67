"""What the default diagnostics (per-layer norms, dead units, gradients through time) and the
pictures drawn while fitting cost, measured two ways.

    python bench/diagnostics.py [--repeat 3] [CASE ...]

- Accounted: in a run as configured, the wall time spent inside the diagnostics' own code (every
  hook of `TrainingDiagnostics` and the forward hook that watches units while validating) and
  inside `InputPlane` while fitting, as a share of that run's fit time. Both sides come from the
  same run, so the machine's wandering speed cancels out.
- Whole fits: each case of bench/steps.py trains three ways, interleaved, `--repeat` times: as
  configured, with `callbacks.diagnostics=null`, and with `callbacks.input_plane.drawings=0`;
  the fastest fit of each counts. On a 2-core machine two identical fits differ by 10 to 30%,
  more than the cost they compare, so these columns show the noise as much as the cost.
"""

from __future__ import annotations

import argparse
import functools
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

from lightning.pytorch import Trainer
from steps import CASES, run_nnfw

from nnfw.views.diagnostics import ActivationWatch, TrainingDiagnostics
from nnfw.views.insight import InputPlane

VARIANTS = {"default": [], "no diagnostics": ["callbacks.diagnostics=null"],
            "no pictures while fitting": ["callbacks.input_plane.drawings=0"]}


class Stopwatch:
    """Wall time spent inside the wrapped methods while a Trainer fits (nested calls count once)."""

    def __init__(self) -> None:
        self.seconds, self.depth, self.fitting = 0.0, 0, False

    def wrap(self, method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def timed(*args: Any, **kwargs: Any) -> Any:
            trainer = next((arg for arg in args if isinstance(arg, Trainer)), None)
            if trainer is not None:
                self.fitting = trainer.state.fn == "fit"
            if self.depth or not self.fitting:
                return method(*args, **kwargs)
            self.depth += 1
            started = time.perf_counter()
            try:
                return method(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started
                self.depth -= 1
        return timed

    @contextmanager
    def watching(self, *classes: type, extra: tuple[tuple[type, str], ...] = ()) -> Iterator[Stopwatch]:
        """Time every `on_*` hook the classes define themselves, and the `extra` (class, method)s."""
        targets = [(cls, name) for cls in classes for name in vars(cls) if name.startswith("on_")] + list(extra)
        with ExitStack() as stack:
            for cls, name in targets:
                stack.enter_context(mock.patch.object(cls, name, self.wrap(getattr(cls, name))))
            yield self


def accounted_costs(case: str) -> dict[str, float]:
    """A run of `case` as configured: its fit time, and the seconds of it inside the diagnostics
    and inside the pictures drawn while fitting."""
    diagnostics, pictures = Stopwatch(), Stopwatch()
    with (diagnostics.watching(TrainingDiagnostics, extra=((ActivationWatch, "see"),)),
          pictures.watching(InputPlane), tempfile.TemporaryDirectory() as tmp):
        summary = run_nnfw([*CASES[case], "logger=tensorboard"], Path(tmp) / "run")
    return {"fit": summary["fit_time_s"], "diagnostics": diagnostics.seconds, "pictures": pictures.seconds}


def bench_diagnostics(case: str, repeat: int = 3) -> dict[str, float]:
    """The fastest fit time of each variant of `case`, in seconds, and the accounted costs of
    the run (of `repeat` accounted runs) whose diagnostics took the largest share of its fit."""
    fastest: dict[str, float] = {}
    for _ in range(repeat):
        for variant, overrides in VARIANTS.items():
            with tempfile.TemporaryDirectory() as tmp:
                summary = run_nnfw([*CASES[case], *overrides, "logger=tensorboard"], Path(tmp) / "run")
            fastest[variant] = min(fastest.get(variant, float("inf")), summary["fit_time_s"])
    accounted = max((accounted_costs(case) for _ in range(repeat)), key=lambda run: run["diagnostics"] / run["fit"])
    return {**fastest, **{f"accounted {key}": value for key, value in accounted.items()}}


def print_costs(rows: dict[str, dict[str, float]]) -> None:
    print(f"\n{'case':<26} {'fit s':>6} {'diagnostics':>12} {'share':>6} {'pictures':>9} {'share':>6}"
          f"   {'whole fits:':<11} {'fit s':>6} {'no diag s':>9} {'diff':>6} {'no pics s':>9} {'diff':>6}")
    for case, times in rows.items():
        fit, diagnostics, pictures = (times[f"accounted {key}"] for key in ("fit", "diagnostics", "pictures"))
        base, without, plain = times["default"], times["no diagnostics"], times["no pictures while fitting"]
        print(f"{case:<26} {fit:>6.2f} {diagnostics:>12.3f} {diagnostics / fit:>6.1%} {pictures:>9.3f} "
              f"{pictures / fit:>6.1%}   {'':<11} {base:>6.2f} {without:>9.2f} {base / without - 1:>6.1%} "
              f"{plain:>9.2f} {base / plain - 1:>6.1%}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("cases", nargs="*", default=list(CASES))
    args = parser.parse_args()
    print_costs({case: bench_diagnostics(case, args.repeat) for case in args.cases})
