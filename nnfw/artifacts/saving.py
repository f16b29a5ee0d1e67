"""The callbacks that write a run's checkpoints besides best.ckpt (Lightning's ModelCheckpoint):
last.ckpt, which a resumed run continues from, and interrupted.ckpt on Ctrl-C or SIGTERM.

Both use Lightning's public API only: `Checkpoint` (the base class the Trainer recognises as
checkpointing, and runs after every other callback's validation hooks, so that early stopping
has decided before last.ckpt is written) and `Trainer.save_checkpoint`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
from lightning.pytorch.callbacks import Callback, Checkpoint
from lightning.pytorch.trainer.states import TrainerFn
from lightning.pytorch.utilities.exceptions import SIGTERMException


def ends_training(trainer: pl.Trainer) -> bool:
    """Whether training stops after this validation: a stop was asked for, or the epochs or steps run out."""
    epochs, steps = trainer.max_epochs, trainer.max_steps
    return (trainer.should_stop or (epochs is not None and 0 <= epochs <= trainer.current_epoch + 1)
            or 0 < steps <= trainer.global_step)


class LastCheckpoint(Checkpoint):
    """`dirpath/filename.ckpt`, the latest weights a resumed run continues from: written at the
    first validation, at the one that ends training, and in between once `every_s` seconds have
    passed since the last write (0: at every validation).

    A small model validates every few hundredths of a second, and writing its checkpoint costs as
    much as several of its steps. A run killed without warning (SIGKILL) loses at most `every_s`
    seconds of training or one validation interval, whichever is longer; Ctrl-C and SIGTERM save
    the state of the moment (InterruptCheckpoint). Training that ends between validations (a
    step or time limit) writes its final weights when it ends. Under DDP every validation is
    written, as each process must decide alike.
    """

    def __init__(self, dirpath: str | Path, filename: str = "last", every_s: float = 10.0) -> None:
        self.path = Path(dirpath) / f"{filename}.ckpt"
        self.every_s = every_s
        self.written_at: float | None = None  # time.monotonic() of this run's last write, None before it
        self.written_step = 0  # the global step last written: none is written before a step is taken

    @property
    def written(self) -> str | None:
        """The checkpoint's path once this run has written it."""
        return str(self.path) if self.written_at is not None else None

    def skips(self, trainer: pl.Trainer) -> bool:
        """Whether nothing is to be written now: no fit, a sanity check or fast_dev_run, or no step since the last write."""
        return (bool(trainer.fast_dev_run) or trainer.state.fn != TrainerFn.FITTING or trainer.sanity_checking
                or self.written_step == trainer.global_step)

    def save(self, trainer: pl.Trainer) -> None:
        trainer.save_checkpoint(self.path, weights_only=False)  # the full training state, which resuming needs
        self.written_at, self.written_step = time.monotonic(), trainer.global_step

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if self.skips(trainer):
            return
        due = (self.written_at is None or time.monotonic() - self.written_at >= self.every_s
               or ends_training(trainer) or trainer.world_size > 1)  # processes' clocks could disagree
        if due:
            self.save(trainer)

    def on_train_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        if not self.skips(trainer):  # steps since the last write
            self.save(trainer)


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
    saved = {}
    for callback in trainer.checkpoint_callbacks:
        if isinstance(callback, LastCheckpoint) and callback.written:
            saved["last"] = callback.written
        elif getattr(callback, "best_model_path", None):  # Lightning's ModelCheckpoint
            saved["best" if callback.monitor else "last"] = callback.best_model_path
    return saved
