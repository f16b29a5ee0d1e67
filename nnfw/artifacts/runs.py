"""Tables of runs read from their summary.json files: `nnfw runs` and the end of every multirun.

Imports no torch: a table of a hundred runs answers at once.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.table import Table

from nnfw.artifacts.summary import SUMMARY_FILE

#: metrics that improve downwards; every other metric improves upwards
LOWER_IS_BETTER = re.compile(r"(loss|mse|mae|rmse|mape|bpc|perplexity)$")
#: the metric a run that predates the `objective` record is judged by
DEFAULT_OBJECTIVE = "val/loss"
FORMATS = ("table", "csv", "markdown")

Runs = list[tuple[str, dict[str, Any]]]


def _natural(path: Path) -> list[Any]:
    """Sort key that puts job 10 after job 9."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", str(path))]


def read_summary(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {"status": "unreadable"}


def find_runs(root: Path) -> Runs:
    """(name relative to root, summary) of every run under root, in path order (nnfw's paths are times)."""
    found = sorted((p.parent for p in root.rglob(SUMMARY_FILE)), key=_natural)
    return [(str(run.relative_to(root)) if run != root else run.name, read_summary(run / SUMMARY_FILE))
            for run in found]


def job_summaries(sweep_dir: Path) -> Runs:
    """(job folder, summary) for every job of a sweep, in job order; a job that left none is 'missing'."""
    jobs = sorted((p for p in sweep_dir.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name))
    return [(job.name, read_summary(job / SUMMARY_FILE) if (job / SUMMARY_FILE).is_file() else {"status": "missing"})
            for job in jobs]


def overrides_of(summary: dict[str, Any]) -> dict[str, str]:
    """key -> value of the overrides a run was started with (hydra's own left out), keys named
    without the + that adds them (`trainer.max_steps=7` runs as `+trainer.max_steps=7`)."""
    pairs = (o.split("=", 1) for o in summary.get("overrides", []) if "=" in o)
    return {k.lstrip("+"): v for k, v in pairs if not k.startswith("hydra.")}


def differing_keys(runs: Runs) -> list[str]:
    """Override keys whose value is not the same in every run, in first-seen order."""
    seen = [overrides_of(s) for _, s in runs]
    keys = list(dict.fromkeys(k for o in seen for k in o))
    return [k for k in keys if len({o.get(k) for o in seen}) > 1]


def objective(summary: dict[str, Any]) -> str:
    return summary.get("objective") or DEFAULT_OBJECTIVE


def lower_is_better(metric: str) -> bool:
    return bool(LOWER_IS_BETTER.search(metric))


def value(summary: dict[str, Any], metric: str) -> float | None:
    number = summary.get("metrics", {}).get(metric)
    return number if isinstance(number, (int, float)) else None


def sort_runs(runs: Runs, metric: str) -> Runs:
    """Best first by `metric` (downwards for losses and errors, upwards otherwise); runs without it last."""
    sign = 1 if lower_is_better(metric) else -1
    return sorted(runs, key=lambda run: (value(run[1], metric) is None, sign * (value(run[1], metric) or 0.0)))


def best_run(runs: Runs, metric: str, minimize: bool | None = None) -> tuple[str, float] | None:
    """The completed run with the best `metric` value and that value, if any has one."""
    scored = [(name, v) for name, s in runs if s.get("status") == "completed" and (v := value(s, metric)) is not None]
    if not scored:
        return None
    lower = lower_is_better(metric) if minimize is None else minimize
    return (min if lower else max)(scored, key=lambda item: item[1])


def _short(text: str) -> str:
    """A number as 4 significant digits (search trials draw values like 0.0041978253...), else as given."""
    try:
        number = float(text)
    except ValueError:
        return text
    return f"{number:.4g}" if len(text) > 8 else text


def rows(runs: Runs, metrics: Iterable[str] = ()) -> tuple[list[str], list[list[str]]]:
    """Columns and rows: run, the overrides that differ, status, each run's objective and `metrics`, epochs, time."""
    keys = differing_keys(runs)
    shown = list(dict.fromkeys([*(objective(s) for _, s in runs), *metrics]))
    columns = ["run", *keys, "status", *shown, "epochs", "time s"]
    table = []
    for name, summary in runs:
        given = overrides_of(summary)
        numbers = [value(summary, m) for m in shown]
        table.append([name, *(_short(given.get(k, "")) for k in keys), summary.get("status", ""),
                      *("" if n is None else f"{n:.4g}" for n in numbers),
                      str(summary.get("epochs", "")),
                      f"{summary['wall_time_s']:.1f}" if isinstance(summary.get("wall_time_s"), (int, float)) else ""])
    return columns, table


def compact_rows(runs: Runs, metrics: Iterable[str] = ()) -> tuple[list[str], list[list[str]]]:
    """Columns and rows that fit a terminal: run, the differing overrides in one column, status, metrics."""
    keys = differing_keys(runs)
    shown = list(dict.fromkeys([*(objective(s) for _, s in runs), *metrics]))
    table = []
    for name, summary in runs:
        given = overrides_of(summary)
        overrides = " ".join(f"{k}={_short(given[k])}" for k in keys if k in given)
        table.append([name, overrides, summary.get("status", ""),
                      *("" if (n := value(summary, m)) is None else f"{n:.4g}" for m in shown)])
    return ["run", "overrides", "status", *shown], table


def render(runs: Runs, format: str = "table", metrics: Iterable[str] = (), title: str = "runs",
           wide: bool = False) -> Table | str:
    """A rich table (compact enough for 80 columns unless `wide`), or CSV / markdown text to paste elsewhere."""
    columns, body = rows(runs, metrics)
    if format == "csv":
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([columns, *body])
        return out.getvalue()
    if format == "markdown":
        lines = [columns, ["---"] * len(columns), *body]
        return "\n".join("| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |" for line in lines) + "\n"
    if not wide:
        columns, body = compact_rows(runs, metrics)
    table = Table(title=title, title_justify="left")
    numeric = set(columns[columns.index("status") + 1:])
    for column in columns:
        table.add_column(column, justify="right" if column in numeric else "left", overflow="fold")
    for line in body:
        table.add_row(*line)
    return table
