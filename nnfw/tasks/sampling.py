"""What a generative task samples from: a GAN's generator or a VAE's decoder as one module
(`Sampler`, which `nnfw export` writes), and seeded image samples for pictures and judges."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

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
