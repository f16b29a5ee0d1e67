"""Callbacks that interpret the evaluated model on its test split, after the run has tested the
checkpoint it reports (never while fitting), in the run directory and TensorBoard's image tab:

- regression: predicted_vs_actual.png and residuals.png, in the data's units;
- binary classification: roc_pr.png, the ROC and precision-recall curves with their areas (the
  average precision is logged as test/average_precision, beside the task's test/auroc);
- multiclass classification: per_class.png, precision and recall per class, and for data other
  than images (which have theirs already) confusion_matrix.png of the test split;
- image classifiers: top_losses.png, the test images the model is most wrong about;
- tables: feature_importance.png and .csv, each column's permutation importance.

Each callback does nothing for other tasks and is dropped with `callbacks.NAME=null`.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.pytorch.callbacks import Callback
from torchmetrics.functional.classification import (
    binary_auroc,
    binary_average_precision,
    binary_precision_recall_curve,
    binary_roc,
    multiclass_confusion_matrix,
    multiclass_precision,
    multiclass_recall,
)

from nnfw.views import figures, interpretation_figures, pictures
from nnfw.views.insight import publish

Batch = tuple[torch.Tensor, torch.Tensor]
#: rows per forward pass when a whole split is scored at once
CHUNK = 65536


def model_outputs(trainer: pl.Trainer, pl_module: pl.LightningModule, features: torch.Tensor) -> torch.Tensor:
    """The model's outputs for `features`, in the run's precision, as float32."""
    precision = trainer.precision_plugin
    with torch.no_grad(), precision.forward_context():
        return pl_module(precision.convert_input(features.to(pl_module.device))).float()


def split_outputs(trainer: pl.Trainer, pl_module: pl.LightningModule, batches: Iterable[Batch]) -> Batch:
    """The model's outputs and the targets over every batch of a split."""
    outputs, targets = [], []
    for features, labels in batches:
        outputs.append(model_outputs(trainer, pl_module, features))
        targets.append(labels.to(pl_module.device))
    return torch.cat(outputs), torch.cat(targets)


class Interpretation(Callback):
    """Interprets the model when testing ends, where the run tests the checkpoint it reports; only
    for the tasks `applies` accepts."""

    def applies(self, pl_module: pl.LightningModule, datamodule: Any) -> bool:
        raise NotImplementedError

    def interpret(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        raise NotImplementedError

    def on_test_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        spec = getattr(pl_module, "spec", None)
        if spec is None or not getattr(pl_module, "predicts_targets", False) or trainer.datamodule is None:
            return
        if self.applies(pl_module, trainer.datamodule):
            self.interpret(trainer, pl_module)

    def test_outputs(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> Batch:
        """The test split's outputs and targets: a sample of them where the datamodule streams its
        splits from disk and offers one (nnfw.data.streaming), every row otherwise."""
        datamodule = trainer.datamodule
        sampled = getattr(datamodule, "sample_dataloader", None)
        return split_outputs(trainer, pl_module, sampled("test") if sampled else datamodule.test_dataloader())


class RegressionPictures(Interpretation):
    """predicted_vs_actual.png and residuals.png of a regression's test split, in the data's units."""

    def applies(self, pl_module: pl.LightningModule, datamodule: Any) -> bool:
        return pl_module.spec.task == "regression"

    def interpret(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        outputs, targets = self.test_outputs(trainer, pl_module)
        predicted = pl_module.predictions(outputs).cpu().numpy()
        actual = pl_module.targets_in_units(targets).float().cpu().numpy()
        publish(trainer, "predicted_vs_actual", interpretation_figures.predicted_vs_actual(actual, predicted))
        publish(trainer, "residuals", interpretation_figures.residuals(actual, predicted))


class ROCPRCurves(Interpretation):
    """roc_pr.png of a binary classifier's test split: the ROC curve and its area (test/auroc), the
    precision-recall curve and its average precision, logged as test/average_precision. Computed
    exactly (torchmetrics without thresholds), as scikit-learn's roc_auc_score and
    average_precision_score compute them."""

    def applies(self, pl_module: pl.LightningModule, datamodule: Any) -> bool:
        return pl_module.spec.task == "binary"

    def interpret(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        outputs, targets = self.test_outputs(trainer, pl_module)
        scores, labels = pl_module.predictions(outputs).float().reshape(-1), targets.reshape(-1).long()
        if labels.min() == labels.max():  # one class only: neither curve is defined
            return
        average_precision = binary_average_precision(scores, labels)
        pl_module.log("test/average_precision", average_precision)  # every process: each tests the whole split
        if not trainer.is_global_zero:
            return
        fpr, tpr, _ = binary_roc(scores, labels)
        precision, recall, _ = binary_precision_recall_curve(scores, labels)
        picture = interpretation_figures.roc_pr(
            fpr.cpu().numpy(), tpr.cpu().numpy(), recall.cpu().numpy(), precision.cpu().numpy(),
            float(binary_auroc(scores, labels)), float(average_precision), float(labels.float().mean()),
            pl_module.spec.class_names)
        publish(trainer, "roc_pr", picture)


class PerClassPictures(Interpretation):
    """per_class.png of a multiclass classifier's test split: each class's precision and recall;
    for data other than images, whose confusion matrix ImagePictures draws, confusion_matrix.png
    of the same split beside it."""

    def applies(self, pl_module: pl.LightningModule, datamodule: Any) -> bool:
        return pl_module.spec.task == "multiclass"

    def interpret(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.is_global_zero:
            return
        spec = pl_module.spec
        outputs, targets = self.test_outputs(trainer, pl_module)
        predicted, targets = outputs.argmax(-1), targets.long()
        classes = spec.num_classes
        precision = multiclass_precision(predicted, targets, classes, average=None, validate_args=False)
        recall = multiclass_recall(predicted, targets, classes, average=None, validate_args=False)
        support = torch.bincount(targets, minlength=classes)
        publish(trainer, "per_class", interpretation_figures.per_class(
            precision.cpu().numpy(), recall.cpu().numpy(), support.cpu().numpy(), spec.class_names))
        if not spec.image_shape:
            matrix = multiclass_confusion_matrix(predicted, targets, classes, validate_args=False)
            publish(trainer, "confusion_matrix", figures.confusion_matrix(matrix.cpu().numpy(), spec.class_names,
                                                                          split="test"))


class TopLosses(Interpretation):
    """top_losses.png of an image classifier: the `count` test images of the highest loss, each
    under its predicted class and that class's probability, the true class beneath in the frame's
    colour (red: wrong; green: right, but unsure), in rows of `columns`."""

    CELL = 64  # pixels a side of each image: room for a class name and a probability under it

    def __init__(self, count: int = 32, columns: int = 8) -> None:
        self.count, self.columns = count, columns

    def applies(self, pl_module: pl.LightningModule, datamodule: Any) -> bool:
        return bool(pl_module.spec.image_shape) and pl_module.spec.task in ("binary", "multiclass")

    def interpret(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.is_global_zero or not self.count:
            return
        kept: list[torch.Tensor] = []  # the worst images so far, with their losses, predictions and probabilities
        for images, labels in trainer.datamodule.test_dataloader():
            outputs = model_outputs(trainer, pl_module, images)
            probabilities = class_probabilities(pl_module.predictions(outputs))
            labels = labels.to(probabilities.device).long()
            losses = -probabilities.gather(1, labels[:, None]).squeeze(1).clamp_min(1e-12).log()
            confidence, predicted = probabilities.max(-1)
            batch = [losses, images.to(probabilities.device).float(), predicted, confidence, labels]
            kept = batch if not kept else [torch.cat([old, new]) for old, new in zip(kept, batch)]
            worst = kept[0].topk(min(self.count, len(kept[0]))).indices
            kept = [values[worst] for values in kept]
        if not kept:
            return
        _, images, predicted, confidence, labels = kept
        denormalize = getattr(trainer.datamodule, "denormalize", None)
        shown = (denormalize(images) if denormalize else images).cpu().numpy()
        names = pl_module.spec.class_names
        frames = [pictures.RIGHT if p == t else pictures.WRONG for p, t in zip(predicted.tolist(), labels.tolist())]
        length = pictures.label_length(self.CELL)
        captions = [(f"{names[p][:length - 5]} {c:.2f}", names[t])
                    for p, c, t in zip(predicted.tolist(), confidence.tolist(), labels.tolist())]
        publish(trainer, "top_losses", pictures.grid(shown, frames, captions, self.columns, cell=self.CELL))


def class_probabilities(scores: torch.Tensor) -> torch.Tensor:
    """Each sample's probability of every class (n, classes): a binary classifier's p(1) as (1 - p, p)."""
    scores = scores.float()
    return scores if scores.ndim > 1 else torch.stack([1 - scores, scores], dim=1)


def column_groups(sources: Iterable[str]) -> dict[str, list[int]]:
    """Each table column -> the model inputs that come from it (a category's one-hot inputs, a
    missing-value indicator), columns in the order of their first input."""
    groups: dict[str, list[int]] = {}
    for index, column in enumerate(sources):
        groups.setdefault(column, []).append(index)
    return groups


def permutation_importance(losses: Callable[[torch.Tensor], torch.Tensor], features: torch.Tensor,
                           groups: dict[str, list[int]], repeats: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each column group's importance: how much the loss grows when the group's inputs are shuffled
    among the rows together, mean and spread over `repeats` shuffles drawn from `seed`.
    `losses(copies)` scores copies of the rows (copies, rows, inputs) at once: one loss each."""
    generator = torch.Generator().manual_seed(seed)
    baseline = losses(features[None])[0]
    increases = torch.zeros(len(groups), repeats)
    for group, inputs in enumerate(groups.values()):
        columns = torch.as_tensor(inputs, device=features.device)
        copies = features.repeat(repeats, 1, 1)
        for copy, order in zip(copies, (torch.randperm(len(features), generator=generator) for _ in range(repeats))):
            copy[:, columns] = features[order.to(features.device)][:, columns]
        increases[group] = (losses(copies) - baseline).cpu()
    return increases.mean(dim=1).numpy(), increases.std(dim=1, unbiased=False).numpy()


class FeatureImportance(Interpretation):
    """feature_importance.png and feature_importance.csv of a model on a table: how much the test
    loss grows when one column's values are shuffled among the test rows (permutation importance,
    `repeats` shuffles each). A column the data encodes as several inputs (a category's one-hot
    inputs, DataSpec.feature_sources) is shuffled as one, and counts once."""

    def __init__(self, repeats: int = 5) -> None:
        self.repeats = repeats

    def applies(self, pl_module: pl.LightningModule, datamodule: Any) -> bool:
        spec, tensors = pl_module.spec, getattr(datamodule, "tensors", None)
        if spec.task not in ("binary", "multiclass", "regression") or spec.image_shape or not tensors:
            return False
        features = tensors.get("test", (None,))[0]
        return (features is not None and features.ndim == 2 and features.is_floating_point()
                and features.shape[1] == len(spec.feature_sources) and features.shape[1] > 1)

    def interpret(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not trainer.is_global_zero or not self.repeats:
            return
        features, targets = trainer.datamodule.tensors["test"]
        features, targets = features.to(pl_module.device), targets.to(pl_module.device)

        def test_losses(copies: torch.Tensor) -> torch.Tensor:
            rows = copies.flatten(0, 1)
            outputs = torch.cat([model_outputs(trainer, pl_module, chunk) for chunk in rows.split(CHUNK)])
            return torch.stack([pl_module.loss(copy, targets) for copy in outputs.unflatten(0, copies.shape[:2])])

        groups = column_groups(pl_module.spec.feature_sources)
        mean, spread = permutation_importance(test_losses, features, groups, self.repeats)
        names = list(groups)
        with (Path(trainer.default_root_dir) / "feature_importance.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["column", "importance", "std"])
            writer.writerows([names[i], f"{mean[i]:.6g}", f"{spread[i]:.6g}"] for i in np.argsort(-mean))
        publish(trainer, "feature_importance",
                interpretation_figures.feature_importance(names, mean, spread, "loss", self.repeats))

