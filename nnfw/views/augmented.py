"""augmented.png: what a run's augmentation makes of its first training examples.

Drawn once, at the run's final evaluation (outside the timed fit, as the other pictures are),
with the random draws forked off the run's own: the picture changes nothing in training.
"""

from __future__ import annotations

from pathlib import Path

import lightning.pytorch as pl
import numpy as np
import torch
from lightning.pytorch.callbacks import Callback
from lightning.pytorch.loggers import TensorBoardLogger

from nnfw.views import figures, pictures
from nnfw.views.insight import publish

ORIGINAL = (60, 60, 60)  # the frame of an example as the data holds it; augmented versions are NEUTRAL


class AugmentedSamples(Callback):
    """Images: a grid with one row per training example, the example first (dark frame), then
    `versions` augmented versions of it. Series: a plot of each window (black) with its
    augmented versions. Texts: augmented.txt, each text with its versions. Also in TensorBoard.
    Does nothing when the data has no active augmentation."""

    def __init__(self, count: int = 8, versions: int = 7) -> None:
        self.count, self.versions = count, versions

    def on_validation_end(self, trainer: pl.Trainer, pl_module: pl.LightningModule) -> None:
        datamodule = trainer.datamodule
        augment = getattr(datamodule, "augment", None)
        if trainer.state.fn != "validate" or augment is None or not augment.active or not trainer.is_global_zero:
            return
        inputs, targets = datamodule.training_examples(self.count)
        inputs, targets = inputs.to(pl_module.device), targets.to(pl_module.device)
        devices = [inputs.device.index or 0] if inputs.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(0)
            versions = [augment.batch(inputs, targets) for _ in range(self.versions)]
        if inputs.ndim == 4:
            publish(trainer, "augmented", image_rows(datamodule.denormalize(inputs),
                                                     [datamodule.denormalize(v) for v, _ in versions]))
        elif inputs.is_floating_point():
            publish(trainer, "augmented", series_plot(inputs, targets, versions))
        elif hasattr(datamodule, "vocabulary"):
            write_texts(trainer, datamodule.vocabulary, inputs, [v for v, _ in versions])


def image_rows(images: torch.Tensor, versions: list[torch.Tensor]) -> np.ndarray:
    """One row per image: the image, then each of its versions."""
    rows = torch.stack([images, *versions], 1)  # (count, 1 + versions, C, H, W)
    frames = ([ORIGINAL] + [pictures.NEUTRAL] * len(versions)) * len(images)
    return pictures.grid(rows.flatten(0, 1).float().cpu().numpy(), frames, columns=1 + len(versions))


def series_plot(windows: torch.Tensor, targets: torch.Tensor,
                versions: list[tuple[torch.Tensor, torch.Tensor]], panels: int = 4) -> np.ndarray:
    """Up to `panels` windows, each with the values it forecasts, against their augmented versions."""
    shown = min(panels, len(windows))
    figure, axes = figures.new_figure("augmented", columns=shown, size=(3.2 * shown, 2.8))
    length = windows.shape[1]
    for index, axis in enumerate(axes[0]):
        for number, (changed, changed_targets) in enumerate(versions):
            values = torch.cat([changed[index].reshape(-1), changed_targets[index].reshape(-1)]).cpu().numpy()
            axis.plot(np.arange(len(values)), values, color="#1f77b4", alpha=0.35, linewidth=1,
                      label="augmented" if number == 0 else None)
        truth = torch.cat([windows[index].reshape(-1), targets[index].reshape(-1)]).cpu().numpy()
        axis.plot(np.arange(len(truth)), truth, color="black", linewidth=1.5, label="window")
        axis.axvline(length - 0.5, color="#7f7f7f", linestyle=":", linewidth=1)
        axis.set_title(f"training window {index}", fontsize=9)
    axes[0][0].legend(fontsize=8, loc="best")
    return figures.to_array(figure)


def write_texts(trainer: pl.Trainer, vocabulary: list[str], ids: torch.Tensor, versions: list[torch.Tensor]) -> None:
    """augmented.txt (and TensorBoard's text tab): each training text, then its versions."""
    def text(row: torch.Tensor) -> str:
        return " ".join(vocabulary[i] for i in row.tolist() if i)  # id 0 pads

    blocks = ["\n".join([text(row), *(f"  {text(version[index])}" for version in versions)])
              for index, row in enumerate(ids)]
    written = "\n\n".join(blocks) + "\n"
    (Path(trainer.default_root_dir) / "augmented.txt").write_text(written, encoding="utf-8")
    for logger in trainer.loggers:
        if isinstance(logger, TensorBoardLogger):
            logger.experiment.add_text("augmented", "\n".join(f"    {line}" for line in written.splitlines()),
                                       trainer.global_step)
