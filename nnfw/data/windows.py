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


class ConsecutiveWindows:
    """Windows that continue each other, for stateful truncated back-propagation (char-rnn's way).

    The text is cut into `batch_size` streams of equal length, one per batch row; batch t holds
    the t-th window of `seq_len` tokens of every stream, so a row's window starts where the same
    row's window in the previous batch ended, and a model may carry its state from one to the
    next. An epoch is `batches` batches (default: one pass over the streams); the next epoch goes
    on where it stopped, back to the streams' start after their end. With `rewind`, every
    iteration starts at the streams' start (evaluation reads the same text each time).
    """

    def __init__(self, tokens: torch.Tensor, seq_len: int, batch_size: int, batches: int | None = None,
                 rewind: bool = False) -> None:
        length = (len(tokens) - 1) // batch_size
        self.inputs = tokens[:length * batch_size].view(batch_size, length)
        self.targets = tokens[1:length * batch_size + 1].view(batch_size, length)
        self.seq_len, self.windows = seq_len, length // seq_len
        self.batches = batches or self.windows
        self.rewind = rewind
        self.position = 0  # the next window of the streams

    def __len__(self) -> int:
        return self.batches

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        if self.rewind:
            self.position = 0
        for _ in range(self.batches):
            window = slice(self.position * self.seq_len, (self.position + 1) * self.seq_len)
            self.position = (self.position + 1) % self.windows
            yield self.inputs[:, window], self.targets[:, window]
