"""Batches of random windows cut from one long token tensor, as char-level baselines train."""

from __future__ import annotations

from collections.abc import Iterator

import torch


class RandomWindows:
    """`count` windows of `seq_len + 1` tokens at random offsets per epoch, in batches.

    Each batch is (inputs, targets): a window's first `seq_len` tokens and the same shifted by
    one. The windows are gathered by one indexing of the token tensor, on its device.
    """

    def __init__(self, tokens: torch.Tensor, seq_len: int, batch_size: int, count: int, seed: int = 0) -> None:
        self.tokens, self.seq_len = tokens, seq_len
        self.batch_size, self.count = min(batch_size, count), count
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return -(-self.count // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        device = self.tokens.device
        starts = torch.randint(0, len(self.tokens) - self.seq_len, (self.count, 1), generator=self.generator)
        starts = starts.to(device)
        offsets = torch.arange(self.seq_len + 1, device=device)
        for first in range(0, self.count, self.batch_size):
            windows = self.tokens[starts[first:first + self.batch_size] + offsets]
            yield windows[:, :-1], windows[:, 1:]
