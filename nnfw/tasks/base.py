"""What every supervised task shares: steps, metric logging, L1, optimizer and scheduler wiring."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import partial
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.plugins.precision import MixedPrecision
from torch import nn
from torchmetrics import MetricCollection

from nnfw.data.spec import DataSpec, TaskKind
from nnfw.errors import UserError
from nnfw.tasks.finetuning import parameter_groups, per_group_rates, scale_group_rates
from nnfw.tasks.fusion import FusedSteps

STAGES = ("train", "val", "test")
OptimizerFactory = Callable[..., torch.optim.Optimizer]


def weights_mismatch(expected: dict[str, torch.Tensor], stored: dict[str, torch.Tensor]) -> str | None:
    """The first difference between a model's weights and a checkpoint's (a name or a shape), or None."""
    missing = sorted(set(expected) - set(stored))
    unexpected = sorted(set(stored) - set(expected))
    resized = sorted(k for k in set(expected) & set(stored) if expected[k].shape != stored[k].shape)
    if missing:
        return f"missing {missing[0]}"
    if unexpected:
        return f"unexpected {unexpected[0]}"
    if resized:
        return f"{resized[0]} is {tuple(stored[resized[0]].shape)}, not {tuple(expected[resized[0]].shape)}"
    return None


class EpochOutputs:
    """A stage's detached outputs, targets and summed losses over one epoch.

    With `keep_outputs=False` only the losses are kept: tasks whose metrics follow from the
    loss alone (language models) need not hold an epoch of logits in memory.
    """

    def __init__(self, keep_outputs: bool = True) -> None:
        self.keep_outputs = keep_outputs
        self.clear()

    def clear(self) -> None:
        self.outputs: list[torch.Tensor] = []
        self.targets: list[torch.Tensor] = []
        self.loss_sums: list[torch.Tensor] = []
        self.count = 0

    def add(self, outputs: torch.Tensor, targets: torch.Tensor, loss: torch.Tensor) -> None:
        if self.keep_outputs:
            self.outputs.append(outputs.detach())
            self.targets.append(targets)
        self.loss_sums.append(loss.detach() * len(targets))
        self.count += len(targets)

    def mean_loss(self) -> torch.Tensor:
        return torch.stack(self.loss_sums).sum() / self.count

    def collect(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """All outputs, all targets, and the mean loss per sample."""
        return torch.cat(self.outputs), torch.cat(self.targets), self.mean_loss()


class SupervisedTask(FusedSteps, pl.LightningModule):
    """Trains `model` on (features, targets) batches; subclasses give the loss and the metrics.

    `optimizer` is a partial that takes the parameters; `scheduler` is Lightning's scheduler
    dict with a partial under "scheduler" that takes the optimizer (None for a constant rate).
    `config` is the run's resolved config, stored in every checkpoint so that it can be rebuilt.
    The pipeline may fuse its steps into blocks (`FusedSteps.fuse`).
    """

    #: the data kinds this task can train on
    accepts: tuple[TaskKind, ...] = ()
    #: whether `epoch_metrics` needs the epoch's outputs, or the mean loss is enough
    keeps_outputs: bool = True
    #: whether the model predicts the data's targets (False: it rebuilds or generates rows)
    predicts_targets: bool = True

    def __init__(self, model: nn.Module, spec: DataSpec, optimizer: OptimizerFactory,
                 scheduler: dict[str, Any] | None = None, l1: float = 0.0,
                 config: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.model, self.spec = model, spec
        self.optimizer_factory, self.scheduler_config = optimizer, scheduler
        self.l1, self.config = l1, config or {}
        # keyed "train_" etc.: a ModuleDict key may not shadow nn.Module.train
        self.metrics = nn.ModuleDict({f"{stage}_": self.stage_metrics(stage) for stage in STAGES})
        self.epoch_outputs = {stage: EpochOutputs(self.keeps_outputs) for stage in STAGES}
        self.samples_seen = 0
        self.tracking_train_metrics = True
        self.fuse((None, None))

    # ------------------------------------------------------------------ per task kind

    def build_metrics(self) -> MetricCollection:
        raise NotImplementedError

    def stage_metrics(self, stage: str) -> nn.Module:
        """One stage's metrics, which log as `stage/name`."""
        return self.build_metrics().clone(prefix=f"{stage}/")

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        """What metrics compare with the targets: probabilities, class scores or values."""
        raise NotImplementedError

    def targets_in_units(self, targets: torch.Tensor) -> torch.Tensor:
        """Targets as the metrics compare them with `predictions`: in the data's own units."""
        return targets

    def exportable(self) -> nn.Module:
        """The model as exported files run it: inputs as the model reads them, outputs as `predictions` reads them."""
        return self.model

    # ------------------------------------------------------------------ steps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)

    def outputs(self, features: torch.Tensor, stage: str) -> torch.Tensor:
        """The model's outputs for a batch of `stage`; a task that carries state between batches overrides it."""
        return self.model(features)

    def _evaluate(self, batch: tuple[torch.Tensor, torch.Tensor], stage: str) -> torch.Tensor:
        """Loss of a batch; its outputs are kept for the metrics computed when the epoch ends.

        Nothing is logged or computed per batch here: one metrics update and one `log_dict`
        per epoch keep torchmetrics' and Lightning's per-call costs out of the step.
        """
        features, targets = batch
        outputs = self.outputs(features, stage)
        loss = self.loss(outputs, targets)
        if stage != "train" or self.tracking_train_metrics:
            self.epoch_outputs[stage].add(outputs, targets, loss)
        return loss

    def on_train_epoch_start(self) -> None:
        """Training metrics are gathered on the epochs that validate (and the last one).

        A 5000-epoch full-batch run would otherwise spend most of its time computing and
        logging metrics of epochs nobody looks at.
        """
        epoch, every = self.current_epoch + 1, self.trainer.check_val_every_n_epoch or 1
        self.tracking_train_metrics = epoch % every == 0 or epoch == self.trainer.max_epochs

    def epoch_metrics(self, stage: str, kept: EpochOutputs) -> dict[str, torch.Tensor]:
        """The loss and every metric of one stage's epoch, from what it kept."""
        outputs, targets, loss = kept.collect()
        metrics = self.metrics[f"{stage}_"]
        metrics.update(self.predictions(outputs), self.targets_in_units(targets))
        values = {f"{stage}/loss": loss, **metrics.compute()}
        metrics.reset()
        return values

    def _log_epoch(self, stage: str) -> None:
        kept = self.epoch_outputs[stage]
        if not kept.count:
            return
        values = self.epoch_metrics(stage, kept)
        kept.clear()
        self.log_dict(values, prog_bar=stage != "test", sync_dist=True)  # the loss is per process

    def training_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> torch.Tensor:
        if self.fused:
            return self.fused_step(batch, batch_idx)
        return self._training_loss(batch, log_step=self.trainer.global_step % self.trainer.log_every_n_steps == 0)

    def _training_loss(self, batch: tuple[torch.Tensor, torch.Tensor], log_step: bool) -> torch.Tensor:
        """The loss to minimize on `batch`; `log_step` also logs it as train/loss_step."""
        loss = self._evaluate(batch, "train")
        self.samples_seen += len(batch[0])
        if log_step:
            self.log("train/loss_step", loss, on_step=True, on_epoch=False, prog_bar=False)
        if self.l1:
            loss = loss + self.l1 * sum(p.abs().sum() for p in self.model.parameters() if p.ndim > 1)
        return loss

    def validation_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        self._evaluate(batch, "val")

    def test_step(self, batch: tuple[torch.Tensor, torch.Tensor], batch_idx: int) -> None:
        self._evaluate(batch, "test")

    def on_train_epoch_end(self) -> None:
        if self.tracking_train_metrics:
            self._log_epoch("train")
        self.step_plateau_schedulers()

    def on_validation_epoch_end(self) -> None:
        self._log_epoch("val")

    def on_test_epoch_end(self) -> None:
        self._log_epoch("test")

    # ------------------------------------------------------------------ optimisation

    def build_optimizer(self, factory: OptimizerFactory, parameters: Any) -> torch.optim.Optimizer:
        """`factory`'s optimizer on `parameters`. A fused optimizer unscales gradients inside its
        step, so under mixed precision Lightning refuses to clip its gradients (and language
        models always clip): there it runs torch's default implementation instead."""
        if getattr(factory, "keywords", {}).get("fused") and isinstance(self.trainer.precision_plugin, MixedPrecision):
            factory = partial(factory, fused=None)
        return factory(parameters)

    def configure_optimizers(self) -> Any:
        """The optimizer (a backbone's parameters in a group of their own rate, see
        nnfw.tasks.finetuning) and its scheduler."""
        optimizer = self.build_optimizer(self.optimizer_factory, parameter_groups(self, self.model))
        scale_group_rates(optimizer)
        if not self.scheduler_config:
            return optimizer
        config = dict(self.scheduler_config)
        if not self.automatic_optimization:  # fused steps step schedulers themselves
            config = {key: value for key, value in config.items() if key not in ("monitor", "strict")}
        factory = config.pop("scheduler")
        config["scheduler"] = factory(optimizer, **self._run_length(factory), **per_group_rates(factory, optimizer))
        return {"optimizer": optimizer, "lr_scheduler": config}

    def _run_length(self, factory: partial) -> dict[str, int]:
        """Schedules that span the whole run (one-cycle) get its length in steps."""
        if "total_steps" in inspect.signature(factory.func).parameters and "total_steps" not in factory.keywords:
            return {"total_steps": self.optimizer_steps(int(self.trainer.estimated_stepping_batches))}
        return {}

    # ------------------------------------------------------------------ checkpoints

    def on_load_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Weights that do not fit this model are refused with the first mismatch named.

        Lightning calls this before loading the state dict, whose own error is a long RuntimeError.
        """
        detail = weights_mismatch(self.state_dict(), checkpoint["state_dict"])
        if detail:
            raise UserError(f"checkpoint {self.trainer.ckpt_path} does not fit this model ({detail})",
                            "resume with the model and data options the checkpoint was trained with")
        stored = checkpoint.get("nnfw", {}).get("epochs_per_step", 1)
        if stored != self.epochs_per_step:  # Lightning's epoch count means another number of epochs
            raise UserError(f"checkpoint {self.trainer.ckpt_path} trained {stored} full-batch epoch(s) per step, "
                            f"this run {self.epochs_per_step}",
                            f"resume with fuse_epochs={stored} and the trainer.max_epochs and "
                            "trainer.check_val_every_n_epoch it was trained with")

    def on_save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Everything needed to rebuild this run's model and data from a checkpoint alone."""
        from nnfw import __version__

        checkpoint["nnfw"] = {"version": __version__, "config": self.config, "spec": self.spec.to_dict(),
                              "epochs_per_step": self.epochs_per_step}


class SingleTarget(SupervisedTask):
    """A task of one target whose loss, metrics and predictions follow from a data spec alone, so
    that a task of several targets (nnfw.tasks.multitarget) applies them to each target's own spec."""

    @staticmethod
    def metrics_for(spec: DataSpec) -> MetricCollection:
        raise NotImplementedError

    @staticmethod
    def loss_for(spec: DataSpec, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    @staticmethod
    def predictions_for(spec: DataSpec, outputs: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    @staticmethod
    def targets_in_units_for(spec: DataSpec, targets: torch.Tensor) -> torch.Tensor:
        return targets

    def build_metrics(self) -> MetricCollection:
        return self.metrics_for(self.spec)

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return self.loss_for(self.spec, outputs, targets)

    def predictions(self, outputs: torch.Tensor) -> torch.Tensor:
        return self.predictions_for(self.spec, outputs)

    def targets_in_units(self, targets: torch.Tensor) -> torch.Tensor:
        return self.targets_in_units_for(self.spec, targets)
