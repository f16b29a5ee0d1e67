"""Regression with mean squared error; reports MSE, MAE and RMSE."""

from __future__ import annotations

import torch
from torch import nn
from torchmetrics import MeanAbsoluteError, MeanSquaredError, MetricCollection

from nnfw.tasks.base import SupervisedTask


class Regression(SupervisedTask):
    accepts = ("regression",)

    def build_metrics(self) -> MetricCollection:
        return MetricCollection({
            "mse": MeanSquaredError(),
            "mae": MeanAbsoluteError(),
            "rmse": MeanSquaredError(squared=False),
        })

    def _shaped(self, outputs: torch.Tensor) -> torch.Tensor:
        return outputs.squeeze(-1) if self.spec.num_targets == 1 else outputs

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return nn.functional.mse_loss(self._shaped(outputs), targets)

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        return self._shaped(outputs)
