"""Callbacks that exist only when the config turns them on, or act only for the tasks they concern."""

from __future__ import annotations

from pathlib import Path

import lightning.pytorch as pl
import torch
from lightning.pytorch.callbacks import Callback, EarlyStopping, RichProgressBar
from lightning.pytorch.loggers import TensorBoardLogger

from nnfw.pipeline.plots import line_chart


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


def progress_bar(enabled: bool, refresh_rate: int = 1, leave: bool = False) -> RichProgressBar | None:
    """The rich progress bar, unless `trainer.enable_progress_bar=false` turns it off."""
    return RichProgressBar(refresh_rate=refresh_rate, leave=leave) if enabled else None


class DataOnDevice(Callback):
    """Moves an in-memory datamodule's tensors to the model's device before each stage."""

    def setup(self, trainer: pl.Trainer, pl_module: pl.LightningModule, stage: str) -> None:
        datamodule = trainer.datamodule
        if datamodule is not None and hasattr(datamodule, "to"):
            datamodule.setup(stage)
            datamodule.to(pl_module.device)


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
