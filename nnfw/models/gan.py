"""Generative adversarial network (Goodfellow et al.): a generator turning noise into rows and a
discriminator scoring rows as real (high logit) or generated, `pack` rows at a time (PacGAN)."""

from __future__ import annotations

import torch
from torch import nn

from nnfw.models.mlp import MLP


class GAN(nn.Module):
    """MLP generator noise_size -> generator_sizes -> in_features, and MLP discriminator
    pack x in_features -> discriminator_sizes -> 1 logit. forward(z) generates.

    With `pack` > 1 the discriminator judges `pack` rows, all real or all generated, concatenated
    into one input (Lin et al., PacGAN): a generator that drops modes yields packs whose rows
    lack variety, which the discriminator can tell from real ones.
    """

    def __init__(self, in_features: int, noise_size: int = 10, generator_sizes: list[int] = (64,),
                 discriminator_sizes: list[int] = (64,), activation: str = "relu",
                 discriminator_activation: str = "leaky_relu", pack: int = 1,
                 image_shape: tuple[int, ...] = ()) -> None:
        super().__init__()
        self.generator = MLP(noise_size, in_features, list(generator_sizes), activation)
        self.discriminator = MLP(pack * in_features, 1, list(discriminator_sizes), discriminator_activation)
        self.shape = tuple(image_shape) or (in_features,)
        self.noise_size, self.pack = noise_size, pack

    def noise(self, count: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """`count` draws of the generator's input, z ~ N(0, I), on the CPU (`generator`'s device)."""
        return torch.randn(count, self.noise_size, generator=generator)

    def packed(self, x: torch.Tensor) -> torch.Tensor:
        """Rows grouped `pack` at a time into the discriminator's inputs, in order; a batch whose
        size is not a multiple of `pack` is completed with its first rows, so none is left out."""
        rows = x.flatten(1)
        if self.pack == 1:
            return rows
        count = -(-len(rows) // self.pack) * self.pack
        return rows[torch.arange(count, device=rows.device) % len(rows)].view(-1, self.pack * rows.shape[1])

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        """One logit per pack of rows (per row when `pack` is 1)."""
        return self.discriminator(self.packed(x)).squeeze(-1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z).view(-1, *self.shape)
