"""What a forecaster is judged against, forecasting exactly the points it forecasts.

Every baseline forecasts the val and test windows' targets (the same positions the network's
windows end at, `SeriesDataModule.ends`), `horizon` steps ahead of each window's end, from the
values before that end only; scores are in the series' units, overall and, for several steps,
per step, named as the network's metrics are:

- `naive`: the window's last value, for every step ahead;
- `seasonal_naive`: the value a season before each step (the period given as data.period or found
  in the training part's autocorrelation); absent when the series shows no season;
- `ets`: exponential smoothing (statsmodels' state-space ExponentialSmoothing, additive errors),
  fitted on the training part only: level, damped trend or none, season (of at most
  ETS_LONGEST_SEASON values) or none, whichever has the lowest AIC there. Its parameters then stay fixed: the model filters the rest of the series
  observation by observation (statsmodels' `append` without refitting), and each window's
  forecast is the model's dynamic prediction from that window's end, which sees the values
  before the end and none after it. Absent when statsmodels is not installed (the `forecast` extra).
"""

from __future__ import annotations

import warnings
import weakref
from typing import Any

import numpy as np

from nnfw.data.series import naive_forecasts, seasonal_naive_forecasts
from nnfw.tasks.forecast import step_metrics

Scores = dict[str, float]
#: exponential smoothing models a season of at most this many values (weekly data's year): a
#: season is one state per value, and statsmodels' fit of a longer one takes minutes
ETS_LONGEST_SEASON = 52
#: the evaluated splits, in the order the results table lists them
SPLITS = ("val", "test")
#: datamodule -> its baselines' forecasts: the picture and the scores share one ETS fit
_drawn: weakref.WeakKeyDictionary[Any, dict[str, dict[str, np.ndarray]]] = weakref.WeakKeyDictionary()


def forecasts(datamodule: Any) -> dict[str, dict[str, np.ndarray]]:
    """Baseline name -> split -> its (windows, horizon) forecasts of that split's targets."""
    if datamodule in _drawn:
        return _drawn[datamodule]
    series, horizon, ends = datamodule.series, datamodule.horizon, datamodule.ends
    found = {"naive": {split: naive_forecasts(series, ends[split], horizon) for split in SPLITS}}
    if datamodule.period:
        found["seasonal_naive"] = {split: seasonal_naive_forecasts(series, ends[split], horizon, datamodule.period)
                                   for split in SPLITS}
    smoothed = exponential_smoothing(series, datamodule.bounds(len(series))["train"][1], datamodule.period,
                                     {split: ends[split] for split in SPLITS}, horizon)
    if smoothed is not None:
        found["ets"] = smoothed
    _drawn[datamodule] = found
    return found


def exponential_smoothing(series: np.ndarray, n_train: int, period: int | None, ends: dict[str, range],
                          horizon: int) -> dict[str, np.ndarray] | None:
    """ETS fitted on series[:n_train], forecasting `horizon` steps from each end; None without statsmodels."""
    try:
        from statsmodels.tsa.statespace.exponential_smoothing import ExponentialSmoothing
    except ImportError:
        return None
    seasons = [None] + ([period] if period and period <= ETS_LONGEST_SEASON and n_train >= 2 * period + 2 else [])
    fitted = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence and frequency warnings: the baseline is what it is
        for trend in (False, True):
            for seasonal in seasons:
                model = ExponentialSmoothing(series[:n_train], trend=trend, damped_trend=trend, seasonal=seasonal)
                fitted.append(model.fit(disp=False))
        best = min(fitted, key=lambda result: result.aic).append(series[n_train:])
        if horizon == 1:  # the filter's one-step predictions: the same numbers, without a call per window
            one_step = best.predict()
            return {split: one_step[np.asarray(split_ends, dtype=int), None] for split, split_ends in ends.items()}
        return {split: np.array([best.get_prediction(start=end, end=end + horizon - 1, dynamic=True).predicted_mean
                                 for end in split_ends]).reshape(len(split_ends), horizon)
                for split, split_ends in ends.items()}


def compute(datamodule: Any) -> dict[str, Scores]:
    """Baseline name -> `split/rmse`, `split/mae` (and per step for several steps) on val and test."""
    import torch

    truth = {split: datamodule.series[np.add.outer(np.asarray(datamodule.ends[split]), range(datamodule.horizon))]
             for split in SPLITS}
    found = {}
    for name, predicted in forecasts(datamodule).items():
        scores = {}
        for split in SPLITS:
            error = predicted[split] - truth[split]
            scores[f"{split}/rmse"] = float(np.sqrt(np.mean(error ** 2)))
            scores[f"{split}/mae"] = float(np.mean(np.abs(error)))
            if datamodule.horizon > 1:
                steps = step_metrics(split, torch.as_tensor(predicted[split]), torch.as_tensor(truth[split]))
                scores.update({key: float(value) for key, value in steps.items()})
        found[name] = scores
    return found


def picture(datamodule: Any, network: np.ndarray, future: np.ndarray) -> np.ndarray:
    """predictions.png of a forecaster: the series (its test part and a stretch before it), the
    network's and each baseline's forecasts one step ahead of every test window, and the
    network's `horizon` values after the series' end."""
    from nnfw.views.figures import new_figure, to_array

    series, ends = datamodule.series, np.asarray(datamodule.ends["test"])
    shown = max(0, ends[0] - 2 * len(ends))
    figure, axes = new_figure("predictions", size=(10, 4))
    axis = axes[0, 0]
    axis.plot(np.arange(shown, len(series)), series[shown:], color="black", linewidth=1.2, label="series")
    axis.axvspan(ends[0] - 0.5, len(series) - 0.5, color="#7f7f7f", alpha=0.08, label="test part")
    for (name, predicted), color in zip(forecasts(datamodule).items(), ("#2ca02c", "#ff7f0e", "#9467bd")):
        axis.plot(ends, predicted["test"][:, 0], color=color, linewidth=1, linestyle=":", label=name.replace("_", " "))
    axis.plot(ends, network.reshape(len(ends), -1)[:, 0], color="#d62728", linewidth=1.6, label="network")
    after = np.arange(len(series), len(series) + len(future))
    axis.plot(np.r_[len(series) - 1, after], np.r_[series[-1], future], color="#d62728", linestyle="--", marker=".",
              label=f"network: next {len(future)}")
    axis.set(xlabel="position in the series", ylabel="value",
             title="one step ahead of each test window, and the values after the series' end")
    axis.grid(alpha=0.3)
    axis.legend(fontsize="small", ncols=2)
    return to_array(figure)
