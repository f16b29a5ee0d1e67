"""DCGAN (Radford et al.): a transposed-convolution generator turning noise into images and a
strided-convolution discriminator scoring images as real (high logit) or generated."""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import nn

from nnfw.errors import UserError

#: the generator's last layer, by `output`: pixels in [0, 1] (sigmoid), in [-1, 1] (tanh), unbounded
OUTPUTS: dict[str, type[nn.Module]] = {"sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "none": nn.Identity}


def widths(channels: int, blocks: int) -> list[int]:
    """Feature maps from the smallest image up: `channels` doubled per block, DCGAN's pyramid."""
    return [channels * 2 ** (blocks - 1 - i) for i in range(blocks)]


def upsampling(width: int, out: int) -> nn.ConvTranspose2d:
    """A 4x4 transposed convolution of stride 2: doubles height and width exactly."""
    return nn.ConvTranspose2d(width, out, 4, stride=2, padding=1, bias=False)


def downsampling(depth: int, width: int) -> nn.Conv2d:
    """A 4x4 convolution of stride 2: halves height and width exactly."""
    return nn.Conv2d(depth, width, 4, stride=2, padding=1, bias=False)


class DCGAN(nn.Module):
    """Generator: noise -> linear -> (width, H / 2^blocks, W / 2^blocks) -> `blocks` transposed
    convolutions, each doubling the image, with batch norm and ReLU between them, and `output`
    last (`auto`: sigmoid for data in [0, 1], else none). Discriminator: its mirror, strided
    convolutions with LeakyReLU 0.2 (batch norm after the first) down to one logit.
    forward(z) generates; the widths are `channels` x 1, 2, 4 ... towards the smallest map.
    """

    def __init__(self, image_shape: tuple[int, ...], noise_size: int = 32, channels: int = 32, blocks: int = 2,
                 output: str = "auto", unit_range: bool = False) -> None:
        super().__init__()
        depth, height, width = image_shape
        scale = 2 ** blocks
        if height % scale or width % scale:
            raise UserError(f"model.blocks={blocks} halves {height}x{width} images {blocks} times, "
                            f"but {height}x{width} does not divide by {scale}",
                            "choose model.blocks so that height and width divide by 2^blocks (2 for 8x8 and 28x28)")
        self.shape, self.noise_size = tuple(image_shape), noise_size
        self.start = (height // scale, width // scale)
        sizes = widths(channels, blocks)
        flat = sizes[0] * self.start[0] * self.start[1]
        up: list[nn.Module] = [nn.Linear(noise_size, flat, bias=False), nn.BatchNorm1d(flat), nn.ReLU(),
                               nn.Unflatten(1, (sizes[0], *self.start))]
        for here, there in pairwise(sizes):
            up += [upsampling(here, there), nn.BatchNorm2d(there), nn.ReLU()]
        last = "sigmoid" if output == "auto" and unit_range else "none" if output == "auto" else output
        self.generator = nn.Sequential(*up, upsampling(sizes[-1], depth), OUTPUTS[last]())
        down: list[nn.Module] = [downsampling(depth, sizes[-1]), nn.LeakyReLU(0.2)]
        for here, there in pairwise(reversed(sizes)):
            down += [downsampling(here, there), nn.BatchNorm2d(there), nn.LeakyReLU(0.2)]
        self.discriminator = nn.Sequential(*down, nn.Flatten(), nn.Linear(flat, 1))

    def noise(self, count: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """`count` draws of the generator's input, z ~ N(0, I), on the CPU (`generator`'s device)."""
        return torch.randn(count, self.noise_size, generator=generator)

    def discriminate(self, x: torch.Tensor) -> torch.Tensor:
        return self.discriminator(x).squeeze(-1)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.generator(z)
