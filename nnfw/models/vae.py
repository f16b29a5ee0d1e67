"""Variational autoencoder (Kingma & Welling): a Gaussian encoder q(z|x), a standard normal prior
p(z), and a decoder whose outputs are the parameters of p(x|z)."""

from __future__ import annotations

import torch
from torch import nn

from nnfw.models.autoencoder import mirrored_pair


class VAE(nn.Module):
    """encode(x) -> (mean, log-variance) of q(z|x); decode(z) -> p(x|z)'s logits (Bernoulli) or means
    (Gaussian); `reparameterize` draws z = mean + std * eps so that gradients reach the encoder.

    The decoder's distribution is the task's choice (it reads the data's range); forward(x)
    decodes the posterior mean, a deterministic reconstruction for predict and export.
    """

    def __init__(self, in_features: int, latent_size: int = 8, hidden_sizes: list[int] = (128,),
                 activation: str = "relu", image_shape: tuple[int, ...] = ()) -> None:
        super().__init__()
        self.encoder, self.decoder = mirrored_pair(in_features, 2 * latent_size, latent_size, hidden_sizes,
                                                   activation)
        self.shape = tuple(image_shape) or (in_features,)
        self.latent_size = latent_size

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_var = self.encoder(x).chunk(2, dim=-1)
        return mean, log_var

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """p(x|z)'s parameters for codes z (..., latent_size): one row of codes, or several draws of it."""
        return self.decoder(z.reshape(-1, z.shape[-1])).view(*z.shape[:-1], *self.shape)

    @staticmethod
    def reparameterize(mean: torch.Tensor, log_var: torch.Tensor, samples: int | None = None) -> torch.Tensor:
        """z ~ q(z|x), one per row, or `samples` per row (shape (samples, rows, latent))."""
        shape = mean.shape if samples is None else (samples, *mean.shape)
        return mean + (0.5 * log_var).exp() * torch.randn(shape, dtype=mean.dtype, device=mean.device)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x)[0])
