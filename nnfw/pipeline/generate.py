"""New rows or images from a generative model's checkpoint: a VAE decodes prior draws, a GAN
its noise. Images are written as a PNG grid, rows as a CSV in the data's own units; `nnfw
export` writes the `Sampler` (the decoder or the generator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from nnfw.pipeline import pictures
from nnfw.pipeline.predict import write_csv
from nnfw.pipeline.restore import Restored
from nnfw.tasks.gan import AdversarialTraining
from nnfw.tasks.reconstruction import decoded_values
from nnfw.tasks.vae import VariationalAutoencoder

GENERATIVE_TASKS = (VariationalAutoencoder, AdversarialTraining)


class Sampler(nn.Module):
    """The part of a generative model that turns codes into samples: a GAN's generator, or a
    VAE's decoder with its outputs as values (a Bernoulli decoder's probabilities)."""

    def __init__(self, task: VariationalAutoencoder | AdversarialTraining) -> None:
        super().__init__()
        self.model = task.model
        self.bernoulli = getattr(task, "bernoulli", False)
        self.adversarial = isinstance(task, AdversarialTraining)  # a generator of any architecture
        self.code_size = task.model.noise_size if self.adversarial else task.model.latent_size

    def codes(self, count: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draws of the codes this sampler reads: z ~ N(0, I)."""
        return torch.randn(count, self.code_size, generator=generator)

    def forward(self, codes: torch.Tensor) -> torch.Tensor:
        if self.adversarial:
            return self.model(codes)
        return decoded_values(self.model.decode(codes), self.bernoulli)


def sampled_images(task: VariationalAutoencoder | AdversarialTraining, datamodule: Any, count: int,
                   seed: int = 0) -> np.ndarray:
    """`count` images of a VAE or GAN on image data, from seeded draws, as pixels in [0, 1]."""
    sampler = Sampler(task)
    with torch.no_grad():
        values = sampler(sampler.codes(count, torch.Generator().manual_seed(seed)).to(task.device))
    return (values if sampler.bernoulli else datamodule.denormalize(values)).clamp(0, 1).cpu().numpy()


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
