"""`model.compile=true`: torch.compile for the layers where it pays."""

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
