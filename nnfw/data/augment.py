"""Random changes to whole batches of images, made with torch ops on the batch's own device."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch.nn import functional


class Augment:
    """Random left-right flips, shifts and small rotations of a batch (n, C, H, W).

    A shift of up to `crop_padding` pixels is a random crop of the image padded by that much;
    the uncovered border is 0, which for standardized images is the channel's mean.
    Shift and rotation are one affine resampling of the batch, so a step costs one
    `grid_sample` whatever the batch size: no per-image Python and no transfer.
    """

    def __init__(self, flip: bool = False, crop_padding: int = 0, rotation: float = 0.0) -> None:
        self.flip, self.crop_padding, self.rotation = flip, crop_padding, rotation

    @property
    def active(self) -> bool:
        return bool(self.flip or self.crop_padding or self.rotation)

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        count, device = len(images), images.device
        if self.flip:
            mirrored = torch.rand(count, 1, 1, 1, device=device) < 0.5
            images = torch.where(mirrored, images.flip(-1), images)
        if self.crop_padding or self.rotation:
            images = self._move(images)
        return images

    def _move(self, images: torch.Tensor) -> torch.Tensor:
        count, _, height, width = images.shape
        device = images.device
        angle = (torch.rand(count, device=device) * 2 - 1) * math.radians(self.rotation)
        shift = torch.randint(-self.crop_padding, self.crop_padding + 1, (count, 2), device=device)
        cos, sin = angle.cos(), angle.sin()
        theta = torch.stack([  # grid coordinates run from -1 to 1: one pixel is 2 / size
            torch.stack([cos, -sin, shift[:, 0] * 2.0 / width], 1),
            torch.stack([sin, cos, shift[:, 1] * 2.0 / height], 1),
        ], 1)
        grid = functional.affine_grid(theta, list(images.shape), align_corners=False)
        mode = "bilinear" if self.rotation else "nearest"  # whole-pixel shifts stay exact
        return functional.grid_sample(images, grid, mode=mode, padding_mode="zeros", align_corners=False)


class AugmentsTrainingBatches:
    """Datamodule behaviour: training batches are augmented with `self.augment` where they are,
    after the transfer to the device; validation and test batches never."""

    augment: Augment
    trainer: Any

    def on_after_batch_transfer(self, batch: Any, dataloader_idx: int) -> Any:
        if self.augment.active and self.trainer is not None and self.trainer.training:
            images, targets = batch
            return self.augment(images), targets
        return batch
