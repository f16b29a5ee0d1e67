"""Forecasting the next value(s) of a series: MSE loss; MAE, RMSE and MAPE in the series' units."""

from __future__ import annotations

from typing import Any

from torch import nn
from torchmetrics import MeanAbsolutePercentageError, MetricCollection

from nnfw.errors import UserError
from nnfw.tasks.regression import Regression


class Forecast(Regression):
    accepts = ("forecast",)

    def __init__(self, model: nn.Module, *args: Any, **kwargs: Any) -> None:
        if hasattr(model, "step"):
            raise UserError(f"a {type(model).__name__} models characters, not a series of values",
                            "for data=timeseries choose model=lstm_forecast, gru_forecast or mlp")
        super().__init__(model, *args, **kwargs)

    def build_metrics(self) -> MetricCollection:
        metrics = super().build_metrics()
        metrics.add_metrics({"mape": MeanAbsolutePercentageError()})
        return metrics
