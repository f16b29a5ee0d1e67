"""Batches of in-memory tensors by indexing: no per-sample Dataset, no collate."""

from __future__ import annotations

from collections.abc import Iterator

import torch


class TensorLoader:
    """Iterates over (features, targets) batches sliced from whole tensors.

    For data that fits in memory this is what a hand-written loop does: one `randperm` per
    epoch and one index per batch, instead of a Python call per sample plus a collate.
    """

    def __init__(self, features: torch.Tensor, targets: torch.Tensor, batch_size: int,
                 shuffle: bool = False, seed: int = 0, drop_last: bool = False) -> None:
        self.features, self.targets = features, targets
        self.batch_size = min(batch_size, len(features))
        self.shuffle, self.drop_last = shuffle, drop_last
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        full, rest = divmod(len(self.features), self.batch_size)
        return full if self.drop_last or not rest else full + 1

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        count = len(self.features)
        if self.batch_size == count:  # full batch: no indexing at all
            yield self.features, self.targets
            return
        order = torch.randperm(count, generator=self.generator) if self.shuffle else None
        for batch in range(len(self)):
            start = batch * self.batch_size
            if order is None:
                yield self.features[start:start + self.batch_size], self.targets[start:start + self.batch_size]
            else:
                index = order[start:start + self.batch_size].to(self.features.device)
                yield self.features[index], self.targets[index]

    def to(self, device: torch.device) -> TensorLoader:
        """Move the whole dataset to `device` once, so batches need no transfer."""
        self.features, self.targets = self.features.to(device), self.targets.to(device)
        return self
