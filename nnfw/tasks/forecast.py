"""Forecasting the next value(s) of a series: MSE loss; MAE, RMSE and MAPE in the series' units,
over every step ahead and, for a horizon of several steps, per step."""

from __future__ import annotations

import torch
from torchmetrics import MeanAbsolutePercentageError, MetricCollection
from torchmetrics.functional import mean_absolute_error, mean_squared_error

from nnfw.tasks.base import EpochOutputs
from nnfw.tasks.regression import Regression


def step_metrics(stage: str, predictions: torch.Tensor, targets: torch.Tensor) -> dict[str, torch.Tensor]:
    """`stage/rmse_hJ` and `stage/mae_hJ` for each step J ahead of (n, horizon) forecasts."""
    horizon = predictions.shape[1]
    rmse = mean_squared_error(predictions, targets, squared=False, num_outputs=horizon)
    mae = mean_absolute_error(predictions, targets, num_outputs=horizon)
    return {f"{stage}/{name}_h{step + 1}": values[step] for step in range(horizon)
            for name, values in (("rmse", rmse), ("mae", mae))}


class Forecast(Regression):
    accepts = ("forecast",)

    def build_metrics(self) -> MetricCollection:
        metrics = super().build_metrics()
        metrics.add_metrics({"mape": MeanAbsolutePercentageError()})
        return metrics

    def epoch_metrics(self, stage: str, kept: EpochOutputs) -> dict[str, torch.Tensor]:
        if self.spec.num_targets == 1:
            return super().epoch_metrics(stage, kept)
        outputs, targets = torch.cat(kept.outputs), torch.cat(kept.targets)
        values = super().epoch_metrics(stage, kept)
        return {**values, **step_metrics(stage, self.predictions(outputs), self.targets_in_units(targets))}
