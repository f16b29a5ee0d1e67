"""Regression with mean squared error; reports MSE, MAE and RMSE."""

from __future__ import annotations

import torch
from torch import nn
from torchmetrics import MeanAbsoluteError, MeanSquaredError, MetricCollection

from nnfw.data.spec import DataSpec
from nnfw.tasks.base import SingleTarget


class Unscale(nn.Module):
    """Standardized predictions back in the data's units: an exported model's last layer."""

    def __init__(self, mean: tuple[float, ...], std: tuple[float, ...]) -> None:
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean))
        self.register_buffer("std", torch.tensor(std))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.std + self.mean


def _shaped(spec: DataSpec, outputs: torch.Tensor) -> torch.Tensor:
    """One value per row (n,) of one target's outputs (n, 1); a model that gives (n,) already
    (a recommender's scores) keeps them, even for a batch of one row."""
    return outputs.squeeze(-1) if spec.num_targets == 1 and outputs.ndim > 1 else outputs


class Regression(SingleTarget):
    """Trains on the standardized targets the data gives (when it standardizes them): the loss is
    in those units, metrics and predictions in the data's own."""

    accepts = ("regression",)

    @staticmethod
    def metrics_for(spec: DataSpec) -> MetricCollection:
        return MetricCollection({
            "mse": MeanSquaredError(),
            "mae": MeanAbsoluteError(),
            "rmse": MeanSquaredError(squared=False),
        })

    @staticmethod
    def loss_for(spec: DataSpec, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return nn.functional.mse_loss(_shaped(spec, outputs), targets)

    @staticmethod
    def predictions_for(spec: DataSpec, outputs: torch.Tensor) -> torch.Tensor:
        return spec.unscale_targets(_shaped(spec, outputs))

    @staticmethod
    def targets_in_units_for(spec: DataSpec, targets: torch.Tensor) -> torch.Tensor:
        return spec.unscale_targets(targets)

    def exportable(self) -> nn.Module:
        if not self.spec.target_mean:
            return self.model
        return nn.Sequential(self.model, Unscale(self.spec.target_mean, self.spec.target_std))
