"""A trained model back from a checkpoint alone: its config, data spec and weights."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

from nnfw.data.spec import DataSpec
from nnfw.pipeline.checkpoints import load_checkpoint
from nnfw.pipeline.train import build_model


def load_model(path: Path) -> tuple[nn.Module, DataSpec, dict[str, Any]]:
    """The model of a checkpoint in eval mode, with its data spec and the run's resolved config."""
    checkpoint = load_checkpoint(path)  # plain data only, trusted targets only
    stored = checkpoint["nnfw"]
    spec = DataSpec(**stored["spec"])
    model = build_model(stored["config"]["model"], spec)
    model.load_state_dict({name.removeprefix("model."): value for name, value in checkpoint["state_dict"].items()
                           if name.startswith("model.")})
    return model.eval(), spec, stored["config"]
