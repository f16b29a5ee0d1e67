"""Binary (sigmoid + BCE) and multiclass (softmax + cross-entropy) classification."""

from __future__ import annotations

import torch
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.classification import BinaryAccuracy, BinaryAUROC, MulticlassAccuracy, MulticlassF1Score

from nnfw.tasks.base import SupervisedTask


class BinaryClassification(SupervisedTask):
    """One logit per sample; accuracy at p >= 0.5 and ROC AUC."""

    accepts = ("binary",)

    def build_metrics(self) -> MetricCollection:
        return MetricCollection({"acc": BinaryAccuracy(validate_args=False), "auroc": BinaryAUROC(validate_args=False)})

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return nn.functional.binary_cross_entropy_with_logits(outputs.squeeze(-1), targets)

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(outputs.squeeze(-1))


class MulticlassClassification(SupervisedTask):
    """One logit per class; accuracy and macro-averaged F1."""

    accepts = ("multiclass",)

    def build_metrics(self) -> MetricCollection:
        classes = self.spec.num_classes
        return MetricCollection({
            "acc": MulticlassAccuracy(num_classes=classes, average="micro", validate_args=False),
            "f1": MulticlassF1Score(num_classes=classes, average="macro", validate_args=False),
        })

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(outputs, targets)

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        return outputs.softmax(dim=-1)
