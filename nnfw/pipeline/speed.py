"""Opt-in speed-ups that leave the model's parameters and checkpoints as they are:
`model.compile=true` (torch.compile) and `model.channels_last=true` (NHWC convolutions)."""

from __future__ import annotations

import torch
from torch import nn


def _has_recurrent_layer(module: nn.Module) -> bool:
    return any(isinstance(layer, nn.RNNBase) for layer in module.modules())


def compile_model(model: nn.Module) -> nn.Module:
    """Compile the model's forward in place, so that its state dict, and so its checkpoints,
    keep the plain parameter names that an uncompiled model loads.

    Recurrent layers are left alone: torch.compile breaks its graph at them, and cuDNN runs
    them as fused kernels already; the layers around them are compiled one by one instead.
    """
    parts = [model] if not _has_recurrent_layer(model) else [
        child for child in model.children() if not _has_recurrent_layer(child)]
    for part in parts:
        part.forward = torch.compile(part.forward)
    return model


def use_channels_last(model: nn.Module) -> nn.Module:
    """Store convolution weights channels-last (NHWC), which tensor-core convolutions prefer
    under mixed precision; inputs follow inside the first convolution. Models without
    convolutions are left as they are."""
    if any(isinstance(layer, nn.Conv2d) for layer in model.modules()):
        model.to(memory_format=torch.channels_last)
    return model
