"""`ImageFiles`: a folder of images too big to hold in memory, read by DataLoader workers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from nnfw.data.augment import Augment, AugmentsTrainingBatches
from nnfw.data.folder import class_files, read_image
from nnfw.data.images import denormalize, pixel_statistics
from nnfw.data.spec import DataSpec
from nnfw.data.splits import channel_statistics, split_rows


class ImageFileDataset(Dataset):
    """Images read from their files one by one, resized and standardized as they are read."""

    def __init__(self, files: list[Path], labels: np.ndarray, size: int, mode: str,
                 mean: np.ndarray, std: np.ndarray) -> None:
        self.files, self.labels, self.size, self.mode = files, labels, size, mode
        self.mean, self.std = mean, std

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        pixels = (read_image(self.files[index], self.size, self.size, self.mode) - self.mean) / self.std
        return torch.from_numpy(pixels.astype(np.float32)), torch.tensor(self.labels[index])


class ImageFiles(AugmentsTrainingBatches, pl.LightningDataModule):
    """`path`/CLASS/ images, split like every dataset, but kept on disk: DataLoader workers
    (`num_workers`, `pin_memory`, `persistent_workers`) read and decode each batch while the
    model trains on the one before. Per-channel statistics come from up to `statistics_from`
    training images and travel in checkpoints; `augment` works on batches on the device.
    """

    def __init__(self, path: str, size: int = 32, channels: int = 3, batch_size: int = 64,
                 val_fraction: float = 0.2, test_fraction: float = 0.2, standardize: bool = True,
                 seed: int = 0, num_workers: int = 2, pin_memory: bool = True, persistent_workers: bool = True,
                 statistics_from: int = 512, augment: Augment | None = None) -> None:
        super().__init__()
        self.path, self.size, self.mode = path, size, "L" if channels == 1 else "RGB"
        self.batch_size, self.seed, self.standardize = batch_size, seed, standardize
        self.val_fraction, self.test_fraction = val_fraction, test_fraction
        self.workers = {"num_workers": num_workers, "pin_memory": pin_memory and torch.cuda.is_available(),
                        "persistent_workers": persistent_workers and num_workers > 0}
        self.statistics_from, self.augment = statistics_from, augment or Augment()
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self.splits: dict[str, tuple[list[Path], np.ndarray]] = {}
        self.spec: DataSpec | None = None

    def setup(self, stage: str | None = None) -> None:
        if self.splits:
            return
        by_class = class_files(self.path)
        files = [path for found in by_class.values() for path in found]
        labels = np.concatenate([np.full(len(found), index) for index, found in enumerate(by_class.values())])
        labels = labels.astype(np.float32 if len(by_class) == 2 else np.int64)  # as the binary and multiclass losses take them
        rows = split_rows(len(files), labels, self.val_fraction, self.test_fraction, self.seed)
        self.splits = {name: ([files[i] for i in picked], labels[picked]) for name, picked in rows.items()}
        if self.mean is None:
            self.mean, self.std = self._statistics(self.splits["train"][0])
        channels = 1 if self.mode == "L" else 3
        self.spec = DataSpec(task="binary" if len(by_class) == 2 else "multiclass",
                             num_features=channels * self.size * self.size, num_classes=len(by_class),
                             class_names=tuple(by_class), image_shape=(channels, self.size, self.size),
                             sizes=pixel_statistics(self.mean, self.std))
        self.augment.standardized_with(self.mean, self.std)

    def _statistics(self, files: list[Path]) -> tuple[np.ndarray, np.ndarray]:
        """Per-channel mean and spread, shaped (C, 1, 1), of up to `statistics_from` training images."""
        channels = 1 if self.mode == "L" else 3
        if not self.standardize:
            return np.zeros((channels, 1, 1), np.float32), np.ones((channels, 1, 1), np.float32)
        picked = np.random.default_rng(self.seed).permutation(len(files))[: self.statistics_from]
        pixels = np.stack([read_image(files[i], self.size, self.size, self.mode) for i in picked])
        return channel_statistics(pixels)

    def transform(self, images: np.ndarray) -> np.ndarray:
        """Images in [0, 1] (n, C, H, W) as the model sees them (for `nnfw predict`)."""
        return (images - self.mean) / self.std

    def denormalize(self, images: torch.Tensor) -> torch.Tensor:
        return denormalize(images, self.mean, self.std)

    def _loader(self, split: str, shuffle: bool) -> DataLoader:
        files, labels = self.splits[split]
        dataset = ImageFileDataset(files, labels, self.size, self.mode, self.mean, self.std)
        generator = torch.Generator().manual_seed(self.seed) if shuffle else None
        return DataLoader(dataset, batch_size=self.batch_size, shuffle=shuffle, generator=generator, **self.workers)

    def training_examples(self, count: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The first `count` training images, read and standardized as batches are."""
        files, labels = self.splits["train"]
        dataset = ImageFileDataset(files[:count], labels[:count], self.size, self.mode, self.mean, self.std)
        images, targets = zip(*(dataset[i] for i in range(len(dataset))))
        return torch.stack(images), torch.stack(targets)

    def train_dataloader(self) -> DataLoader:
        return self._loader("train", shuffle=True)

    def val_dataloader(self) -> DataLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> DataLoader:
        return self._loader("test", shuffle=False)

    def split_sizes(self) -> dict[str, int]:
        return {name: len(files) for name, (files, _) in self.splits.items()}

    def state_dict(self) -> dict[str, Any]:
        """The statistics inference must reuse, saved in every checkpoint."""
        as_list = (lambda a: None if a is None else a.tolist())
        return {"mean": as_list(self.mean), "std": as_list(self.std)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.mean, self.std = (None if v is None else np.asarray(v, dtype=np.float32) for v in (state["mean"], state["std"]))
