"""How long nnfw makes a user wait before anything happens, measured from a fresh interpreter.

    python bench/startup.py

`nnfw --help`: the median wall time of five runs of `python -m nnfw --help`.
First step: from starting `python -m nnfw train` (default config, progress bar off) to the start
of its first training step, read from a callback this script adds to the run.
`import lightning.pytorch`: the median wall time of three fresh interpreters that import it and
nothing else, the floor under any Lightning program's start-up.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from lightning.pytorch.callbacks import Callback

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent


class FirstStepClock(Callback):
    """Writes the wall-clock time of the run's first training step to `path`."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)

    def on_train_batch_start(self, *args: Any) -> None:
        if not self.path.exists():
            self.path.write_text(repr(time.time()))


def _nnfw(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(BENCH), str(REPO), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "nnfw", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, check=True)


def help_seconds(runs: int = 5) -> float:
    """Median wall time of `nnfw --help` in a fresh interpreter."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        _nnfw("--help", cwd=REPO)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def import_seconds(runs: int = 3) -> float:
    """Median wall time of a fresh interpreter that imports `lightning.pytorch` and exits."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import lightning.pytorch"], check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def first_step_seconds() -> float:
    """Seconds from starting `nnfw train` to its first training step."""
    with tempfile.TemporaryDirectory() as tmp:
        clock = Path(tmp) / "first_step"
        started = time.time()
        _nnfw("train", "trainer.enable_progress_bar=false", "print_config=false", "callbacks.model_summary=null",
              f"+callbacks.first_step_clock={{_target_:startup.FirstStepClock,path:'{clock}'}}",
              f"hydra.run.dir={tmp}/run", cwd=Path(tmp))
        return float(clock.read_text()) - started


if __name__ == "__main__":
    print(f"nnfw --help      {help_seconds():.2f} s")
    print(f"nnfw train -> first step  {first_step_seconds():.2f} s")
    print(f"import lightning.pytorch  {import_seconds():.2f} s")
