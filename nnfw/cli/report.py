"""`nnfw report DIR [output=FILE]`: a self-contained HTML page about a run or a sweep."""

from __future__ import annotations

from pathlib import Path

from nnfw.errors import UserError

USAGE = "usage: nnfw report RUN_DIR|SWEEP_DIR [output=FILE.html]"
HELP = f"""{USAGE}

One HTML file (pictures inlined, no network needed) about a finished run: its diagnosis
(healthy, overfitting, underfitting, diverging, stalled, dead units; with the numbers and the
config change to try), its metrics beside simple baselines, every picture and its config.
For a multirun directory: every job's learning curves overlaid, the objective against each
swept value, each job's diagnosis and the best job's pictures.
Written to DIR/report.html unless output=FILE is given."""


def run(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(HELP)
        return 0 if argv else 2
    options = dict(arg.split("=", 1) for arg in argv[1:] if "=" in arg)
    unknown = [arg for arg in argv[1:] if "=" not in arg or arg.split("=", 1)[0] != "output"]
    if unknown:
        raise UserError(f"unknown argument '{unknown[0]}'", USAGE)
    path = Path(argv[0]).expanduser()
    if not path.is_dir():
        raise UserError(f"no such directory: {path}", "give a run directory or a multirun directory")
    from nnfw.views.report import is_sweep, write_report

    if not (path / "summary.json").is_file() and not is_sweep(path):
        raise UserError(f"{path} holds no run (no summary.json) and no sweep jobs",
                        "give a run directory (outputs/DATE/TIME) or a multirun directory (outputs/multirun/DATE/TIME)")
    output = Path(options["output"]).expanduser() if "output" in options else None
    print(write_report(path, output))
    return 0
