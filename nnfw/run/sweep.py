"""The end of a multirun: the table of its jobs (the one `nnfw runs` prints), failures, the best job.

It is a Hydra callback, so it runs in the launching process whatever launcher ran the jobs
(in this process, joblib workers, a cluster) or whatever sweeper chose them (Optuna), and it
imports no torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig
from rich.console import Console

from nnfw.artifacts.runs import Runs, best_run, job_summaries, objective, render

#: The last multirun that ended in this process: its sweep directory, and whether it was a search.
FINISHED: dict[str, Any] = {}


def exit_status(summaries: Runs, search: bool = False) -> int:
    """0 when every job completed (or, in a search, any did: failed trials are part of searching);
    2 when those that did not failed on bad input; else 1."""
    codes = [s.get("exit_code", 1) for _, s in summaries if s["status"] != "completed"]
    if not codes or (search and len(codes) < len(summaries)):
        return 0
    return 2 if all(code == 2 for code in codes) else 1


def minimizing(sweeper: DictConfig) -> bool | None:
    """Whether a search minimizes its objective (its sweeper's `direction`); None: no direction given."""
    direction = str(sweeper.get("direction", ""))
    return {"minimize": True, "maximize": False}.get(direction.rsplit(".", 1)[-1].lower())


class SweepReport(Callback):
    """Prints the jobs of a multirun as a table, the failures, the best job, and the sweep directory last."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir).absolute()
        summaries = job_summaries(sweep_dir)
        Console().print(render(summaries, title=f"sweep: {len(summaries)} jobs"))
        for name, summary in summaries:
            if summary["status"] != "completed":
                print(f"job {name} {summary['status']}: {summary.get('error', 'no summary.json')}")
        metric = next((objective(s) for _, s in summaries if s.get("objective")), None)
        minimize = minimizing(config.hydra.sweeper)
        best = best_run(summaries, metric, minimize) if metric else None
        if best:
            print(f"best: job {best[0]} with {metric} = {best[1]:.6g}")
        print(sweep_dir)
        FINISHED.update(sweep_dir=sweep_dir, search=minimize is not None)
