"""`ImageDataModule`: image tables held as one tensor, standardized per channel, augmented on the device."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from nnfw.data.arrays import ArrayDataModule
from nnfw.data.augment import Augment, AugmentsTrainingBatches
from nnfw.data.spec import DataSpec
from nnfw.data.splits import channel_statistics
from nnfw.data.table import Table


class ImageDataModule(AugmentsTrainingBatches, ArrayDataModule):
    """An `ArrayDataModule` whose source returns images (n, C, H, W).

    Every split is one tensor, moved to the training device once and batched by indexing, as
    tables are. Standardization is per channel, with training-split statistics saved in
    checkpoints; `augment` changes training batches only, after they are on the device.
    """

    def __init__(self, source: str, augment: Augment | None = None, **kwargs: Any) -> None:
        super().__init__(source, **kwargs)
        self.augment = augment or Augment()

    def setup(self, stage: str | None = None) -> None:
        super().setup(stage)
        self.augment.standardized_with(self.mean, self.std)

    def statistics(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One mean and spread per channel, shaped (C, 1, 1) to broadcast over images."""
        return channel_statistics(X)

    def describe(self, table: Table) -> DataSpec:
        channels, height, width = table.X.shape[1:]
        return DataSpec(task=table.task, num_features=channels * height * width,
                        num_classes=len(table.class_names), class_names=table.class_names,
                        image_shape=(channels, height, width), sizes=pixel_statistics(self.mean, self.std))

    def images(self, split: str) -> torch.Tensor:
        """A split's images with the standardization undone, in [0, 1] for pictures."""
        return self.denormalize(self.tensors[split][0])

    def denormalize(self, images: torch.Tensor) -> torch.Tensor:
        return denormalize(images, self.mean, self.std)


def pixel_statistics(mean: np.ndarray | None, std: np.ndarray | None) -> dict[str, list[float]]:
    """The per-channel statistics images were standardized with, for models that read pixels
    (a pretrained backbone normalizes them its own way): {} when they were not standardized."""
    if mean is None or std is None:
        return {}
    return {"pixel_mean": np.ravel(mean).tolist(), "pixel_std": np.ravel(std).tolist()}


def denormalize(images: torch.Tensor, mean: np.ndarray | None, std: np.ndarray | None) -> torch.Tensor:
    """Standardized images (n, C, H, W) back in the pixel scale of their files, [0, 1]."""
    if mean is None:
        return images
    mean_, std_ = (torch.as_tensor(v, dtype=images.dtype, device=images.device) for v in (mean, std))
    return images * std_ + mean_
