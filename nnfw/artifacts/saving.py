"""The callbacks that write a run's checkpoints besides best.ckpt (Lightning's ModelCheckpoint):
last.ckpt, which a resumed run continues from, and interrupted.ckpt on Ctrl-C or SIGTERM."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.callbacks import Callback, ModelCheckpoint
from lightning.pytorch.utilities.exceptions import SIGTERMException


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


def saved_checkpoints(trainer: Any) -> dict[str, str]:
    """Paths of the run's checkpoints: "best" (by the monitored metric) and "last" (the latest)."""
    return {("best" if callback.monitor else "last"): callback.best_model_path
            for callback in trainer.checkpoint_callbacks if callback.best_model_path}
