"""New rows or images from a generative model's checkpoint: a VAE decodes prior draws, a GAN
its noise. Images are written as a PNG grid, rows as a CSV in the data's own units; `nnfw
export` writes the `Sampler` (nnfw.tasks.sampling: the decoder or the generator)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from nnfw.inference.predict import write_csv
from nnfw.run.restore import Restored
from nnfw.tasks.sampling import GENERATIVE_TASKS, Sampler
from nnfw.views import pictures


def is_generative(restored: Restored) -> bool:
    return isinstance(restored.task, GENERATIVE_TASKS)


def generate(restored: Restored, count: int, seed: int) -> torch.Tensor:
    """`count` samples of the model, on the CPU, in the scale the model was trained in."""
    sampler = Sampler(restored.task.cpu())
    with torch.no_grad():
        return sampler(sampler.codes(count, torch.Generator().manual_seed(seed)))


def in_data_units(restored: Restored, samples: torch.Tensor) -> np.ndarray:
    """Samples with the training data's standardization undone."""
    values = samples.numpy()
    mean, std = getattr(restored.datamodule, "mean", None), getattr(restored.datamodule, "std", None)
    return values if mean is None else values * std + mean


def write_samples(restored: Restored, count: int, seed: int, output: Path | None) -> Path:
    """Write `count` samples to `output` (default: samples.png for images, samples.csv for rows)."""
    values = in_data_units(restored, generate(restored, count, seed))
    if restored.spec.image_shape:
        path = output or Path("samples.png")
        path.parent.mkdir(parents=True, exist_ok=True)
        return pictures.save_png(pictures.grid(values, [pictures.NEUTRAL] * count), path)
    path = output or Path("samples.csv")
    write_csv(pd.DataFrame(values.reshape(count, -1), columns=list(restored.spec.feature_names)), path)
    return path
