"""The callbacks that run a fit: the progress bar, the model summary, early stopping, the stop at
a NaN loss, in-memory data moved to the device once, and throughput. Pictures are views' callbacks
(nnfw.views), checkpoints artifacts' (nnfw.artifacts.saving)."""

from __future__ import annotations

import time
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping, RichModelSummary, RichProgressBar, Timer
from lightning.pytorch.callbacks.progress.rich_progress import ProcessingSpeedColumn
from lightning.pytorch.utilities.seed import isolate_rng
from rich.text import Text

from nnfw.artifacts.saving import saved_checkpoints
from nnfw.errors import UserError
from nnfw.privates import stop_refreshing_at_once


def early_stopping(enabled: bool, monitor: str, patience: int, min_delta: float = 0.0,
                   mode: str = "min", **_: object) -> EarlyStopping | None:
    """Lightning's EarlyStopping when `regularization.early_stopping.enabled`, else nothing.

    Restoring the best weights is done by evaluating the best checkpoint (`restore_best`),
    so it is accepted here and not passed on.
    """
    if not enabled:
        return None
    return EarlyStopping(monitor=monitor, patience=patience, min_delta=min_delta, mode=mode,
                         check_on_train_epoch_end=False)


class ModelSummary(RichModelSummary):
    """Lightning's rich model summary. It counts FLOPs and sizes on the task's example input (a
    training sample, `nnfw.run.train.example_input`) in a forward pass of its own, which here
    leaves the run's random streams as they were: a model that samples (a VAE's noise) trains
    the same with the summary as without."""

    def on_fit_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        with isolate_rng():
            super().on_fit_start(trainer, pl_module)

    @staticmethod
    def summarize(summary_data: list[tuple[str, list[str]]], total_parameters: int, trainable_parameters: int,
                  model_size: float, total_training_modes: dict[str, int], total_flops: int,
                  **summarize_kwargs: Any) -> None:
        """Lightning's summary; without FLOPs where none were counted. torch's counter counts matrix
        products and convolutions, so a recommender's embedding lookups and a model without an
        example input (images read from disk) would show "0", which is not what they compute.
        Lightning's summary has no option to leave the column out: the table is drawn here then."""
        if total_flops:
            RichModelSummary.summarize(summary_data, total_parameters, trainable_parameters, model_size,
                                       total_training_modes, total_flops, **summarize_kwargs)
            return
        from lightning.pytorch.utilities.model_summary import get_formatted_model_size, get_human_readable_count
        from rich import get_console
        from rich.table import Table

        shown = [(name, values) for name, values in summary_data if name != "FLOPs"]
        table = Table(header_style=summarize_kwargs.get("header_style", "bold magenta"))
        for name, _ in shown:
            table.add_column(name, style="dim" if name == " " else None, no_wrap=name == "Name",
                             justify="left" if name in (" ", "Name", "Type", "Mode") else "right")
        for row in zip(*(values for _, values in shown)):
            table.add_row(*row)
        totals = Table.grid(expand=True)
        totals.add_column()
        for label, value in (("Trainable params", get_human_readable_count(trainable_parameters)),
                             ("Non-trainable params", get_human_readable_count(total_parameters - trainable_parameters)),
                             ("Total params", get_human_readable_count(total_parameters)),
                             ("Total estimated model params size (MB)", get_formatted_model_size(model_size)),
                             ("Modules in train mode", total_training_modes["train"]),
                             ("Modules in eval mode", total_training_modes["eval"])):
            totals.add_row(f"[bold]{label}[/]: {value}")
        console = get_console()
        console.print(table)
        console.print(totals)


def duration(seconds: float) -> str:
    """12 s, 4:05, 1:02:03: as rich shows its own remaining times."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}" if minutes else f"{secs} s"


class EpochProgressBar(RichProgressBar):
    """Rich's progress bar, counting epochs as the user set them when a task trains several
    full-batch epochs per Lightning epoch (`fuse_epochs`), and showing beside the epoch's
    remaining time the whole run's (`run left`): its Lightning steps still to come at the pace
    of those done so far, or the time `trainer.max_time` leaves if that ends the run first."""

    def teardown(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        if self.progress is not None:  # each stage's end, without waiting out a refresh thread's sleep
            stop_refreshing_at_once(self.progress)
        super().teardown(trainer, pl_module, stage)

    def on_train_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        super().on_train_start(trainer, pl_module)
        self.run_started, self.steps_done, self.first_epoch = time.perf_counter(), 0, trainer.current_epoch

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        self.steps_done += 1
        super().on_train_batch_end(trainer, pl_module, outputs, batch, batch_idx)

    def run_left(self, trainer: pl.Trainer) -> float | None:
        """Seconds the run has left, or None before the first step or without an end in epochs."""
        limits = []
        if self.steps_done and trainer.max_epochs and trainer.max_epochs > 0:
            total = (trainer.max_epochs - self.first_epoch) * trainer.num_training_batches
            pace = (time.perf_counter() - self.run_started) / self.steps_done
            limits.append(max(0, total - self.steps_done) * pace)
        timer = next((c for c in trainer.callbacks if isinstance(c, Timer)), None)
        if timer is not None and timer.time_remaining("train") is not None:
            limits.append(timer.time_remaining("train"))
        return min(limits) if limits else None

    def get_metrics(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> dict[str, Any]:
        metrics = super().get_metrics(trainer, pl_module)
        left = self.run_left(trainer) if trainer.training else None
        return {**metrics, "run left": duration(left)} if left is not None else metrics

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        """Lightning's bar for the epoch, its description counting the user's epochs (public
        attributes of RichProgressBar only: `progress` and `train_progress_bar_id`)."""
        super().on_train_epoch_start(trainer, pl_module)
        if self.progress is not None and self.train_progress_bar_id is not None:
            self.progress.update(self.train_progress_bar_id, description=self.epoch_description(trainer))

    def configure_columns(self, trainer: pl.Trainer) -> list:
        return [MeasuredSpeedColumn(style=self.theme.processing_speed) if isinstance(column, ProcessingSpeedColumn)
                else column for column in super().configure_columns(trainer)]

    def epoch_description(self, trainer: pl.Trainer) -> str:
        per_step = getattr(trainer.lightning_module, "epochs_per_step", 1)
        description = f"Epoch {trainer.current_epoch * per_step}"
        if trainer.max_epochs is not None:
            description += f"/{trainer.max_epochs * per_step - 1}"
        return f"{description:{len(self.validation_description)}}"  # padded as Lightning pads it


class MeasuredSpeedColumn(ProcessingSpeedColumn):
    """Steps per second once rich has measured them, and nothing before: Lightning's column shows
    "0.00it/s" for a bar whose steps it has not timed yet (one fused step an epoch, a short validation)."""

    def render(self, task: Any) -> Text:
        return super().render(task) if task.speed is not None else Text("")


def progress_bar(enabled: bool, refresh_rate: int = 1, leave: bool = False) -> RichProgressBar | None:
    """The rich progress bar, unless `trainer.enable_progress_bar=false` turns it off."""
    return EpochProgressBar(refresh_rate=refresh_rate, leave=leave) if enabled else None


class DataOnDevice(Callback):
    """Moves an in-memory datamodule's tensors to the model's device before each stage."""

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        datamodule = trainer.datamodule
        if datamodule is not None and hasattr(datamodule, "to"):
            datamodule.setup(stage)
            datamodule.to(pl_module.device)


class Throughput(Callback):
    """Training samples per second (and tokens, for language models) on the epochs that validate.

    Timed over whole epochs with validation left out, and synchronized once per epoch:
    Lightning's ThroughputMonitor synchronizes CUDA after every step, which a fast loop
    cannot afford. Samples are the task's own count, which fused full-batch epochs keep too.
    """

    def __init__(self) -> None:
        self.started = self.validating = 0.0
        self.samples = 0
        self.tokens_per_sample = 1

    @staticmethod
    def _now(pl_module: pl.LightningModule) -> float:
        if pl_module.device.type == "cuda":
            torch.cuda.synchronize(pl_module.device)
        return time.perf_counter()

    def on_train_epoch_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.samples = getattr(pl_module, "samples_seen", 0)
        self.validating = 0.0
        self.started = self._now(pl_module)

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        targets = (batch[-1] if isinstance(batch, list) else batch)[1]  # a list: a block of batches
        self.tokens_per_sample = targets[0].numel() if targets.ndim > 1 else 1

    def on_validation_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.validation_started = self._now(pl_module)

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.validating += self._now(pl_module) - self.validation_started

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        samples = getattr(pl_module, "samples_seen", 0) - self.samples
        if not getattr(pl_module, "tracking_train_metrics", True) or not samples:
            return
        rate = samples * trainer.world_size / (self._now(pl_module) - self.started - self.validating)
        rates = {"throughput/samples_per_s": rate}
        if getattr(pl_module, "spec", None) is not None and pl_module.spec.task == "language_model":
            rates["throughput/tokens_per_s"] = rate * self.tokens_per_sample
        pl_module.log_dict(rates, on_epoch=True)


class TrainingDiverged(UserError):
    """The loss became NaN or infinite."""


class StopOnNonFiniteLoss(Callback):
    """Stops training at the first NaN or infinite loss, before it reaches a checkpoint.

    The check is kept on the device and read every `check_every` steps and before every
    validation (hence before any checkpoint), so it costs no synchronisation per step.
    """

    def __init__(self, check_every: int = 50) -> None:
        self.check_every = check_every
        self.first_bad_step: torch.Tensor | None = None

    def on_train_batch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule, outputs: Any,
                           batch: Any, batch_idx: int) -> None:
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs  # none for manual steps
        if loss is None:
            return
        if self.first_bad_step is None:
            self.first_bad_step = torch.full((), -1, dtype=torch.long, device=loss.device)
        bad = ~torch.isfinite(loss.detach()) & (self.first_bad_step < 0)
        self.first_bad_step = torch.where(bad, trainer.global_step, self.first_bad_step)
        if trainer.global_step % self.check_every == 0:
            self.raise_if_diverged(trainer)

    def on_train_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.raise_if_diverged(trainer)

    def on_validation_start(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        self.raise_if_diverged(trainer)

    def raise_if_diverged(self, trainer: pl.Trainer) -> None:
        if self.first_bad_step is not None and (step := int(self.first_bad_step)) >= 0:
            lr = trainer.optimizers[0].param_groups[0]["lr"] if trainer.optimizers else None
            saved = saved_checkpoints(trainer).get("last")
            raise TrainingDiverged(
                f"the training loss became NaN or infinite at step {step} (epoch {trainer.current_epoch})",
                f"lower the learning rate (it was {lr:g}) or clip gradients (regularization.gradient_clip.value=1.0)"
                + (f"; the last good weights are in {saved}" if saved else ""),
            )
