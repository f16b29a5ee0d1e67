"""The public Lightning and torch behaviour nnfw builds on, pinned so that an upgrade that changes
it fails here, by name, instead of silently moving nnfw's checkpoints or progress bar.

nnfw's last.ckpt relies on the Trainer running every `Checkpoint` after the other callbacks
(so early stopping has decided when it writes); the progress bar on RichProgressBar's public
`progress` and `train_progress_bar_id`; the hparams session on SummaryWriter's `file_writer`.
"""

from __future__ import annotations

from pathlib import Path

import pytest


def test_checkpoint_callbacks_run_after_every_other_callback(tmp_path: Path) -> None:
    import lightning.pytorch as pl
    from lightning.pytorch.callbacks import EarlyStopping

    from nnfw.artifacts.saving import LastCheckpoint

    last = LastCheckpoint(dirpath=tmp_path)
    stopping = EarlyStopping(monitor="val/loss")
    trainer = pl.Trainer(callbacks=[last, stopping], logger=False, enable_progress_bar=False,
                         enable_model_summary=False, default_root_dir=tmp_path)
    order = trainer.callbacks
    assert order.index(stopping) < order.index(last)
    assert last in trainer.checkpoint_callbacks


def test_last_checkpoint_is_written_at_the_validation_that_stops_early(tmp_path: Path) -> None:
    """EarlyStopping decides to stop in its own on_validation_end; last.ckpt, written after it, is the final state."""
    import lightning.pytorch as pl
    import torch
    from lightning.pytorch.callbacks import EarlyStopping
    from lightning.pytorch.demos.boring_classes import BoringModel

    from nnfw.artifacts.saving import LastCheckpoint, saved_checkpoints

    class Flat(BoringModel):
        def validation_step(self, batch, batch_idx):
            self.log("val/loss", torch.tensor(1.0))

    last = LastCheckpoint(dirpath=tmp_path, every_s=1e9)  # only the first and the final validation
    trainer = pl.Trainer(max_epochs=20, limit_train_batches=2, limit_val_batches=1, logger=False,
                         callbacks=[last, EarlyStopping(monitor="val/loss", patience=2)],
                         enable_progress_bar=False, enable_model_summary=False, default_root_dir=tmp_path)
    trainer.fit(Flat())
    assert trainer.current_epoch == 3  # stopped early
    assert torch.load(last.path, weights_only=False)["global_step"] == trainer.global_step == 6
    assert saved_checkpoints(trainer) == {"last": str(last.path)}


def test_the_progress_bar_counts_the_users_epochs_when_a_step_fuses_several(tmp_path: Path) -> None:
    import lightning.pytorch as pl
    from lightning.pytorch.demos.boring_classes import BoringModel

    from nnfw.run.callbacks import EpochProgressBar

    class Fused(BoringModel):
        epochs_per_step = 50

    bar = EpochProgressBar()
    trainer = pl.Trainer(max_epochs=2, limit_train_batches=1, limit_val_batches=0, logger=False, callbacks=[bar],
                         enable_checkpointing=False, enable_model_summary=False, default_root_dir=tmp_path)
    descriptions = []

    class Watch(pl.Callback):
        def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
            descriptions.append(bar.progress.tasks[bar.train_progress_bar_id].description.strip())

    trainer.callbacks.append(Watch())
    trainer.fit(Fused())
    assert descriptions == ["Epoch 0/99", "Epoch 50/99"]


def test_tensorboard_writer_has_its_event_file_writer_public(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    from lightning.pytorch.loggers import TensorBoardLogger
    from torch.utils.tensorboard.summary import hparams

    logger = TensorBoardLogger(tmp_path, name="tb", version="")
    _, start, end = hparams({"lr": 0.1}, {"val/acc": 1.0})
    for summary in (start, end):
        logger.experiment.file_writer.add_summary(summary, 0)
    logger.finalize("success")
    assert any((tmp_path / "tb").glob("events.out.tfevents.*"))
