"""Convolutional network: [conv -> (batch norm) -> activation -> pool -> (dropout)] blocks, then a dense head."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from nnfw.errors import UserError
from nnfw.models.choices import POOLINGS
from nnfw.models.layers import activation as make_activation
from nnfw.models.layers import initialize
from nnfw.models.mlp import MLP

POOLS = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}
assert {*POOLS, "none"} == set(POOLINGS)


def per_block(name: str, value: int | str | Sequence[int | str], blocks: int) -> list:
    """One value for every block, or a list with one value per block."""
    if isinstance(value, (int, str)):
        return [value] * blocks
    if len(value) != blocks:
        raise UserError(f"model.{name} has {len(value)} values for {blocks} conv blocks",
                        "give one value for all blocks, or one per entry of model.channels")
    return list(value)


class CNN(nn.Module):
    """Conv blocks of `channels` filters each, flattened into a dense head of `hidden_sizes`.

    `kernel_size`, `stride`, `padding` and `pooling` (max | avg | none, a `pool_size` window)
    are one value for every block or a list with one per block. The image shape and the
    number of outputs come from the data. `freeze_features` trains only the head: the conv
    blocks keep their initial weights (and batch-norm statistics), as in the tutorial's CNN.
    """

    def __init__(self, image_shape: Sequence[int], out_features: int, channels: Sequence[int] = (32, 64),
                 kernel_size: int | Sequence[int] = 3, stride: int | Sequence[int] = 1,
                 padding: int | Sequence[int] = 1, pooling: str | Sequence[str] = "max", pool_size: int = 2,
                 activation: str = "relu", hidden_sizes: Sequence[int] = (128,), freeze_features: bool = False,
                 init: str = "default", init_std: float = 0.01, dropout: float = 0.0,
                 batchnorm: bool = False) -> None:
        super().__init__()
        in_channels, height_width = image_shape[0], tuple(image_shape[1:])
        blocks = len(channels)
        size = height_width
        layers: list[nn.Module] = []
        settings = zip(channels, *(per_block(name, value, blocks) for name, value in (
            ("kernel_size", kernel_size), ("stride", stride), ("padding", padding), ("pooling", pooling))))
        for index, (filters, kernel, step, pad, pool) in enumerate(settings, 1):
            layers.append(nn.Conv2d(in_channels, filters, kernel, step, pad, bias=not batchnorm))
            if batchnorm:
                layers.append(nn.BatchNorm2d(filters))
            layers.append(make_activation(activation))
            size = tuple((s + 2 * pad - kernel) // step + 1 for s in size)
            if pool != "none":
                layers.append(POOLS[pool](pool_size))
                size = tuple(s // pool_size for s in size)
            if dropout > 0:
                layers.append(nn.Dropout2d(dropout))
            if min(size) < 1:
                raise UserError(f"conv block {index} of model.channels={list(channels)} shrinks the "
                                f"{'x'.join(map(str, height_width))} images to nothing",
                                "use fewer blocks, padding, smaller strides or pooling=none for some blocks")
            in_channels = filters
        self.features = nn.Sequential(*layers)
        initialize(self.features, init, init_std)
        self.head = MLP(in_channels * size[0] * size[1], out_features, hidden_sizes, activation, init, init_std,
                        dropout, batchnorm)
        self.freeze_features = freeze_features
        self.features.requires_grad_(not freeze_features)

    def train(self, mode: bool = True) -> CNN:
        """Frozen conv blocks stay in eval mode, so their batch-norm statistics stay fixed too."""
        super().train(mode)
        if self.freeze_features:
            self.features.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))
