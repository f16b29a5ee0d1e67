"""Binary (sigmoid + BCE) and multiclass (softmax + cross-entropy) classification."""

from __future__ import annotations

import torch
from torch import nn
from torchmetrics import MetricCollection
from torchmetrics.classification import BinaryAccuracy, BinaryAUROC, MulticlassAccuracy, MulticlassF1Score

from nnfw.data.spec import DataSpec
from nnfw.tasks.base import SingleTarget


class BinaryClassification(SingleTarget):
    """One logit per sample; accuracy at p >= 0.5 and ROC AUC."""

    accepts = ("binary",)

    @staticmethod
    def metrics_for(spec: DataSpec) -> MetricCollection:
        return MetricCollection({"acc": BinaryAccuracy(validate_args=False), "auroc": BinaryAUROC(validate_args=False)})

    @staticmethod
    def loss_for(spec: DataSpec, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return nn.functional.binary_cross_entropy_with_logits(outputs.squeeze(-1), targets)

    @staticmethod
    def predictions_for(spec: DataSpec, outputs: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(outputs.squeeze(-1))


class MulticlassClassification(SingleTarget):
    """One logit per class; accuracy and macro-averaged F1."""

    accepts = ("multiclass",)

    @staticmethod
    def metrics_for(spec: DataSpec) -> MetricCollection:
        classes = spec.num_classes
        return MetricCollection({
            "acc": MulticlassAccuracy(num_classes=classes, average="micro", validate_args=False),
            "f1": MulticlassF1Score(num_classes=classes, average="macro", validate_args=False),
        })

    @staticmethod
    def loss_for(spec: DataSpec, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(outputs, targets)

    @staticmethod
    def predictions_for(spec: DataSpec, outputs: torch.Tensor) -> torch.Tensor:
        return outputs.softmax(dim=-1)
