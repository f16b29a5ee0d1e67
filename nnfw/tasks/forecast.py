"""Forecasting the next value(s) of a series: MSE loss; MAE, RMSE and MAPE in the series' units."""

from __future__ import annotations

from torchmetrics import MeanAbsolutePercentageError, MetricCollection

from nnfw.tasks.regression import Regression


class Forecast(Regression):
    accepts = ("forecast",)

    def build_metrics(self) -> MetricCollection:
        metrics = super().build_metrics()
        metrics.add_metrics({"mape": MeanAbsolutePercentageError()})
        return metrics
