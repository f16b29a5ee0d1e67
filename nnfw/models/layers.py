"""Activation and weight-initialisation choices shared by the models."""

from __future__ import annotations

import math

from torch import nn

from nnfw.models.choices import ACTIVATIONS, INITS

ACTIVATION_LAYERS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "leaky_relu": nn.LeakyReLU,  # negative slope 0.01, as in the tutorials
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "elu": nn.ELU,
    "gelu": nn.GELU,
}
assert set(ACTIVATION_LAYERS) == set(ACTIVATIONS)


def activation(name: str) -> nn.Module:
    return ACTIVATION_LAYERS[name]()


def initialize(module: nn.Module, scheme: str = "default", std: float = 0.01) -> None:
    """Initialise every Linear / Conv weight of `module`; biases start at zero except for `default`.

    zeros: all weights 0 (the tutorials' linear regression); normal: N(0, std);
    xavier: Glorot normal; he: N(0, 2 / fan_in) (Kaiming, for ReLU).
    """
    assert scheme in INITS, scheme
    if scheme == "default":
        return  # torch's own (Kaiming-uniform) initialisation
    for layer in module.modules():
        if not isinstance(layer, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            continue
        if scheme == "zeros":
            nn.init.zeros_(layer.weight)
        elif scheme == "normal":
            nn.init.normal_(layer.weight, 0.0, std)
        elif scheme == "xavier":
            nn.init.xavier_normal_(layer.weight)
        else:
            nn.init.normal_(layer.weight, 0.0, math.sqrt(2.0 / layer.weight[0].numel()))
        if layer.bias is not None:
            nn.init.zeros_(layer.bias)
