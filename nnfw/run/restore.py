"""A trained run back from a checkpoint alone: its task (model and weights), datamodule and config."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import lightning.pytorch as pl
from omegaconf import DictConfig, OmegaConf

from nnfw.artifacts.checkpoints import load_checkpoint
from nnfw.data.spec import DataSpec
from nnfw.run.building import build
from nnfw.run.train import build_task
from nnfw.tasks import SupervisedTask

#: model options naming the weights a model starts training from (a pretrained backbone's)
STARTING_WEIGHTS = ("pretrained", "weights")


@dataclass
class Restored:
    """What a checkpoint rebuilds. The datamodule holds the checkpoint's preprocessing state
    (standardization, vocabulary) and is not set up: only commands that need the data load it."""

    task: SupervisedTask
    datamodule: pl.LightningDataModule
    config: DictConfig
    spec: DataSpec


def restore(path: Path) -> Restored:
    """The run saved in `path`, in eval mode, with its preprocessing as it was trained."""
    checkpoint = load_checkpoint(path)  # plain data only, trusted targets only
    stored = checkpoint["nnfw"]
    config = OmegaConf.create(stored["config"])
    config.model.compile = config.model.channels_last = False  # eval, predict and export run the plain model
    for key in STARTING_WEIGHTS:  # the checkpoint holds the weights: nothing else is read for them
        if key in config.model:
            config.model[key] = None if key == "weights" else False
    spec = DataSpec(**stored["spec"])
    datamodule = build("data", config.data)
    state = checkpoint.get(type(datamodule).__qualname__)
    if state is not None:
        datamodule.load_state_dict(state)
    datamodule.spec = spec  # set up again later, the data reports the same sizes
    task = build_task(config, datamodule)
    task.load_state_dict(checkpoint["state_dict"])
    return Restored(task.eval(), datamodule, config, spec)
