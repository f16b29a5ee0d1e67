"""Autoencoders: rebuild each row (the clean row, for corrupted data) from the model's squeeze of it."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torchmetrics import MeanSquaredError, MetricCollection

from nnfw.tasks.base import STAGES, SupervisedTask

#: data an autoencoder can learn from: any rows or images; their targets, if any, are ignored
UNSUPERVISED_INPUTS = ("binary", "multiclass", "regression", "multitarget", "unsupervised", "denoising")


def reconstruction_target(batch: tuple[torch.Tensor, torch.Tensor], denoising: bool) -> torch.Tensor:
    """What a batch's rows should be rebuilt as: themselves, or the clean rows of corrupted ones."""
    return batch[1] if denoising else batch[0]


def bernoulli_decoder(loss: str, unit_range: bool) -> bool:
    """Whether outputs are logits of values in [0, 1] (BCE) rather than the values (MSE): `auto`
    chooses BCE for data that lies in [0, 1] (unstandardized pixels, binary data)."""
    return loss == "bce" or (loss == "auto" and unit_range)


def decoded_values(outputs: torch.Tensor, bernoulli: bool) -> torch.Tensor:
    """A decoder's outputs as values: the probabilities of a Bernoulli decoder's logits."""
    return torch.sigmoid(outputs) if bernoulli else outputs


class Reconstruction(SupervisedTask):
    """Reconstruction error as the loss: mean squared error, or binary cross-entropy on logits
    for data in [0, 1]; `mse` per split, and for corrupted data `corrupted_mse`, the error of
    the corrupted rows themselves, which a useful denoiser beats."""

    accepts = UNSUPERVISED_INPUTS
    predicts_targets = False

    def __init__(self, *args: Any, loss: str = "auto", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bernoulli = bernoulli_decoder(loss, self.spec.unit_range)
        self.denoising = self.spec.task == "denoising"
        self.corrupted = nn.ModuleDict({f"{stage}_": MeanSquaredError() for stage in STAGES})

    def build_metrics(self) -> MetricCollection:
        return MetricCollection({"mse": MeanSquaredError()})

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        if self.bernoulli:
            return nn.functional.binary_cross_entropy_with_logits(outputs, targets)
        return nn.functional.mse_loss(outputs, targets)

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        return decoded_values(outputs, self.bernoulli)

    def _evaluate(self, batch: tuple[torch.Tensor, torch.Tensor], stage: str) -> torch.Tensor:
        inputs, target = batch[0], reconstruction_target(batch, self.denoising)
        if self.denoising and (stage != "train" or self.tracking_train_metrics):
            self.corrupted[f"{stage}_"].update(inputs, target)
        return super()._evaluate((inputs, target), stage)

    def epoch_metrics(self, stage: str, kept: Any) -> dict[str, torch.Tensor]:
        values = super().epoch_metrics(stage, kept)
        if self.denoising:
            values[f"{stage}/corrupted_mse"] = self.corrupted[f"{stage}_"].compute()
            self.corrupted[f"{stage}_"].reset()
        return values
