"""A single linear layer: linear regression, or logistic / softmax regression with a task's loss."""

from __future__ import annotations

import torch
from torch import nn

from nnfw.models.layers import initialize


class Linear(nn.Module):
    """y = x.W + b. The task turns it into a regression (MSE) or a classifier (sigmoid / softmax)."""

    def __init__(self, in_features: int, out_features: int, init: str = "default", init_std: float = 0.01) -> None:
        super().__init__()
        self.layer = nn.Linear(in_features, out_features)
        initialize(self, init, init_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x)
