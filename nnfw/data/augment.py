"""Random changes to whole training batches, made with torch ops on the batch's own device.

`BatchAugment` is what every kind of data's augmentation is (images here, series in
`augment_series.py`, word ids in `augment_text.py`); `AugmentsTrainingBatches` is the datamodule
behaviour that applies it to training batches only, after their transfer to the device.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
from torch.nn import functional

#: the weights of red, green and blue in a pixel's brightness (ITU-R 601, as torchvision's greyscale)
LUMA = (0.299, 0.587, 0.114)


class BatchAugment:
    """Random changes to a training batch (inputs, targets): one batched op per change, no per-sample Python."""

    @property
    def active(self) -> bool:
        """Whether any change is asked for (a datamodule skips the hook otherwise)."""
        raise NotImplementedError

    def batch(self, inputs: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The changed batch; most changes leave the targets as they are."""
        return self(inputs), targets

    def __call__(self, inputs: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


def uniform(count: int, low: float, high: float, device: torch.device) -> torch.Tensor:
    """`count` draws from U(low, high) on `device`."""
    return torch.empty(count, device=device).uniform_(low, high)


class Augment(BatchAugment):
    """Random flips, shifts, rotations, scaled crops, colour changes and noise of a batch (n, C, H, W).

    Geometry is one affine resampling of the whole batch (one `grid_sample`, whatever its size):
    a shift of up to `crop_padding` pixels (a random crop of the image padded by that much), a
    rotation of up to `rotation` degrees either way, and a random resized crop, torchvision's
    RandomResizedCrop: a part of `scale` (min, max) of the image's area, of aspect ratio within
    `ratio`, stretched back to the whole image. The border a shift or a rotation uncovers is 0,
    which for standardized images is the channel's mean.

    Colours change in pixel values (the datamodule says how its images are standardized,
    `standardized_with`): `brightness`, `contrast` and `saturation` scale each image by a factor
    drawn from [1 - b, 1 + b] as torchvision's ColorJitter does (contrast about the image's mean
    brightness, saturation about each pixel's grey); `noise` adds Gaussian noise of that standard
    deviation to every pixel. Values are not clipped.
    """

    def __init__(self, flip: bool = False, crop_padding: int = 0, rotation: float = 0.0,
                 scale: Sequence[float] | None = None, ratio: Sequence[float] = (3 / 4, 4 / 3),
                 brightness: float = 0.0, contrast: float = 0.0, saturation: float = 0.0,
                 noise: float = 0.0) -> None:
        self.flip, self.crop_padding, self.rotation = flip, crop_padding, rotation
        self.scale = tuple(scale) if scale is not None and tuple(scale) != (1, 1) else None
        self.ratio = tuple(ratio)
        self.brightness, self.contrast, self.saturation, self.noise = brightness, contrast, saturation, noise
        self.mean: np.ndarray | None = None  # how the images are standardized: pixels = images * std + mean
        self.std: np.ndarray | None = None

    def standardized_with(self, mean: np.ndarray | None, std: np.ndarray | None) -> None:
        """The per-channel statistics (C, 1, 1) the images were standardized with (None: they are pixels)."""
        self.mean, self.std = mean, std

    @property
    def moves(self) -> bool:
        return bool(self.crop_padding or self.rotation or self.scale)

    @property
    def recolours(self) -> bool:
        return bool(self.brightness or self.contrast or self.saturation or self.noise)

    @property
    def active(self) -> bool:
        return bool(self.flip or self.moves or self.recolours)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        count, device = len(images), images.device
        if self.flip:
            mirrored = torch.rand(count, 1, 1, 1, device=device) < 0.5
            images = torch.where(mirrored, images.flip(-1), images)
        if self.moves:
            images = self._move(images)
        if self.recolours:
            images = self._recolour(images)
        return images

    def _crop_sizes(self, count: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """Width and height of each random resized crop, as fractions of the image's."""
        if self.scale is None:
            ones = torch.ones(count, device=device)
            return ones, ones
        area = uniform(count, *self.scale, device)
        log_ratio = uniform(count, math.log(self.ratio[0]), math.log(self.ratio[1]), device)
        aspect = log_ratio.exp()
        return (area * aspect).sqrt().clamp(max=1), (area / aspect).sqrt().clamp(max=1)

    def _move(self, images: torch.Tensor) -> torch.Tensor:
        count, _, height, width = images.shape
        device = images.device
        angle = (torch.rand(count, device=device) * 2 - 1) * math.radians(self.rotation)
        shift = torch.randint(-self.crop_padding, self.crop_padding + 1, (count, 2), device=device).float()
        across, down = self._crop_sizes(count, device)
        # grid coordinates run from -1 to 1: one pixel is 2 / size; a crop of a fraction f of the
        # side may sit anywhere within 1 - f of the centre
        offset_x = shift[:, 0] * 2.0 / width + (torch.rand(count, device=device) * 2 - 1) * (1 - across)
        offset_y = shift[:, 1] * 2.0 / height + (torch.rand(count, device=device) * 2 - 1) * (1 - down)
        cos, sin = angle.cos(), angle.sin()
        theta = torch.stack([
            torch.stack([cos * across, -sin * down, offset_x], 1),
            torch.stack([sin * across, cos * down, offset_y], 1),
        ], 1)
        grid = functional.affine_grid(theta, list(images.shape), align_corners=False)
        mode = "bilinear" if self.rotation or self.scale else "nearest"  # whole-pixel shifts stay exact
        # a crop alone stays inside the image: its outermost samples take the edge pixels' values
        padding = "zeros" if self.crop_padding or self.rotation else "border"
        return functional.grid_sample(images, grid, mode=mode, padding_mode=padding, align_corners=False)

    def _statistics(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor] | None:
        if self.mean is None or self.std is None:
            return None
        return tuple(torch.as_tensor(v, dtype=images.dtype, device=images.device) for v in (self.mean, self.std))

    def _recolour(self, images: torch.Tensor) -> torch.Tensor:
        count, channels = images.shape[:2]
        statistics = self._statistics(images)
        pixels = images if statistics is None else images * statistics[1] + statistics[0]

        def factor(strength: float) -> torch.Tensor:
            return uniform(count, 1 - strength, 1 + strength, images.device).view(count, 1, 1, 1)

        def grey(values: torch.Tensor) -> torch.Tensor:
            if channels != 3:
                return values
            weights = torch.tensor(LUMA, dtype=values.dtype, device=values.device).view(1, 3, 1, 1)
            return (values * weights).sum(1, keepdim=True)

        if self.brightness:
            pixels = pixels * factor(self.brightness)
        if self.contrast:
            mean = grey(pixels).mean(dim=(1, 2, 3), keepdim=True)
            pixels = mean + (pixels - mean) * factor(self.contrast)
        if self.saturation and channels == 3:
            shade = grey(pixels)
            pixels = shade + (pixels - shade) * factor(self.saturation)
        if self.noise:
            pixels = pixels + torch.randn_like(pixels) * self.noise
        return pixels if statistics is None else (pixels - statistics[0]) / statistics[1]


class AugmentedBlock(list):
    """A block of training batches for fused steps (nnfw/tasks/fusion.py), each augmented when the
    step that trains on it takes it: the random draws come in the order Lightning's own loop
    makes them (a batch's augmentation, then its step's dropout), so that fused and unfused
    runs see the same batches. Read it by iterating, as the fused steps do."""

    def __init__(self, batches: list[tuple[torch.Tensor, torch.Tensor]], augment: BatchAugment) -> None:
        super().__init__(batches)
        self.augment = augment

    def __iter__(self) -> Any:
        for inputs, targets in super().__iter__():
            yield self.augment.batch(inputs, targets)


class AugmentsTrainingBatches:
    """Datamodule behaviour: training batches are augmented with `self.augment` where they are,
    after the transfer to the device; validation and test batches never."""

    augment: BatchAugment
    trainer: Any

    def on_after_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        if not (self.augment.active and self.trainer is not None and self.trainer.training):
            return batch
        if isinstance(batch, list):  # a block of batches, one fused step each
            return AugmentedBlock(batch, self.augment)
        return self.augment.batch(*batch)

    def training_examples(self, count: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The first `count` training examples (inputs, targets) as batches hold them, for
        pictures of what augmentation does to them (an in-memory split; other data overrides it)."""
        inputs, targets = self.tensors["train"]
        return inputs[:count], targets[:count]
