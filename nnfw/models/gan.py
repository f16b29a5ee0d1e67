"""Generative adversarial network (Goodfellow et al.): a generator turning noise into rows and a
discriminator scoring rows as real (high logit) or generated."""

from __future__ import annotations

import torch
from torch import nn

from nnfw.models.mlp import MLP


class GAN(nn.Module):
    """MLP generator noise_size -> generator_sizes -> in_features, and MLP discriminator
    in_features -> discriminator_sizes -> 1 logit. forward(z) generates."""

    def __init__(self, in_features: int, noise_size: int = 10, generator_sizes: list[int] = (64,),
                 discriminator_sizes: list[int] = (64,), activation: str = "relu",
                 discriminator_activation: str = "leaky_relu", image_shape: tuple[int, ...] = ()) -> None:
        super().__init__()
        self.generator = MLP(noise_size, in_features, list(generator_sizes), activation)
        self.discriminator = MLP(in_features, 1, list(discriminator_sizes), discriminator_activation)
        self.shape = tuple(image_shape) or (in_features,)
        self.noise_size = noise_size

    def noise(self, count: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """`count` draws of the generator's input, z ~ N(0, I), on the CPU (`generator`'s device)."""
        return torch.randn(count, self.noise_size, generator=generator)

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        return self.discriminator(x).squeeze(-1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z).view(-1, *self.shape)
