"""The end of a multirun: one table of its jobs, read from their summary.json files.

It is a Hydra callback, so it runs in the launching process whatever launcher ran the jobs
(in this process, joblib workers, a cluster), and it imports no torch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig
from rich.console import Console
from rich.table import Table

#: The sweep directory of the last multirun that ended in this process.
FINISHED: dict[str, Path] = {}


def job_summaries(sweep_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    """(job folder, summary) for every job of a sweep, in job order; a job that left none is 'missing'."""
    jobs = sorted((p for p in sweep_dir.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name))
    found = []
    for job in jobs:
        path = job / "summary.json"
        found.append((job.name, json.loads(path.read_text()) if path.is_file() else {"status": "missing"}))
    return found


def sweep_table(summaries: list[tuple[str, dict[str, Any]]], monitor: str) -> Table:
    table = Table(title="sweep", title_justify="left")
    for column in ("job", "overrides", "status", monitor, "time s"):
        table.add_column(column, justify="right" if column in (monitor, "time s") else "left")
    for name, summary in summaries:
        value = summary.get("metrics", {}).get(monitor)
        table.add_row(name, " ".join(summary.get("overrides", [])), summary["status"],
                      f"{value:.4f}" if isinstance(value, float) else "",
                      f"{summary.get('wall_time_s', 0):.1f}")
    return table


def exit_status(summaries: list[tuple[str, dict[str, Any]]]) -> int:
    """0 when every job completed; 2 when those that did not failed on bad input; else 1."""
    codes = [s.get("exit_code", 1) for _, s in summaries if s["status"] != "completed"]
    if not codes:
        return 0
    return 2 if all(code == 2 for code in codes) else 1


class SweepReport(Callback):
    """Prints the jobs of a multirun as a table, the failures, and the sweep directory last."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir).absolute()
        summaries = job_summaries(sweep_dir)
        monitor = config.get("callbacks", {}).get("model_checkpoint", {}).get("monitor", "val/loss")
        Console().print(sweep_table(summaries, monitor))
        for name, summary in summaries:
            if summary["status"] != "completed":
                print(f"job {name} {summary['status']}: {summary.get('error', 'no summary.json')}")
        print(sweep_dir)
        FINISHED["sweep_dir"] = sweep_dir
