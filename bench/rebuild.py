"""The data and model of an nnfw run, rebuilt from its checkpoint's config for a comparison script."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnfw.run.building import build  # noqa: E402
from nnfw.run.train import build_model  # noqa: E402


def optimizer_factory(config: dict, as_configured: bool = False) -> Any:
    """The run's optimizer as a hand-written loop builds it: the same class and hyperparameters in
    torch's default implementation, without the fused kernel nnfw asks for; `as_configured`: as
    nnfw ran it."""
    options = config["optimizer"]
    if not as_configured:
        options = {key: value for key, value in options.items() if key != "fused"}
    return build("optimizer", options)


def rebuild(config: dict, as_configured: bool = False) -> tuple[Any, torch.nn.Module, Any]:
    """The set-up datamodule, the model sized from it, and the optimizer factory (see
    `optimizer_factory`), seeded as the run was."""
    torch.manual_seed(config["seed"])
    datamodule = build("data", config["data"])
    datamodule.setup()
    return datamodule, build_model(config["model"], datamodule.spec), optimizer_factory(config, as_configured)
