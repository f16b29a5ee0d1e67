"""Batches of in-memory tensors by indexing: no per-sample Dataset, no collate."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import torch


class TensorLoader:
    """Iterates over (features, targets) batches sliced from whole tensors.

    For data that fits in memory this is what a hand-written loop does: one `randperm` per
    epoch and one index per batch, instead of a Python call per sample plus a collate.
    It is stateful (Lightning saves its state in checkpoints), so a run resumed in the middle
    of an epoch goes on with exactly the batches the interrupted run would have seen.

    Under DDP each process passes its `share` = (rank, world size): every process draws the
    same permutation and serves every world-size-th row of it, padded like torch's
    DistributedSampler so that all processes take the same number of steps.

    With `block` > 1 it serves lists of up to `block` consecutive batches of an epoch (an epoch's
    last list may be shorter), for a task that takes several optimizer steps per Lightning step.
    """

    def __init__(self, features: torch.Tensor, targets: torch.Tensor, batch_size: int,
                 shuffle: bool = False, seed: int = 0, drop_last: bool = False,
                 epoch: Callable[[], int] | None = None, share: tuple[int, int] = (0, 1), block: int = 1) -> None:
        self.features, self.targets = features, targets
        self.rank, self.world_size = share
        self.rows = -(-len(features) // self.world_size)  # rows this process serves per epoch
        self.batch_size = min(batch_size, self.rows)
        self.shuffle, self.drop_last, self.block = shuffle, drop_last, block
        self.generator = torch.Generator().manual_seed(seed)
        self.order: torch.Tensor | None = None  # this epoch's permutation
        self.position = 0  # batches of this epoch already served
        self.drawn = 0  # epochs started, each with its permutation drawn if it has one
        self.resumed = False
        self.epoch = epoch  # the training epoch about to start, where the loader can know it

    def catch_up(self, epoch: int) -> None:
        """Draw (and drop) the permutations of the epochs before `epoch` not drawn yet.

        Lightning restores a loader's state only from a checkpoint saved mid-epoch; a run resumed
        from one saved at an epoch's end (last.ckpt) starts with a fresh loader, which this makes
        shuffle as the uninterrupted run did.
        """
        while self.draws_permutations and self.drawn < epoch:
            torch.randperm(len(self.features), generator=self.generator)
            self.drawn += 1

    @property
    def batches(self) -> int:
        """Batches per epoch."""
        full, rest = divmod(self.rows, self.batch_size)
        return full if self.drop_last or not rest else full + 1

    def __len__(self) -> int:
        """Items per epoch: batches, or lists of `block` of them."""
        return math.ceil(self.batches / self.block)

    @property
    def draws_permutations(self) -> bool:
        """Whether each epoch draws a permutation: one batch of every row has no order to shuffle."""
        return self.shuffle and (self.world_size > 1 or self.batch_size < len(self.features))

    def _epoch_order(self) -> torch.Tensor | None:
        """The rows of this epoch, in order; None for all rows as they are stored."""
        count = len(self.features)
        order = torch.randperm(count, generator=self.generator) if self.draws_permutations else None
        if self.world_size == 1:
            return order
        order = torch.arange(count) if order is None else order
        padded = torch.cat([order, order[: self.rows * self.world_size - count]])
        return padded[self.rank::self.world_size]

    def __iter__(self) -> Iterator[Any]:
        return self._batches() if self.block == 1 else in_blocks(self._batches(), self.block)

    def _batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        count = len(self.features)
        if not self.resumed:
            if self.epoch is not None:
                self.catch_up(self.epoch())
            self.position = 0
            self.order = self._epoch_order()
            self.drawn += 1
        self.resumed = False
        while self.position < self.batches:
            start = self.position * self.batch_size
            self.position += 1
            if self.batch_size == count:  # full batch in one process: no indexing at all
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
        self.resumed = self.position < self.batches


def in_blocks(batches: Iterator[Any], size: int) -> Iterator[list[Any]]:
    """`batches` in lists of `size` consecutive ones; the last list holds what is left."""
    block: list[Any] = []
    for batch in batches:
        block.append(batch)
        if len(block) == size:
            yield block
            block = []
    if block:
        yield block


def process_share(datamodule: Any) -> tuple[int, int]:
    """(rank, world size) of the process a datamodule serves: (0, 1) outside DDP."""
    trainer = getattr(datamodule, "trainer", None)
    return (trainer.global_rank, trainer.world_size) if trainer is not None else (0, 1)
