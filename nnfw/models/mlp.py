"""Multi-layer perceptron: Linear -> [BatchNorm] -> activation -> [Dropout], repeated, then a head."""

from __future__ import annotations

import torch
from torch import nn

from nnfw.models.layers import activation as make_activation
from nnfw.models.layers import initialize
from nnfw.models.tabular import tabular_input


class MLP(nn.Module):
    """A fully connected network with any number of hidden layers.

    The last layer outputs raw scores (logits); the task applies sigmoid / softmax in its loss.
    A table's category codes (`categories`, from the data) are embedded first (TabularInput).
    """

    def __init__(self, in_features: int, out_features: int, hidden_sizes: list[int] = (64,),
                 activation: str = "relu", init: str = "default", init_std: float = 0.01,
                 dropout: float = 0.0, batchnorm: bool = False, categories: list[list[int]] | None = None,
                 embedding_size: int | None = None) -> None:
        super().__init__()
        self.inputs, width = tabular_input(in_features, categories, embedding_size)
        layers: list[nn.Module] = [nn.Flatten()]
        for size in hidden_sizes:
            layers.append(nn.Linear(width, size, bias=not batchnorm))
            if batchnorm:
                layers.append(nn.BatchNorm1d(size))
            layers.append(make_activation(activation))
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        layers.append(nn.Linear(width, out_features))
        self.net = nn.Sequential(*layers)
        initialize(self, init, init_std)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x if self.inputs is None else self.inputs(x))
