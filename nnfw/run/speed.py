"""Speed-ups that leave the model's parameters and checkpoints as they are: the opt-in
`model.compile=true` (torch.compile) and `model.channels_last=true` (NHWC convolutions), and
fused steps (nnfw/tasks/fusion.py): `fuse_epochs`, several full-batch epochs per Lightning step,
and `fuse_steps`, several mini-batches per Lightning step."""

from __future__ import annotations

import math
from typing import Any

import torch
from omegaconf import DictConfig
from torch import nn

from nnfw.tasks.finetuning import frozen_epochs
from nnfw.tasks.fusion import FusedSteps


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


def _fusable(cfg: DictConfig, task: Any) -> bool:
    """Whether nothing needs Lightning between two optimizer steps: a task that can fuse them,
    one process, no gradient accumulation, batch or step limits, epochs that end the run, and
    validation at epoch ends only."""
    trainer = cfg.trainer
    return (isinstance(task, FusedSteps) and task.automatic_optimization and trainer.strategy == "auto"
            and trainer.devices in (1, "auto") and trainer.num_nodes == 1 and trainer.accumulate_grad_batches == 1
            and not trainer.fast_dev_run and not trainer.overfit_batches and trainer.limit_train_batches is None
            and trainer.get("max_steps", -1) == -1 and trainer.get("min_steps") is None
            and trainer.get("val_check_interval") is None and bool(trainer.max_epochs) and trainer.max_epochs > 0)


def epochs_per_step(cfg: DictConfig, datamodule: Any, task: Any) -> int:
    """How many epochs of one full batch each Lightning step trains (1: Lightning's own loop).

    An epoch of full-batch data is one optimizer step of a fraction of a millisecond, and
    Lightning spends more than that around every step and epoch. Up to `fuse_epochs` of them
    run in one step when nothing needs Lightning in between, and validation only at block ends
    (the count divides `max_epochs` and `check_val_every_n_epoch`, so the run validates when it
    would have, and a fine-tuned backbone's frozen epochs, so that it is unfrozen when planned).
    """
    if getattr(datamodule, "batch_size", None) != "full" or not _fusable(cfg, task):
        return 1
    trainer = cfg.trainer
    return math.gcd(int(cfg.get("fuse_epochs") or 1), int(trainer.check_val_every_n_epoch or 1), int(trainer.max_epochs),
                    frozen_epochs(getattr(task, "model", None)))


def batches_per_step(cfg: DictConfig, datamodule: Any, task: Any) -> int:
    """How many mini-batches each Lightning step trains (1: Lightning's own loop): `fuse_steps`
    for in-memory data that can serve them in blocks, when nothing needs Lightning between two
    steps. An augmented block changes each batch as its step takes it (nnfw.data.augment.AugmentedBlock),
    so its random draws come in the unfused order."""
    if (not hasattr(datamodule, "batches_per_item") or getattr(datamodule, "batch_size", None) == "full"
            or not _fusable(cfg, task)):
        return 1
    return int(cfg.get("fuse_steps") or 1)


def fused_trainer_arguments(cfg: DictConfig, count: int, batches: int = 1) -> dict[str, Any]:
    """Trainer arguments counted in blocks of `count` epochs, or for blocks of `batches` batches;
    the task clips gradients itself."""
    if batches > 1:
        return {"gradient_clip_val": None, "gradient_clip_algorithm": None}
    if count == 1:
        return {}
    trainer = cfg.trainer
    return {"max_epochs": trainer.max_epochs // count,
            "min_epochs": -(-trainer.min_epochs // count) if trainer.min_epochs else None,
            "check_val_every_n_epoch": trainer.check_val_every_n_epoch // count,
            "gradient_clip_val": None, "gradient_clip_algorithm": None}
