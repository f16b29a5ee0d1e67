"""Autoencoders: an MLP encoder squeezes each row (or image) into `latent_size` numbers and an MLP
decoder, its mirror, rebuilds the row from them."""

from __future__ import annotations

import torch
from torch import nn

from nnfw.models.mlp import MLP


def mirrored_pair(in_features: int, code_size: int, latent_size: int, hidden_sizes: list[int],
                  activation: str) -> tuple[MLP, MLP]:
    """An encoder in_features -> hidden_sizes -> code_size and a decoder latent_size -> reversed
    hidden_sizes -> in_features (raw outputs: the task reads them as values or logits)."""
    encoder = MLP(in_features, code_size, list(hidden_sizes), activation)
    decoder = MLP(latent_size, in_features, list(reversed(hidden_sizes)), activation)
    return encoder, decoder


class Autoencoder(nn.Module):
    """x -> encode -> z (latent_size numbers, no activation) -> decode -> x's reconstruction.

    Images are flattened on the way in and take their shape again on the way out.
    """

    def __init__(self, in_features: int, latent_size: int = 3, hidden_sizes: list[int] = (),
                 activation: str = "relu", image_shape: tuple[int, ...] = ()) -> None:
        super().__init__()
        self.encoder, self.decoder = mirrored_pair(in_features, latent_size, latent_size, hidden_sizes, activation)
        self.shape = tuple(image_shape) or (in_features,)
        self.latent_size = latent_size

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z).view(-1, *self.shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))
