"""A checkpoint's metrics on one split, computed as the training run computed its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning.pytorch as pl

from nnfw.run.building import check_accelerator
from nnfw.run.callbacks import DataOnDevice
from nnfw.run.restore import Restored
from nnfw.run.train import quiet


def inference_trainer(restored: Restored, accelerator: str | None) -> pl.Trainer:
    """One device, no logger or checkpoints; precision and (by default) accelerator as trained."""
    trained = restored.config.trainer
    check_accelerator(accelerator or trained.accelerator, key="accelerator")  # trained on a GPU, evaluated here?
    return pl.Trainer(accelerator=accelerator or trained.accelerator, devices=1, precision=trained.precision,
                      logger=False, enable_checkpointing=False, enable_progress_bar=False,
                      enable_model_summary=False, callbacks=[DataOnDevice()])


def evaluate(restored: Restored, split: str, accelerator: str | None = None) -> dict[str, float]:
    """`split` ('test' or 'val') metrics of the restored model, with its training-time preprocessing."""
    quiet()
    trainer = inference_trainer(restored, accelerator)
    run = trainer.test if split == "test" else trainer.validate
    results: dict[str, Any] = {}
    for result in run(restored.task, datamodule=restored.datamodule, verbose=False):
        results.update({k: float(v) for k, v in result.items()})
    return dict(sorted(results.items()))


def eval_record(checkpoint: Path, split: str, metrics: dict[str, float]) -> dict[str, Any]:
    """What eval.json holds."""
    return {"checkpoint": str(checkpoint), "split": split, "metrics": metrics}
