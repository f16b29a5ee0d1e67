"""`SeriesDataModule`: one time series cut into windows that forecast the next values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from nnfw.data.arrays import ArrayDataModule
from nnfw.data.augment import AugmentsTrainingBatches
from nnfw.data.augment_series import SeriesAugment
from nnfw.data.csv import complete_column, read_frame
from nnfw.data.spec import DataSpec
from nnfw.errors import UserError


def stock(days: int = 200, seed: int = 42) -> np.ndarray:
    """seeds/004's synthetic stock price: linspace(100, 150) trend + 10 sin(2 pi t / 30) + N(0, 3).

    Drawn exactly as the tutorial draws it (np.random.seed(42); np.random.randn(days) * 3).
    """
    trend = np.linspace(100, 150, days)
    seasonality = 10 * np.sin(np.arange(days) * 2 * np.pi / 30)
    return trend + seasonality + np.random.RandomState(seed).randn(days) * 3


def read_column(path: str, column: str | None = None) -> np.ndarray:
    """One numeric column of a CSV file with a header (default: the last), in file order."""
    file = Path(path).expanduser()
    frame = read_frame(file)
    name = column or str(frame.columns[-1])
    values = complete_column(frame, name, "series", file)
    if not np.issubdtype(values.dtype, np.number):
        raise UserError(f"series column '{name}' of {file} is not numeric", "choose another with data.column=...")
    return values.to_numpy(dtype=np.float64)


class SeriesDataModule(AugmentsTrainingBatches, ArrayDataModule):
    """Windows of `window` values, each followed by the `horizon` values to forecast.

    The series is split by position (train | val | test), and a window's target lies inside
    its split; its inputs may reach back into the previous split, as they would in use.
    Values are not rescaled: metrics (MAE, RMSE, MAPE) are in the series' own units.
    A val_fraction of 0 validates on the training windows. Batching and device placement are
    the in-memory datamodule's; `augment` changes training windows only, on the device.
    """

    def __init__(self, path: str | None = None, column: str | None = None, days: int = 200, window: int = 30,
                 horizon: int = 1, val_fraction: float = 0.1, test_fraction: float = 0.25,
                 batch_size: int | str = 16, shuffle: bool = True, seed: int = 0,
                 augment: SeriesAugment | None = None) -> None:
        super().__init__(source=f"{__name__}.stock", batch_size=batch_size, val_fraction=val_fraction,
                         test_fraction=test_fraction, standardize=False, seed=seed, shuffle=shuffle)
        self.augment = augment or SeriesAugment()
        self.path, self.column, self.days = path, column, days
        self.window, self.horizon = window, horizon
        self.series: np.ndarray | None = None

    def _windows(self, start: int, stop: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Every window whose targets lie in series[start:stop]; targets are 1-D for a horizon of 1,
        as a table's single regression target is."""
        ends = range(max(start, self.window), stop - self.horizon + 1)
        inputs = np.stack([self.series[t - self.window:t] for t in ends]) if ends else np.zeros((0, self.window))
        targets = np.stack([self.series[t:t + self.horizon] for t in ends]) if ends else np.zeros((0, self.horizon))
        targets = targets[:, 0] if self.horizon == 1 else targets
        return torch.as_tensor(inputs, dtype=torch.float32), torch.as_tensor(targets, dtype=torch.float32)

    def setup(self, stage: str | None = None) -> None:
        if self.tensors:
            return
        self.series = read_column(self.path, self.column) if self.path else stock(self.days)
        n = len(self.series)
        n_test = round(n * self.test_fraction)
        n_val = round(n * self.val_fraction)
        n_train = n - n_val - n_test
        self.tensors = {"train": self._windows(0, n_train), "val": self._windows(n_train, n_train + n_val),
                        "test": self._windows(n_train + n_val, n)}
        if self.val_fraction <= 0:
            self.tensors["val"] = self.tensors["train"]
        for name, (inputs, _) in self.tensors.items():
            if not len(inputs):
                raise UserError(
                    f"the {name} split of the series ({n} values) holds no window of data.window={self.window} "
                    f"values followed by data.horizon={self.horizon}",
                    "use a longer series, a smaller window, or other data.val_fraction / data.test_fraction",
                )
        self.spec = DataSpec(task="forecast", num_features=self.window, num_targets=self.horizon)
