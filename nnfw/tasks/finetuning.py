"""Fine-tuning a model with a pretrained backbone: discriminative learning rates and a frozen start.

A model takes part by having a `backbone` module and the plan's attributes (`freeze_epochs`,
`backbone_lr`, `freeze_backbone(frozen)`; nnfw.models.backbone.Backbone has them). As fastai's
`fine_tune` does, the optimizer holds two parameter groups from the start, the backbone's at
`backbone_lr` times the head's rate, and freezing only stops the backbone's gradients: a
parameter without a gradient is skipped by every torch optimizer, so the groups, the schedule
over them and a checkpoint's optimizer state stay the same through the run. (Lightning's
BackboneFinetuning adds the backbone's group to the optimizer when it unfreezes it, which a
scheduler built at the start does not know of.)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import Callback
from torch import nn

log = logging.getLogger("nnfw.run")


def fine_tunes(model: nn.Module) -> bool:
    """Whether `model` has a backbone and a fine-tuning plan."""
    return isinstance(getattr(model, "backbone", None), nn.Module) and hasattr(model, "freeze_backbone")


def frozen_epochs(model: nn.Module) -> int:
    """Epochs the model's backbone is frozen for at the start (0: none, or no backbone)."""
    return int(getattr(model, "freeze_epochs", 0)) if fine_tunes(model) else 0


def parameter_groups(module: nn.Module, model: nn.Module) -> Iterable[Any]:
    """`module`'s parameters for its optimizer: one group, or, for a model with a backbone that
    learns at another rate, the rest ("head") and the backbone's ("backbone", with its `lr_factor`)."""
    factor = float(getattr(model, "backbone_lr", 1.0)) if fine_tunes(model) else 1.0
    if factor == 1.0:
        return module.parameters()
    backbone = list(model.backbone.parameters())
    inside = {id(parameter) for parameter in backbone}
    rest = [parameter for parameter in module.parameters() if id(parameter) not in inside]
    return [{"params": rest, "name": "head"}, {"params": backbone, "name": "backbone", "lr_factor": factor}]


def scale_group_rates(optimizer: torch.optim.Optimizer) -> None:
    """Each group with an `lr_factor` learns at that factor of the optimizer's rate (before any
    scheduler records the groups' starting rates)."""
    for group in optimizer.param_groups:
        if "lr_factor" in group:
            group["lr"] = group["lr"] * group["lr_factor"]


def per_group_rates(factory: partial, optimizer: torch.optim.Optimizer) -> dict[str, list[float]]:
    """A scheduler's rate for the whole optimizer (one-cycle's `max_lr`) as one per group, each
    scaled by its group's `lr_factor`, so that the schedule keeps the groups' ratio."""
    peak = factory.keywords.get("max_lr")
    if not isinstance(peak, (int, float)) or not any("lr_factor" in g for g in optimizer.param_groups):
        return {}
    return {"max_lr": [peak * group.get("lr_factor", 1.0) for group in optimizer.param_groups]}


class BackboneFinetuning(Callback):
    """Freezes a fine-tuned model's backbone for its first `model.freeze_epochs` epochs (the
    epochs the user counts, also when full-batch epochs are fused), then trains it. The state
    follows from the epoch alone, so a resumed run is frozen or not as the first run was.
    Does nothing for models without a backbone."""

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        model = getattr(pl_module, "model", None)
        if model is None or not fine_tunes(model):
            return
        epoch = trainer.current_epoch * getattr(pl_module, "epochs_per_step", 1)
        frozen = epoch < frozen_epochs(model)
        if frozen != model.backbone_frozen:
            model.freeze_backbone(frozen)
            log.info("epoch %d: backbone %s", epoch, "frozen, the head trains alone" if frozen else "unfrozen")
