"""What the default diagnostics (per-layer norms, dead units, gradients through time) and the
pictures drawn while fitting cost: nnfw's fit time with them, without them, and the ratio.

    python bench/diagnostics.py [--repeat 3]

Each case of bench/steps.py trains three ways in this process: as configured, with
`callbacks.diagnostics=null`, and with `callbacks.input_plane.drawings=0` (no decision
boundary in TensorBoard while fitting). Each way runs `--repeat` times, interleaved; the
fastest fit of each counts.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from steps import CASES, run_nnfw

VARIANTS = {"default": [], "no diagnostics": ["callbacks.diagnostics=null"],
            "no pictures while fitting": ["callbacks.input_plane.drawings=0"]}


def bench_diagnostics(case: str, repeat: int = 3) -> dict[str, float]:
    """The fastest fit time of each variant of `case`, in seconds."""
    fastest: dict[str, float] = {}
    for _ in range(repeat):
        for variant, overrides in VARIANTS.items():
            with tempfile.TemporaryDirectory() as tmp:
                summary = run_nnfw([*CASES[case], *overrides, "logger=tensorboard"], Path(tmp) / "run")
            fastest[variant] = min(fastest.get(variant, float("inf")), summary["fit_time_s"])
    return fastest


def print_costs(rows: dict[str, dict[str, float]]) -> None:
    print(f"\n{'case':<26} {'fit s':>7} {'no diag s':>10} {'diag cost':>10} {'no pics s':>10} {'pics cost':>10}")
    for case, times in rows.items():
        base = times["default"]
        without, plain = times["no diagnostics"], times["no pictures while fitting"]
        print(f"{case:<26} {base:>7.2f} {without:>10.2f} {base / without - 1:>10.1%} {plain:>10.2f} "
              f"{base / plain - 1:>10.1%}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("cases", nargs="*", default=list(CASES))
    args = parser.parse_args()
    print_costs({case: bench_diagnostics(case, args.repeat) for case in args.cases})
