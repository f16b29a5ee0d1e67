"""`nnfw runs [DIR] [--sort METRIC] [--format table|csv|markdown] [--wide]`: a table of the runs under DIR."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nnfw.artifacts.runs import FORMATS, find_runs, render, sort_runs
from nnfw.errors import UserError, suggestion


class Parser(argparse.ArgumentParser):
    """argparse whose complaints are nnfw's UserErrors (exit 2, one message)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UserError(message, self.format_usage().strip())


def parser() -> Parser:
    found = Parser(prog="nnfw runs", description="A table of the runs under DIR (default: outputs), "
                   "or of one multirun's jobs: the overrides that differ, status, objective metric, time.")
    found.add_argument("dir", nargs="?", default="outputs", help="a folder of runs or a multirun directory")
    found.add_argument("--sort", metavar="METRIC", help="best first by this metric, e.g. val/acc or val/loss")
    found.add_argument("--format", choices=FORMATS, default="table", help="csv and markdown print text to paste")
    found.add_argument("--wide", action="store_true", help="a column per override, epochs and time (csv and "
                       "markdown always have them)")
    return found


def run(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    root = Path(args.dir).expanduser()
    if not root.is_dir():
        raise UserError(f"no such directory: {root}", "give a folder of runs, e.g. nnfw runs outputs/multirun/DATE/TIME")
    runs = find_runs(root)
    if not runs:
        print(f"no runs under {root} (a run directory holds a summary.json)")
        return 0
    if args.sort:
        known = {m for _, s in runs for m in s.get("metrics", {})}
        if args.sort not in known:
            raise UserError(f"no run under {root} has the metric '{args.sort}'", suggestion(args.sort, known, "metrics"))
        runs = sort_runs(runs, args.sort)
    shown = render(runs, args.format, [args.sort] if args.sort else [], title=f"runs under {root}", wide=args.wide)
    if isinstance(shown, str):
        sys.stdout.write(shown)
    else:
        from rich.console import Console

        Console().print(shown)
    return 0
