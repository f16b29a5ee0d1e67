"""Fused steps: several optimizer steps inside one Lightning step, with the results of one each.

A small in-memory model's optimizer step takes a fraction of a millisecond, and Lightning spends
more than that around every step (its loop, hooks, logging and progress) and every epoch. A task
that mixes in `FusedSteps` can take a block of steps per Lightning step instead, as automatic
optimization would have taken them: the same batches, the same clipping, optimizer and scheduler
steps, the same values logged at the same steps. The pipeline chooses the block (see
nnfw/run/speed.py):

- full-batch data: `epochs_per_step` epochs of the one batch (`fuse_epochs`);
- mini-batches: the loader serves lists of up to `batches_per_step` consecutive batches of an
  epoch (`fuse_steps`), so epochs, validations and checkpoints stay where Lightning puts them.

Lightning's private API is touched through nnfw.privates only.
"""

from __future__ import annotations

from typing import Any

import torch
from lightning.pytorch import Trainer

from nnfw.privates import count_stepped_batches, step_counted

Batch = tuple[torch.Tensor, torch.Tensor]


def scales_gradients(trainer: Trainer) -> bool:
    """Whether the precision runs a gradient scaler (16-mixed), whose steps must go through Lightning."""
    return getattr(trainer.precision_plugin, "scaler", None) is not None


# ---------------------------------------------------------------------- the mixin

class FusedSteps:
    """Blocks of optimizer steps per Lightning step, for a LightningModule whose
    `_training_loss(batch, log_step)` gives the loss of one batch (see the module's docstring)."""

    epochs_per_step = 1
    batches_per_step = 1
    gradient_clip: tuple[float | None, str | None] = (None, None)

    def fuse(self, gradient_clip: tuple[float | None, str | None], epochs: int = 1, batches: int = 1,
             epoch_batches: int = 1) -> None:
        """Train `epochs` full-batch epochs, or `batches` of an epoch's `epoch_batches` mini-batches,
        in each Lightning step, clipping gradients to `gradient_clip` (value, algorithm) as the
        Trainer would have."""
        self.epochs_per_step, self.batches_per_step, self.gradient_clip = epochs, batches, gradient_clip
        self.epoch_batches = epoch_batches
        if self.fused:
            self.automatic_optimization = False  # the block takes its optimizer steps itself
        self._step_loss: tuple[torch.Tensor, int] | None = None  # the train/loss_step to write next

    @property
    def fused(self) -> bool:
        return self.epochs_per_step > 1 or self.batches_per_step > 1

    def fused_step(self, batch: Any, batch_idx: int) -> torch.Tensor:
        if self.epochs_per_step > 1:
            return self._fused_epochs(batch)
        return self._fused_batches(batch, batch_idx)

    def optimizer_steps(self, lightning_steps: int) -> int:
        """Optimizer steps in a run of `lightning_steps` Lightning steps (what one-cycle spans)."""
        if self.batches_per_step > 1:
            return self.trainer.max_epochs * self.epoch_batches
        return lightning_steps * self.epochs_per_step

    # ------------------------------------------------------------------ full-batch epochs

    def _fused_epochs(self, batch: Batch) -> torch.Tensor:
        """`epochs_per_step` epochs of one full batch. Plateau schedulers wait for the validation at
        the end of the block (`step_plateau_schedulers`), which is when they would have stepped;
        training metrics come from the block's last epoch, which alone goes through Lightning's
        logging (a block is one step to Lightning's logs)."""
        tracking, self.tracking_train_metrics = self.tracking_train_metrics, False
        for epoch in range(self.epochs_per_step):
            final = epoch == self.epochs_per_step - 1
            if final:
                self.tracking_train_metrics = tracking
            loss = self._training_loss(batch, log_step=final)
            self._optimizer_step(loss, through_lightning=final)
            self._step_schedulers("epoch", self.trainer.global_step)  # one step per epoch
            self._step_schedulers("step", 1)
        count_stepped_batches(self.trainer, self.epochs_per_step - 1)
        return loss.detach()

    # ------------------------------------------------------------------ mini-batches

    def _fused_batches(self, block: list[Batch], block_idx: int) -> torch.Tensor:
        """One optimizer step for each batch of `block`, the `block_idx`-th block of the epoch;
        the epoch's first and the block's last go through Lightning's hooks.

        Lightning writes a step's logged values when the step after it is due to log, and keeps
        them until the epoch ends: `_write_step_loss` does the same for train/loss_step.
        """
        first = block_idx * self.batches_per_step
        for index, batch in enumerate(block):
            step = self.trainer.global_step
            loss = self._training_loss(batch, log_step=False)
            if self.trainer.log_every_n_steps and step % self.trainer.log_every_n_steps == 0:
                self._step_loss = (loss.detach(), self.current_epoch)
            # the first step of an epoch that validates too, for callbacks that look at it (gradient norms)
            first_looked_at = first + index == 0 and self.tracking_train_metrics
            self._optimizer_step(loss, through_lightning=index == len(block) - 1 or first_looked_at)
            self._step_schedulers("step", first + index + 1)
            self._write_step_loss(step)
        if block_idx == self.trainer.num_training_batches - 1:
            self._step_schedulers("epoch", self.current_epoch + 1)  # before validation, as Lightning does
        count_stepped_batches(self.trainer, len(block) - 1)
        return loss.detach()

    def _write_step_loss(self, step: int) -> None:
        every = self.trainer.log_every_n_steps
        if not every or (step + 1) % every or self._step_loss is None or self._step_loss[1] != self.current_epoch:
            return
        values = {"train/loss_step": float(self._step_loss[0]), "epoch": self.current_epoch}
        for logger in self.trainer.loggers:
            logger.log_metrics(values, step=step)

    # ------------------------------------------------------------------ steps and schedules

    def _optimizer_step(self, loss: torch.Tensor, through_lightning: bool) -> None:
        """One optimizer step on `loss`. A block's last step goes through Lightning (its backward
        and optimizer hooks run once per block); the others are the step a hand-written loop
        takes where the precision allows: Lightning's manual backward and optimizer step cost
        about 0.3 ms in hooks and wrappers, as much as a whole step of a small model, and
        without a gradient scaler they compute exactly what these lines do."""
        optimizer = self.optimizers()
        if through_lightning or scales_gradients(self.trainer):
            optimizer.zero_grad()
            self.manual_backward(loss)
            self.configure_gradient_clipping(optimizer, *self.gradient_clip)
            optimizer.step()
            return
        optimizer.optimizer.zero_grad()
        loss.backward()
        if self.gradient_clip[0]:  # Lightning's checks of the clipping options cost 10 µs a step
            self.configure_gradient_clipping(optimizer, *self.gradient_clip)
        step_counted(optimizer)

    def _step_schedulers(self, interval: str, index: int, plateau: bool = False) -> None:
        """Step the schedulers of `interval` due at its `index`-th step or epoch (counted from 1),
        as Lightning's automatic optimization does; plateau ones read their monitored metric."""
        for config in self.trainer.lr_scheduler_configs:
            # manual optimization leaves `config.reduce_on_plateau` unset
            on_plateau = isinstance(config.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
            if on_plateau != plateau or config.interval != interval or index % config.frequency:
                continue
            if not plateau:
                config.scheduler.step()
            elif (metric := self.trainer.callback_metrics.get(self.scheduler_config.get("monitor", "val/loss"))) is not None:
                config.scheduler.step(metric)

    def step_plateau_schedulers(self) -> None:
        """Plateau schedulers, after the validation that ends a Lightning epoch."""
        if self.fused:
            epoch = self.trainer.global_step if self.epochs_per_step > 1 else self.current_epoch + 1
            self._step_schedulers("epoch", epoch, plateau=True)
