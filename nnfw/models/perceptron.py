"""Rosenblatt's perceptron: a linear score z = x.w + b and a hard step decision."""

from __future__ import annotations

import torch
from torch import nn


class Perceptron(nn.Module):
    """Outputs the score z; `decide` applies the step (z >= 0 -> 1, or z > 0 with strict=True).

    It has no gradient-based training: the perceptron task updates `weight` and `bias`
    with the perceptron learning rule.
    """

    def __init__(self, in_features: int, out_features: int = 1, strict: bool = False) -> None:
        super().__init__()
        if out_features != 1:
            raise ValueError("a perceptron has one output unit")
        self.weight = nn.Parameter(torch.zeros(in_features), requires_grad=False)
        self.bias = nn.Parameter(torch.zeros(()), requires_grad=False)
        self.strict = strict

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Scores z of shape (batch, 1), like every model's one-logit output."""
        return (x @ self.weight + self.bias).unsqueeze(-1)

    def decide(self, scores: torch.Tensor) -> torch.Tensor:
        return (scores > 0 if self.strict else scores >= 0).float()
