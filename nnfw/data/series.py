"""`SeriesDataModule`: one time series cut into windows that forecast the next values, and the
simple forecasts every forecaster is judged against (the last value, the value a season ago)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from nnfw.data.arrays import ArrayDataModule
from nnfw.data.augment import AugmentsTrainingBatches
from nnfw.data.augment_series import SeriesAugment
from nnfw.data.columns import holds_numbers, line_of
from nnfw.data.csv import complete_column, read_frame
from nnfw.data.smoothing import fit_smoothing, window_weights
from nnfw.data.spec import DataSpec
from nnfw.data.splits import spreads
from nnfw.errors import UserError


def stock(days: int = 200, seed: int = 42) -> np.ndarray:
    """seeds/004's synthetic stock price: linspace(100, 150) trend + 10 sin(2 pi t / 30) + N(0, 3).

    Drawn exactly as the tutorial draws it (np.random.seed(42); np.random.randn(days) * 3).
    """
    trend = np.linspace(100, 150, days)
    seasonality = 10 * np.sin(np.arange(days) * 2 * np.pi / 30)
    return trend + seasonality + np.random.RandomState(seed).randn(days) * 3


#: the window when the series shows no season: a year of monthly values
WINDOW_WITHOUT_SEASON = 12
#: the window when the series has a season: this many seasons (at most a third of the training part)
SEASONS_IN_WINDOW = 4
#: a season's autocorrelation peak must reach this many times 1 / sqrt(length): three standard
#: errors of white noise's autocorrelation, which a random peak among the lags searched seldom reaches
SEASON_STANDARD_ERRORS = 3.0
#: of peaks nearly as high as the highest, the shortest lag is the season (the others its multiples)
SEASON_SHARE = 0.75


def seasonal_period(values: np.ndarray) -> int | None:
    """The season length of a series: the shortest lag (2 to a third of its length) whose peak of
    the autocorrelation, once a straight-line trend is removed, is nearly as high as the highest
    (SEASON_SHARE); None when no peak stands out of the noise (SEASON_STANDARD_ERRORS)."""
    from scipy.signal import detrend

    values = np.asarray(values, dtype=np.float64)
    centred = detrend(values)
    longest = len(centred) // 3
    if longest < 3 or np.abs(centred).max() <= 1e-9 * np.abs(values).max():  # a straight line
        return None
    spectrum = np.fft.rfft(centred, 2 * len(centred))
    correlation = np.fft.irfft(spectrum * np.conj(spectrum))[:longest + 1]
    correlation = correlation / correlation[0]
    threshold = SEASON_STANDARD_ERRORS / np.sqrt(len(centred))
    peaks = [lag for lag in range(2, longest) if correlation[lag - 1] < correlation[lag] >= correlation[lag + 1]
             and correlation[lag] > threshold]
    if not peaks:
        return None
    highest = max(correlation[lag] for lag in peaks)
    return next(lag for lag in peaks if correlation[lag] >= SEASON_SHARE * highest)


def naive_forecasts(series: np.ndarray, ends: range, horizon: int) -> np.ndarray:
    """(len(ends), horizon): from each window ending before `end`, its last value for every step ahead."""
    return np.repeat(series[np.asarray(ends, dtype=int) - 1, None], horizon, axis=1)


def seasonal_naive_forecasts(series: np.ndarray, ends: range, horizon: int, period: int) -> np.ndarray:
    """(len(ends), horizon): step j ahead of `end` forecast by the value a whole number of seasons
    before it, the latest one observed (y[end + j - period * (j // period + 1)])."""
    steps = np.arange(horizon)
    return series[np.asarray(ends, dtype=int)[:, None] + steps - period * (steps // period + 1)]


def read_column(path: str, column: str | None = None, option: str = "data.path") -> np.ndarray:
    """One numeric column of a CSV file with a header (default: the last), in file order; `option`
    is the setting that named the file, for the messages."""
    file = Path(path).expanduser()
    frame = read_frame(file, option)
    name = column or str(frame.columns[-1])
    values = complete_column(frame, name, "series", file)
    if not holds_numbers(values):
        words = values[pd.to_numeric(values, errors="coerce").isna()]
        example = (words if len(words) else values).iloc[0]
        raise UserError(f"series column '{name}' of {file} is not numeric (e.g. {example!r})",
                        "choose another with data.column=...")
    numbers = values.to_numpy(dtype=np.float64)
    if not np.isfinite(numbers).all():
        position = int(np.flatnonzero(~np.isfinite(numbers))[0])
        raise UserError(f"series column '{name}' of {file} holds {numbers[position]} on line "
                        f"{line_of(values, values.index[position])}", "a series needs finite numbers: fix or drop those cells")
    return numbers


class SeriesDataModule(AugmentsTrainingBatches, ArrayDataModule):
    """Windows of `window` values, each followed by the `horizon` values to forecast.

    The series is split by position (train | val | test), and a window's targets lie inside
    its split; its inputs may reach back into the previous split, as they would in use. `ends`
    holds, per split, the position each window ends at (its first target), so that baselines
    forecast exactly the same points. A val_fraction of 0 validates on the training windows.

    `period` (default: found in the training part's autocorrelation) is the season length the
    seasonal baselines use; `window` defaults to four seasons (12 values without one), at most a
    third of the training part. With `scale`, inputs and targets are standardized with the training
    part's mean and spread, and metrics and predictions mapped back to the series' units.
    `smoothing` is exponential smoothing fitted on the training part (None without statsmodels);
    the spec tells models `base`, the weights of the simple forecast a forecaster starts from
    (`base()`), and names it `base_forecast`.
    Batching and device placement are the in-memory datamodule's; `augment` changes training
    windows only, on the device.
    """

    def __init__(self, path: str | None = None, column: str | None = None, days: int = 200,
                 window: int | None = None, horizon: int = 1, period: int | None = None, scale: bool = True,
                 val_fraction: float = 0.1, test_fraction: float = 0.25, batch_size: int | str = 16,
                 shuffle: bool = True, seed: int = 0,
                 augment: SeriesAugment | None = None) -> None:
        super().__init__(source=f"{__name__}.stock", batch_size=batch_size, val_fraction=val_fraction,
                         test_fraction=test_fraction, standardize=False, seed=seed, shuffle=shuffle)
        self.augment = augment or SeriesAugment()
        self.path, self.column, self.days = path, column, days
        self.window, self.horizon, self.period, self.scale = window, horizon, period, scale
        self.series: np.ndarray | None = None
        self.smoothing: Any | None = None  # exponential smoothing fitted on the training part (statsmodels)
        self.ends: dict[str, range] = {}

    def _windows(self, ends: range) -> tuple[torch.Tensor, torch.Tensor]:
        """The scaled window before each end and the values from it on; targets are 1-D for a
        horizon of 1, as a table's single regression target is."""
        values = self.transform(self.series)
        inputs = np.stack([values[t - self.window:t] for t in ends]) if ends else np.zeros((0, self.window))
        targets = np.stack([values[t:t + self.horizon] for t in ends]) if ends else np.zeros((0, self.horizon))
        targets = targets[:, 0] if self.horizon == 1 else targets
        return torch.as_tensor(inputs, dtype=torch.float32), torch.as_tensor(targets, dtype=torch.float32)

    def bounds(self, n: int) -> dict[str, tuple[int, int]]:
        """Each split's positions [start, stop) in a series of n values."""
        n_test, n_val = round(n * self.test_fraction), round(n * self.val_fraction)
        n_train = n - n_val - n_test
        return {"train": (0, n_train), "val": (n_train, n_train + n_val), "test": (n_train + n_val, n)}

    def base(self) -> tuple[str, np.ndarray]:
        """The simple forecast a forecaster starts from: the name and (horizon, window) weights of
        whichever of the naive, seasonal naive and exponential smoothing's forecast from the
        window (`window_weights`, fitted on the training part) forecasts the training and
        validation windows best. The test part plays no part in the choice."""
        window, horizon = self.window, self.horizon
        candidates = {"naive": np.eye(window)[np.full(horizon, window - 1)]}
        if self.period and self.period <= window:
            steps = np.arange(horizon)
            candidates["seasonal_naive"] = np.eye(window)[window - self.period + steps % self.period]
        if self.smoothing is not None:
            candidates["ets"] = window_weights(self.smoothing, window, horizon)
        ends = np.r_[np.asarray(self.ends["train"]), np.asarray(self.ends["val"])].astype(int)
        inputs = self.series[ends[:, None] + np.arange(-window, 0)]
        truth = self.series[ends[:, None] + np.arange(horizon)]
        errors = {name: np.mean((inputs @ weights.T - truth) ** 2) for name, weights in candidates.items()}
        name = min(errors, key=errors.get)
        return name, candidates[name]

    def setup(self, stage: str | None = None) -> None:
        if self.tensors:
            return
        self.series = read_column(self.path, self.column) if self.path else stock(self.days)
        n = len(self.series)
        bounds = self.bounds(n)
        training = self.series[slice(*bounds["train"])]
        self.period = self.period or seasonal_period(training)
        if self.period and self.period >= len(training):
            raise UserError(f"data.period={self.period} is longer than the training part of the series "
                            f"({len(training)} values): a seasonal forecast would read values it has not seen",
                            f"give a season shorter than {len(training)} values, or leave data.period unset to find it")
        self.smoothing = fit_smoothing(training, self.period)
        if self.window is None:
            self.window = max(1, min(SEASONS_IN_WINDOW * self.period if self.period else WINDOW_WITHOUT_SEASON, len(training) // 3))
        if self.scale and self.mean is None:
            self.mean = np.array([training.mean()])
            self.std = spreads([training.var()], self.mean)
            self.target_mean, self.target_std = np.repeat(self.mean, self.horizon), np.repeat(self.std, self.horizon)
        self.ends = {name: range(max(start, self.window), stop - self.horizon + 1)
                     for name, (start, stop) in bounds.items()}
        if self.val_fraction <= 0:
            self.ends["val"] = self.ends["train"]
        for name, ends in self.ends.items():
            if not ends:
                raise UserError(
                    f"the {name} split of the series ({n} values) holds no window of data.window={self.window} "
                    f"values followed by data.horizon={self.horizon}",
                    "use a longer series, a smaller window, or other data.val_fraction / data.test_fraction",
                )
        self.tensors = {name: self._windows(ends) for name, ends in self.ends.items()}
        scale = {} if self.target_mean is None else {"target_mean": tuple(self.target_mean.tolist()),
                                                      "target_std": tuple(self.target_std.tolist())}
        start, base = self.base()
        self.spec = DataSpec(task="forecast", num_features=self.window, num_targets=self.horizon,
                             sizes={"base": base.tolist(), "base_forecast": start, "period": self.period or 0},
                             **scale)
