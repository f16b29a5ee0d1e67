"""What goes on inside a training network, cheap enough to stay on: per-layer gradient and weight
norms, the fraction of dead ReLU units, and for recurrent models the gradient through time.

Norms are read at one optimizer step of each validating epoch and dead units while validating,
so the training loop pays nothing on the other steps. Histograms of weights
and activations are opt-in (`histograms_every`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import TensorBoardLogger
from torch import nn

from nnfw.models.layers import ACTIVATION_LAYERS
from nnfw.views import figures
from nnfw.views.insight import publish


def weight_layers(model: nn.Module) -> dict[str, torch.Tensor]:
    """Each layer's weight matrix or kernel (biases and norms' scales left out), by its module's name."""
    return {name.removesuffix(".weight"): p for name, p in model.named_parameters() if p.ndim > 1}


def layer_norms(model: nn.Module) -> dict[str, float]:
    """diag/grad_norm/LAYER and diag/weight_norm/LAYER of every layer that has a gradient."""
    layers = {name: p for name, p in weight_layers(model).items() if p.grad is not None}
    if not layers:
        return {}
    norms = torch.stack([torch.stack([p.grad.detach().norm(), p.detach().norm()]) for p in layers.values()]).tolist()
    values = {}
    for name, (gradient, weight) in zip(layers, norms):
        values[f"diag/grad_norm/{name}"] = gradient
        values[f"diag/weight_norm/{name}"] = weight
    return values


def record(trainer: pl.Trainer, values: dict[str, float]) -> None:
    """Values to every logger at this step and to the callback metrics that history.csv is read from.

    Lightning's `log` would cost about a millisecond a value in checks and reductions; these
    values are read once and need neither.
    """
    if not values:
        return
    for logger in trainer.loggers:
        logger.log_metrics(values, step=trainer.global_step)
    trainer.callback_metrics.update({k: torch.tensor(v) for k, v in values.items()})


class ActivationWatch:
    """Watches the outputs of every `kinds` module of a model while attached: which units (features,
    or channels of a feature map) were ever above zero, and each module's first output."""

    def __init__(self, model: nn.Module, kinds: tuple[type[nn.Module], ...]) -> None:
        self.alive: dict[str, torch.Tensor] = {}
        self.first: dict[str, torch.Tensor] = {}
        self.hooks = [module.register_forward_hook(lambda m, i, o, name=name: self.see(name, o.detach()))
                      for name, module in model.named_modules() if isinstance(module, kinds)]

    def see(self, name: str, outputs: torch.Tensor) -> None:
        self.first.setdefault(name, outputs)
        per_unit = outputs.transpose(0, 1).flatten(1) if outputs.ndim > 2 else outputs.T
        active = (per_unit > 0).any(dim=1)
        self.alive[name] = self.alive[name] | active if name in self.alive else active

    def dead_fractions(self) -> dict[str, torch.Tensor]:
        """diag/dead_relu/LAYER: the share of units that were zero for every sample seen."""
        return {f"diag/dead_relu/{name}": (~alive).float().mean() for name, alive in self.alive.items()}

    def detach(self) -> None:
        for hook in self.hooks:
            hook.remove()


def dead_relu_fractions(model: nn.Module, inputs: torch.Tensor) -> dict[str, float]:
    """diag/dead_relu/LAYER for each ReLU of `model` on one batch of `inputs`."""
    watch = ActivationWatch(model, (nn.ReLU,))
    try:
        with torch.no_grad():
            model(inputs)
    finally:
        watch.detach()
    return {name: float(share) for name, share in watch.dead_fractions().items()}


def gradients_through_time(model: nn.Module, loss: Any, inputs: torch.Tensor, targets: torch.Tensor) -> np.ndarray | None:
    """The norm of the gradient of the last time step's loss with respect to the recurrent layer's
    input at each time step (vanishing: it shrinks towards the first steps); None without one."""
    recurrent = next((m for m in model.modules() if isinstance(m, nn.RNNBase)), None)
    if recurrent is None:
        return None
    received: list[torch.Tensor] = []

    def keep_input(module: nn.Module, args: tuple[Any, ...]) -> tuple[Any, ...]:
        leaf = args[0].detach().requires_grad_()
        received.append(leaf)
        return (leaf, *args[1:])

    hook = recurrent.register_forward_pre_hook(keep_input)
    was_training = model.training
    model.train()  # cuDNN's recurrent backward runs in training mode only
    try:
        with torch.enable_grad():
            outputs = model(inputs)
            if outputs.ndim == 3:  # one output per step: the last step's
                outputs, targets = outputs[:, -1:], targets[:, -1:]
            loss(outputs, targets).backward()
    finally:
        hook.remove()
        model.train(was_training)
        model.zero_grad(set_to_none=True)
    if not received or received[0].grad is None or received[0].ndim != 3:
        return None
    return received[0].grad.norm(dim=(0, 2)).cpu().numpy()


class TrainingDiagnostics(Callback):
    """Every `every` validations: per-layer gradient and weight norms (at the first step of the
    epoch) and the dead ReLU fraction per layer (units zero for every validation sample), in
    TensorBoard and history.csv. gradients_through_time.png for recurrent models at the end, and
    with `histograms_every: N` weight and activation histograms every N validations."""

    def __init__(self, every: int = 5, norms: bool = True, dead_units: bool = True, through_time: bool = True,
                 histograms_every: int = 0) -> None:
        self.every, self.norms, self.dead_units, self.through_time = max(1, every), norms, dead_units, through_time
        self.histograms_every = histograms_every
        self.due = False
        self.looks = self.validations = 0
        self.watch: Any = None

    def on_train_batch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule, batch: Any, batch_idx: int) -> None:
        if batch_idx == 0 and getattr(pl_module, "tracking_train_metrics", True):  # an epoch that validates
            self.looks += 1
            self.due = self.norms and (self.looks - 1) % self.every == 0

    def on_before_optimizer_step(self, trainer: pl.Trainer, pl_module: pl.LightningModule, optimizer: Any) -> None:
        if self.due:
            self.due = False
            record(trainer, layer_norms(pl_module.model))

    def on_validation_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if trainer.sanity_checking or trainer.state.fn != "fit":
            return
        self.validations += 1
        relus = (nn.ReLU,) if self.dead_units and (self.validations - 1) % self.every == 0 else ()
        kinds = tuple(ACTIVATION_LAYERS.values()) if self.histograms_due() else relus
        if kinds:
            self.watch = ActivationWatch(pl_module.model, kinds)

    def histograms_due(self) -> bool:
        return bool(self.histograms_every) and (self.validations - 1) % self.histograms_every == 0

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Dead units over the whole validation split (logged before the epoch's values are gathered)."""
        if self.watch is None:
            return
        self.watch.detach()
        relus = {key: share for key, share in self.watch.dead_fractions().items()
                 if isinstance(pl_module.model.get_submodule(key.removeprefix("diag/dead_relu/")), nn.ReLU)}
        if relus:
            record(trainer, {key: float(share) for key, share in relus.items()})
        if self.histograms_due():
            self.histograms(trainer, pl_module, self.watch.first)
        self.watch = None

    def histograms(self, trainer: pl.Trainer, pl_module: pl.LightningModule, activations: dict[str, torch.Tensor]) -> None:
        for logger in trainer.loggers:
            if isinstance(logger, TensorBoardLogger):
                for name, weight in weight_layers(pl_module.model).items():
                    logger.experiment.add_histogram(f"weights/{name}", weight.detach(), trainer.global_step)
                for name, out in activations.items():
                    logger.experiment.add_histogram(f"activations/{name}", out, trainer.global_step)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not self.through_time or not trainer.is_global_zero or trainer.datamodule is None:
            return
        inputs, targets = next(iter(trainer.datamodule.val_dataloader()))
        norms = gradients_through_time(pl_module.model, pl_module.loss, inputs.to(pl_module.device),
                                       targets.to(pl_module.device))
        if norms is not None:
            np.savetxt(Path(trainer.default_root_dir) / "gradients_through_time.csv", norms, header="gradient_norm")
            publish(trainer, "gradients_through_time", figures.gradients_through_time(norms), save=True)
