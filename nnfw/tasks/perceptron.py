"""The perceptron learning rule: per-sample updates on mistakes, no gradients."""

from __future__ import annotations

import torch

from nnfw.tasks.classification import BinaryClassification


class PerceptronRule(BinaryClassification):
    """For each sample in turn: error = y - step(x.w + b); w += lr * error * x; b += lr * error.

    The learning rate is the optimizer's `lr`. The reported loss is the error rate, the
    quantity the rule drives to zero when (and only when) the classes are linearly separable.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.automatic_optimization = False
        self.lr = float(self.optimizer_factory.keywords.get("lr", 1.0))

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return (self.model.decide(outputs.squeeze(-1)) != targets).float().mean()

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        return self.model.decide(outputs.squeeze(-1))

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        self._evaluate(batch, "train")  # the mistakes this batch makes before it is learned from
        features, targets = batch
        weight, bias = self.model.weight, self.model.bias
        for x, y in zip(features, targets):
            error = y - self.model.decide(x @ weight + bias)
            weight.add_(self.lr * error * x)
            bias.add_(self.lr * error)
        self.samples_seen += len(features)

    def configure_optimizers(self) -> None:
        return None
