"""Several targets of one input at once: one network whose outputs hold one head per target.

The model stays a plain network with `spec.output_size` outputs: each target's logits or value
side by side, in the order of its targets. This task splits them by target and applies each
target's own single-target task to its share (its loss, torchmetrics and predictions); the loss
minimized is the sum of the targets' losses, each times its weight (`data.target_weights`).
Metrics log as `stage/target/metric` (`val/price/rmse`, `test/species/acc`), beside
`stage/loss`, the summed loss the checkpoints monitor, and each target's own `stage/target/loss`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import torch
from torch import nn

from nnfw.data.spec import DataSpec
from nnfw.tasks.base import EpochOutputs, SingleTarget, SupervisedTask
from nnfw.tasks.classification import BinaryClassification, MulticlassClassification
from nnfw.tasks.regression import Regression, Unscale

#: the task of one target, by its kind
HEAD_TASKS: dict[str, type[SingleTarget]] = {"binary": BinaryClassification, "multiclass": MulticlassClassification,
                                             "regression": Regression}


@dataclass(frozen=True)
class Head:
    """One target: its name, its task, its own spec, its column of the targets and its outputs."""

    name: str
    task: type[SingleTarget]
    spec: DataSpec
    column: int
    outputs: slice
    weight: float

    def targets(self, targets: torch.Tensor) -> torch.Tensor:
        """This target's column: class indices of a multiclass target as integers, as its loss takes them."""
        column = targets[:, self.column]
        return column.long() if self.spec.task == "multiclass" else column

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return self.task.loss_for(self.spec, outputs[:, self.outputs], self.targets(targets))

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        """Probabilities or values in the data's units, one column each: (rows, this target's outputs)."""
        predicted = self.task.predictions_for(self.spec, outputs[:, self.outputs])
        return predicted.reshape(len(outputs), -1)


class MultiTarget(SupervisedTask):
    """One head per target of multitarget data, each trained and measured as its own task would."""

    accepts = ("multitarget",)

    @cached_property
    def heads(self) -> tuple[Head, ...]:
        heads, start = [], 0
        for index, target in enumerate(self.spec.targets):
            heads.append(Head(target.name, HEAD_TASKS[target.kind], self.spec.target_spec(index), index,
                              slice(start, start + target.output_size), target.weight))
            start += target.output_size
        return tuple(heads)

    def stage_metrics(self, stage: str) -> nn.Module:
        """Each head's metrics, logged as `stage/target/metric`, in the order of the heads."""
        return nn.ModuleList([head.task.metrics_for(head.spec).clone(prefix=f"{stage}/{head.name}/")
                              for head in self.heads])

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return sum(head.weight * head.loss(outputs, targets) for head in self.heads)

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        """Every head's predictions side by side: a classification's probabilities (a binary
        target's of its class 1), a regression's value in the data's units."""
        return torch.cat([head.predictions(outputs) for head in self.heads], dim=-1)

    def epoch_metrics(self, stage: str, kept: EpochOutputs) -> dict[str, torch.Tensor]:
        """The summed loss, and each target's loss and metrics."""
        outputs, targets, loss = kept.collect()
        values = {f"{stage}/loss": loss}
        for head, metrics in zip(self.heads, self.metrics[f"{stage}_"]):
            values[f"{stage}/{head.name}/loss"] = head.loss(outputs, targets)
            metrics.update(head.task.predictions_for(head.spec, outputs[:, head.outputs]),
                           head.task.targets_in_units_for(head.spec, head.targets(targets)))
            values.update(metrics.compute())
            metrics.reset()
        return values

    def exportable(self) -> nn.Module:
        """The model with each regression head's value in the data's units (class heads give logits)."""
        if not self.spec.target_mean:
            return self.model
        mean, std = [0.0] * self.spec.output_size, [1.0] * self.spec.output_size
        for head in self.heads:
            if head.spec.target_mean:
                mean[head.outputs.start], std[head.outputs.start] = head.spec.target_mean[0], head.spec.target_std[0]
        return nn.Sequential(self.model, Unscale(tuple(mean), tuple(std)))
