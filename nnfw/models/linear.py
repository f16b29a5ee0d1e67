"""A single linear layer: linear regression, or logistic / softmax regression with a task's loss."""

from __future__ import annotations

import torch
from torch import nn

from nnfw.models.layers import initialize
from nnfw.models.tabular import tabular_input


class Linear(nn.Module):
    """y = x.W + b. The task turns it into a regression (MSE) or a classifier (sigmoid / softmax).
    A table's category codes (`categories`, from the data) are embedded first (TabularInput)."""

    def __init__(self, in_features: int, out_features: int, init: str = "default", init_std: float = 0.01,
                 categories: list[list[int]] | None = None, embedding_size: int | None = None) -> None:
        super().__init__()
        self.inputs, width = tabular_input(in_features, categories, embedding_size)
        self.layer = nn.Linear(width, out_features)
        initialize(self, init, init_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layer(x if self.inputs is None else self.inputs(x))
