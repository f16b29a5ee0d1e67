"""The features a restored model computes for new inputs: what its output layer reads.

For a pretrained backbone these are its pooled features (the penultimate layer of the network);
for a CNN or an MLP, its last hidden layer. They are read by a hook on the model's output layer
(its last linear layer), so every model whose outputs come from one is embedded the same way.
"""

from __future__ import annotations

import pandas as pd
import torch
from torch import nn

from nnfw.errors import UserError
from nnfw.run.restore import Restored


def output_layer(model: nn.Module) -> nn.Linear:
    """The model's last linear layer, the one its outputs come from."""
    layers = [module for module in model.modules() if isinstance(module, nn.Linear)]
    if not layers:
        raise UserError(f"{type(model).__name__} has no linear output layer whose inputs nnfw embed could write",
                        "embed a model that ends in a linear layer: backbone, cnn, mlp, ...")
    return layers[-1]


def embed(restored: Restored, inputs: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The inputs of the output layer for every input, batch by batch, on the CPU."""
    if not restored.task.predicts_targets:
        raise UserError("nnfw embed writes the features of a model that predicts targets (a classifier, a regressor)",
                        "for an autoencoder's reconstructions use nnfw predict")
    task = restored.task.cpu()
    captured: list[torch.Tensor] = []
    hook = output_layer(task.model).register_forward_pre_hook(lambda _, args: captured.append(args[0].flatten(1)))
    try:
        with torch.no_grad():
            for batch in inputs.split(batch_size):
                task(batch)
    finally:
        hook.remove()
    return torch.cat(captured)


def features_frame(features: torch.Tensor, names: list[str] | None) -> pd.DataFrame:
    """One row per input: its name where it has one (an image's file), then feature_0, feature_1, ..."""
    frame = pd.DataFrame(features.numpy(), columns=[f"feature_{i}" for i in range(features.shape[1])])
    if names is not None:
        frame.insert(0, "input", names)
    return frame
