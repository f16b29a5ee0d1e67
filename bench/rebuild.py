"""The data and model of an nnfw run, rebuilt from its checkpoint's config for a comparison script."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnfw.pipeline.building import build  # noqa: E402
from nnfw.pipeline.train import build_model  # noqa: E402


def rebuild(config: dict) -> tuple[Any, torch.nn.Module, Any]:
    """The set-up datamodule, the model sized from it, and the optimizer factory, seeded as the run was."""
    torch.manual_seed(config["seed"])
    datamodule = build("data", config["data"])
    datamodule.setup()
    return datamodule, build_model(config["model"], datamodule.spec), build("optimizer", config["optimizer"])
