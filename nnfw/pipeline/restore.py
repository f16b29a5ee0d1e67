"""A trained model back from a checkpoint alone: its config, data spec and weights."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nnfw.data.spec import DataSpec
from nnfw.errors import UserError
from nnfw.pipeline.train import build


def read_checkpoint(path: Path) -> dict[str, Any]:
    """The checkpoint's contents, loaded as plain data only (`weights_only=True`)."""
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError) as err:
        raise UserError(f"cannot read the checkpoint {path}: it is missing, corrupt or not a checkpoint") from err
    if not isinstance(checkpoint, dict) or "nnfw" not in checkpoint or "state_dict" not in checkpoint:
        raise UserError(f"{path} is not a checkpoint written by nnfw train")
    return checkpoint


def load_model(path: Path) -> tuple[nn.Module, DataSpec, dict[str, Any]]:
    """The model of a checkpoint in eval mode, with its data spec and the run's resolved config."""
    checkpoint = read_checkpoint(path)
    stored = checkpoint["nnfw"]
    spec = DataSpec(**stored["spec"])
    model = build(stored["config"]["model"], **spec.model_sizes())
    model.load_state_dict({name.removeprefix("model."): value for name, value in checkpoint["state_dict"].items()
                           if name.startswith("model.")})
    return model.eval(), spec, stored["config"]
