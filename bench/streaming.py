"""Memory and speed of a table streamed from disk, as its rows grow tenfold, against the table in memory.

    python bench/streaming.py                      # 200,000 and 2,000,000 rows
    python bench/streaming.py --rows 50000 --epochs 1 --modes true

A churn-like table (text categories, a high-cardinality city, booleans, numbers with gaps, an
ID, a text target) is generated chunk by chunk into a CSV under the temporary directory (never
the repository) at N and 10N rows. Each size trains one short run of nnfw's real command in a
subprocess of its own, streamed (`data.streaming=true`) and read whole (`data.streaming=false`):

    nnfw train data=csv data.path=FILE data.target=left data.streaming=MODE data.batch_size=1024 ...

and reports the child's peak resident memory (os.wait4's ru_maxrss), the wall time, the table's
rows per second of the whole run (rows x epochs / wall time: start-up, reading, the fit, the
training, evaluation and baselines together) and the training samples per second summary.json
reports, with the test accuracy beside the baselines'. The figure to read is the
ratio of peak memory at 10N to N: flat (within 1.3x) when streamed, growing with the rows in memory.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CHUNK = 100_000


def write_table(path: Path, rows: int, seed: int = 0) -> None:
    """`rows` rows of a churn table, written CHUNK rows at a time (the generator holds one chunk)."""
    rng = np.random.default_rng(seed)
    cities = np.array([f"city_{i}" for i in range(500)])
    effect = rng.normal(0, 1, len(cities))
    for start in range(0, rows, CHUNK):
        n = min(CHUNK, rows - start)
        city = rng.integers(0, len(cities), n)
        plan = rng.choice(["basic", "plus", "premium"], n, p=[0.5, 0.3, 0.2])
        tenure = rng.gamma(2.0, 12.0, n)
        spend = rng.normal(50, 15, n)
        autopay = rng.random(n) < 0.4
        score = (effect[city] + (plan == "premium") - 0.04 * tenure + 0.03 * (spend - 50) * (plan == "basic")
                 + 0.5 * autopay + rng.logistic(0, 0.5, n))
        frame = pd.DataFrame({"customer": [f"c{i:08d}" for i in range(start, start + n)], "city": cities[city],
                              "plan": plan, "tenure": tenure.round(1), "spend": spend.round(2), "autopay": autopay,
                              "calls": rng.poisson(2, n), "left": np.where(score > 0.0, "yes", "no")})
        frame.loc[rng.random(n) < 0.1, "tenure"] = np.nan
        frame.loc[rng.random(n) < 0.05, "plan"] = np.nan
        frame.to_csv(path, mode="a" if start else "w", header=not start, index=False)


def train(path: Path, rows: int, mode: str, epochs: int, run_dir: Path) -> dict[str, float]:
    """One run in a subprocess of its own: its peak memory, wall time, speed and accuracy."""
    argv = [sys.executable, "-m", "nnfw", "train", "data=csv", f"data.path={path}", "data.target=left",
            f"data.streaming={mode}", "data.batch_size=1024", "data.eval_batch_size=8192", f"trainer.max_epochs={epochs}",
            "logger=none", "callbacks.text_sample=null", "trainer.enable_progress_bar=false", "print_config=false",
            f"hydra.run.dir={run_dir}"]
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{mode} run on {rows} rows failed:\n{child.stderr.read()[-3000:]}")
    summary = json.loads((run_dir / "summary.json").read_text())
    baselines = summary["baselines"]
    return {"rows": rows, "mode": mode, "peak_rss_mb": usage.ru_maxrss / 1024, "wall_s": wall,
            "rows_per_s": rows * epochs / wall, "samples_per_s": summary["samples_per_s"],
            "test_acc": summary["metrics"]["test/acc"], "logistic": baselines.get("logistic", {}).get("test/acc", float("nan")),
            "boosting": baselines["gradient_boosting"]["test/acc"],
            "baseline_rows": summary.get("baselines_sample", {}).get("rows", {}).get("train")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000, help="N: the smaller table's rows (the larger has 10N)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--modes", default="true,false", help="data.streaming values to run")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="nnfw-streaming-") as folder:
        for rows in (args.rows, 10 * args.rows):
            path = Path(folder) / f"churn-{rows}.csv"
            write_table(path, rows)
            print(f"{rows:,} rows: {path.stat().st_size / 1e6:.0f} MB of CSV", flush=True)
            for mode in args.modes.split(","):
                result = train(path, rows, mode, args.epochs, Path(folder) / f"run-{rows}-{mode}")
                results.append(result)
                print(f"  streaming={mode:5}  peak RSS {result['peak_rss_mb']:7.0f} MB  wall {result['wall_s']:6.1f} s  "
                      f"rows/s {result['rows_per_s']:8.0f}  train samples/s {result['samples_per_s']:9.0f}  "
                      f"test acc {result['test_acc']:.4f} (logistic {result['logistic']:.4f}, boosting "
                      f"{result['boosting']:.4f}, baselines on {result['baseline_rows'] or 'all'} training rows)",
                      flush=True)
            path.unlink()
    for mode in args.modes.split(","):
        small, large = (r for r in results if r["mode"] == mode)
        print(f"streaming={mode}: peak RSS x{large['peak_rss_mb'] / small['peak_rss_mb']:.2f} as rows grow x10; "
              f"train samples/s x{large['samples_per_s'] / small['samples_per_s']:.2f}")


if __name__ == "__main__":
    main()
