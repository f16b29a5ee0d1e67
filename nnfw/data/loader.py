"""Batches of in-memory tensors by indexing: no per-sample Dataset, no collate."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import torch


class TensorLoader:
    """Iterates over (features, targets) batches sliced from whole tensors.

    For data that fits in memory this is what a hand-written loop does: one `randperm` per
    epoch and one index per batch, instead of a Python call per sample plus a collate.
    It is stateful (Lightning saves its state in checkpoints), so a run resumed in the middle
    of an epoch goes on with exactly the batches the interrupted run would have seen.
    """

    def __init__(self, features: torch.Tensor, targets: torch.Tensor, batch_size: int,
                 shuffle: bool = False, seed: int = 0, drop_last: bool = False,
                 epoch: Callable[[], int] | None = None) -> None:
        self.features, self.targets = features, targets
        self.batch_size = min(batch_size, len(features))
        self.shuffle, self.drop_last = shuffle, drop_last
        self.generator = torch.Generator().manual_seed(seed)
        self.order: torch.Tensor | None = None  # this epoch's permutation
        self.position = 0  # batches of this epoch already served
        self.drawn = 0  # epochs whose permutation has been drawn
        self.resumed = False
        self.epoch = epoch  # the training epoch about to start, where the loader can know it

    def catch_up(self, epoch: int) -> None:
        """Draw (and drop) the permutations of the epochs before `epoch` not drawn yet.

        Lightning restores a loader's state only from a checkpoint saved mid-epoch; a run resumed
        from one saved at an epoch's end (last.ckpt) starts with a fresh loader, which this makes
        shuffle as the uninterrupted run did.
        """
        while self.shuffle and self.drawn < epoch:
            torch.randperm(len(self.features), generator=self.generator)
            self.drawn += 1

    def __len__(self) -> int:
        full, rest = divmod(len(self.features), self.batch_size)
        return full if self.drop_last or not rest else full + 1

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        count = len(self.features)
        if not self.resumed:
            if self.epoch is not None:
                self.catch_up(self.epoch())
            self.position = 0
            self.order = torch.randperm(count, generator=self.generator) if self.shuffle else None
            self.drawn += 1
        self.resumed = False
        while self.position < len(self):
            start = self.position * self.batch_size
            self.position += 1
            if self.batch_size == count:  # full batch: no indexing at all
                yield self.features, self.targets
            elif self.order is None:
                yield self.features[start:start + self.batch_size], self.targets[start:start + self.batch_size]
            else:
                index = self.order[start:start + self.batch_size].to(self.features.device)
                yield self.features[index], self.targets[index]

    def state_dict(self) -> dict[str, Any]:
        """Where the epoch stands, saved in checkpoints so that a resumed run sees the same batches."""
        return {"generator": self.generator.get_state(), "order": self.order, "position": self.position,
                "drawn": self.drawn}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.generator.set_state(state["generator"])
        self.order, self.position, self.drawn = state["order"], state["position"], state.get("drawn", 0)
        # an epoch saved halfway is continued; one saved at its end is followed by a fresh one
        self.resumed = self.position < len(self)
