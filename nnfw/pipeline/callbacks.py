"""Callbacks that exist only when the config turns them on."""

from __future__ import annotations

import lightning.pytorch as pl
from lightning.pytorch.callbacks import Callback, EarlyStopping, RichProgressBar


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
