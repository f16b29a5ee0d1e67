"""nnfw's own callbacks, and factories that turn Lightning's on or off from the config."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping, ModelCheckpoint, RichProgressBar, Timer
from lightning.pytorch.loggers import TensorBoardLogger
from lightning.pytorch.utilities.exceptions import SIGTERMException
from torch import nn
from torchmetrics.classification import MulticlassConfusionMatrix

from nnfw.errors import UserError
from nnfw.pipeline import figures, pictures
from nnfw.pipeline.checkpoints import saved_checkpoints
from nnfw.pipeline.insight import publish
from nnfw.pipeline.plots import line_chart
from nnfw.tasks.classification import BinaryClassification, MulticlassClassification


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

    def _get_train_description(self, current_epoch: int) -> str:
        per_step = getattr(self.trainer.lightning_module, "epochs_per_step", 1)
        description = f"Epoch {current_epoch * per_step}"
        if self.trainer.max_epochs is not None:
            description += f"/{self.trainer.max_epochs * per_step - 1}"
        return f"{description:{len(self.validation_description)}}"  # padded as Lightning pads it


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


def ends_training(trainer: pl.Trainer) -> bool:
    """Whether training stops after this validation: a stop was asked for, or the epochs or steps run out."""
    epochs, steps = trainer.max_epochs, trainer.max_steps
    return (trainer.should_stop or (epochs is not None and 0 <= epochs <= trainer.current_epoch + 1)
            or 0 < steps <= trainer.global_step)


class LastCheckpoint(ModelCheckpoint):
    """`last.ckpt`, the latest weights a resumed run continues from: written at the first
    validation, at the one that ends training, and in between once `every_s` seconds have passed
    since the last write (0: at every validation).

    A small model validates every few hundredths of a second, and writing its checkpoint costs as
    much as several of its steps. A run killed without warning (SIGKILL) loses at most `every_s`
    seconds of training or one validation interval, whichever is longer; Ctrl-C and SIGTERM save
    the state of the moment (InterruptCheckpoint). Training that ends between validations (a
    step or time limit) writes its final weights when it ends. Under DDP every validation is
    written, as each process must decide alike.

    It overrides ModelCheckpoint's private `_should_skip_saving_checkpoint` and `_save_checkpoint`
    and calls its `_save_topk_checkpoint` and `_monitor_candidates`; tests/test_reliability.py
    fails if a Lightning release changes them.
    """

    def __init__(self, every_s: float = 10.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.every_s = every_s
        self.written_at: float | None = None

    def _should_skip_saving_checkpoint(self, trainer: pl.Trainer) -> bool:
        if super()._should_skip_saving_checkpoint(trainer):
            return True
        due = (self.written_at is None or time.monotonic() - self.written_at >= self.every_s
               or ends_training(trainer) or trainer.world_size > 1)  # processes' clocks could disagree
        return not due

    def _save_checkpoint(self, trainer: pl.Trainer, filepath: str) -> None:
        super()._save_checkpoint(trainer, filepath)
        self.written_at = time.monotonic()

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not super()._should_skip_saving_checkpoint(trainer):  # steps since the last write
            self._save_topk_checkpoint(trainer, self._monitor_candidates(trainer))


class InterruptCheckpoint(Callback):
    """On Ctrl-C or SIGTERM, saves `dirpath/filename.ckpt`, from which `ckpt_path=...` resumes the run.

    Other exceptions save nothing: the weights of a run that failed (a NaN, say) are not worth
    resuming, and the last good checkpoint stays as it was. (Lightning's OnExceptionCheckpoint
    would also make every later fit resume from that file unasked.)
    """

    def __init__(self, dirpath: str, filename: str = "interrupted") -> None:
        self.path = Path(dirpath) / f"{filename}.ckpt"

    def on_exception(self, trainer: pl.Trainer, pl_module: pl.LightningModule, exception: BaseException) -> None:
        if isinstance(exception, (KeyboardInterrupt, SIGTERMException)):
            trainer.save_checkpoint(self.path, weights_only=False)  # the full training state


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


class TextSample(Callback):
    """After each validation while fitting, a language model writes a short sample to TensorBoard and samples.txt.

    Does nothing for tasks that cannot sample. The sample uses its own seeded generator, so
    it never changes the training run.
    """

    def __init__(self, length: int = 200, temperature: float = 0.8, prompt: str = "\n") -> None:
        self.length, self.temperature, self.prompt = length, temperature, prompt

    def on_validation_epoch_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        fitting = trainer.state.fn == "fit" and not trainer.sanity_checking
        if not fitting or not trainer.is_global_zero or not hasattr(pl_module, "sample"):
            return
        text = pl_module.sample(self.prompt, self.length, self.temperature)
        step = trainer.global_step
        for logger in trainer.loggers:
            if isinstance(logger, TensorBoardLogger):
                block = "\n".join(f"    {line}" for line in (self.prompt + text).splitlines())
                logger.experiment.add_text("sample", block, step)
        with (Path(trainer.default_root_dir) / "samples.txt").open("a", encoding="utf-8") as handle:
            handle.write(f"--- epoch {trainer.current_epoch}, step {step}\n{self.prompt}{text}\n\n")


class ForecastPlot(Callback):
    """After testing a forecaster, forecast.svg in the run directory: the test split's next
    values against the model's one-step forecasts. Does nothing for other tasks."""

    def on_test_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if pl_module.spec.task != "forecast" or not trainer.is_global_zero:
            return
        inputs, targets = trainer.datamodule.tensors["test"]
        with torch.no_grad():
            forecasts = pl_module.model(inputs.to(pl_module.device)).reshape(len(targets), -1)
        line_chart({"truth": targets.reshape(len(targets), -1)[:, 0].tolist(), "forecast": forecasts[:, 0].tolist()},
                   Path(trainer.default_root_dir) / "forecast.svg", "test split: next value, truth vs forecast")


class ImagePictures(Callback):
    """After the final validation of an image classifier (the weights it reports), pictures of it
    in the run directory and in TensorBoard's image tab: predictions.png (the first `count`
    validation images, framed green when predicted right and red when wrong), confusion_matrix.png
    (the whole validation split) and, for models with convolutions, filters.png (the first conv
    layer's filters). Does nothing for other data or tasks."""

    def __init__(self, count: int = 64, columns: int = 8) -> None:
        self.count, self.columns = count, columns

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        classifies = isinstance(pl_module, (BinaryClassification, MulticlassClassification))
        if trainer.state.fn != "validate" or not pl_module.spec.image_shape or not classifies or not trainer.is_global_zero:
            return
        datamodule, spec = trainer.datamodule, pl_module.spec
        outputs, targets, first = [], [], []
        with torch.no_grad():
            for images, labels in datamodule.val_dataloader():
                images = images.to(pl_module.device)
                outputs.append(pl_module(images))
                targets.append(labels.to(pl_module.device).long())
                if sum(len(kept) for kept in first) < self.count:
                    first.append(images)
        scores = pl_module.predictions(torch.cat(outputs))
        predicted = scores.argmax(-1) if scores.ndim > 1 else (scores >= 0.5).long()
        targets = torch.cat(targets)
        matrix = MulticlassConfusionMatrix(num_classes=spec.num_classes).to(predicted.device)(predicted, targets)
        shown = slice(0, self.count)
        drawn = {
            "predictions": pictures.predictions(datamodule.denormalize(torch.cat(first)[shown]).cpu().numpy(),
                                                predicted[shown].tolist(), targets[shown].tolist(), spec.class_names,
                                                self.columns),
            "confusion_matrix": figures.confusion_matrix(matrix.cpu().numpy(), spec.class_names),
        }
        conv = next((m for m in pl_module.model.modules() if isinstance(m, nn.Conv2d)), None)
        if conv is not None:
            drawn["filters"] = pictures.filters(conv.weight.detach().cpu().numpy(), self.columns)
        for name, picture in drawn.items():
            publish(trainer, name, picture)


class RecommenderPictures(Callback):
    """After testing a recommender, in the run directory and TensorBoard: ratings.png (the first
    `users` users x the `items` most rated items: the training ratings, and the model's predictions
    where there are none), recommendations.txt (the first `users` users' top `k` unrated items),
    and the item embeddings in TensorBoard's projector, named by title where the data has titles.
    Does nothing for other data."""

    def __init__(self, users: int = 10, items: int = 20, k: int = 5) -> None:
        self.users, self.items, self.k = users, items, k

    def on_test_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        import numpy as np
        import pandas as pd

        from nnfw.pipeline.recommend import scores, top_items

        data = trainer.datamodule
        if pl_module.spec.task not in ("rating", "ranking") or not trainer.is_global_zero:
            return
        run_dir = Path(trainer.default_root_dir)
        users = torch.arange(1, min(self.users, len(data.users)) + 1)
        items = data.popularity[1:].topk(min(self.items, len(data.items))).indices + 1
        pairs = torch.stack([users.repeat_interleave(len(items)), items.repeat(len(users))], 1)
        predicted = scores(pl_module, pairs, 4096).view(len(users), len(items)).numpy()
        given = np.full(predicted.shape, np.nan)
        trained, values = (t.cpu() for t in data.tensors["train"])
        rows, columns = {int(u): r for r, u in enumerate(users)}, {int(i): c for c, i in enumerate(items)}
        for (user, item), value in zip(trained.tolist(), values.tolist()):
            if user in rows and item in columns:
                given[rows[user], columns[item]] = value
        picture = pictures.ratings(given, predicted, [data.users[u - 1] for u in users.tolist()],
                                   [data.items[i - 1] for i in items.tolist()])
        publish(trainer, "ratings", picture)
        table = top_items(pl_module, data, pd.Series([data.users[u - 1] for u in users.tolist()]), self.k, 4096)
        (run_dir / "recommendations.txt").write_text(table.to_string(index=False) + "\n")
        for logger in trainer.loggers:
            if isinstance(logger, TensorBoardLogger):
                block = "\n".join(f"    {line}" for line in table.to_string(index=False).splitlines())
                logger.experiment.add_text("recommendations", block, trainer.global_step)
                self._projector(logger, pl_module, data)

    @staticmethod
    def _projector(logger: TensorBoardLogger, pl_module: pl.LightningModule, data: Any) -> None:
        """The first item embedding table of the model (one row per known item) in the projector."""
        count = len(data.items) + 1
        table = next((m for m in pl_module.model.modules()
                      if isinstance(m, nn.Embedding) and m.num_embeddings == count and m.embedding_dim > 1), None)
        if table is None:
            return
        names = [data.titles.get(item, item) for item in data.items]
        logger.experiment.add_embedding(table.weight[1:].detach().cpu(), metadata=names, tag="items")
