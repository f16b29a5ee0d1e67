"""Convolutional autoencoder for images: strided convolutions down to a code of `latent_size`
numbers, transposed convolutions back up to the image."""

from __future__ import annotations

import torch
from torch import nn

from nnfw.models.layers import activation as make_activation


class ConvAutoencoder(nn.Module):
    """Each of `channels` is a 3x3 convolution of stride 2 (halving height and width, which must
    divide by 2 per block); a linear layer maps the last feature map to the code and back; the
    decoder mirrors the encoder with transposed convolutions. Outputs are raw (the task reads
    them as values or logits)."""

    def __init__(self, image_shape: tuple[int, ...], latent_size: int = 16, channels: list[int] = (16, 32),
                 activation: str = "relu") -> None:
        super().__init__()
        depth, height, width = image_shape
        down: list[nn.Module] = []
        for size in channels:
            down += [nn.Conv2d(depth, size, 3, stride=2, padding=1), make_activation(activation)]
            depth = size
        scale = 2 ** len(channels)
        self.feature_shape = (depth, height // scale, width // scale)
        flat = depth * (height // scale) * (width // scale)
        self.encoder = nn.Sequential(*down, nn.Flatten(), nn.Linear(flat, latent_size))
        up: list[nn.Module] = [nn.Linear(latent_size, flat), make_activation(activation),
                               nn.Unflatten(1, self.feature_shape)]
        widths = [*reversed(channels[:-1]), image_shape[0]]
        for index, size in enumerate(widths):
            up.append(nn.ConvTranspose2d(depth, size, 3, stride=2, padding=1, output_padding=1))
            if index < len(widths) - 1:
                up.append(make_activation(activation))
            depth = size
        self.decoder = nn.Sequential(*up)
        self.shape = tuple(image_shape)
        self.latent_size = latent_size

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))
