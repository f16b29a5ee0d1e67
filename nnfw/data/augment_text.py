"""Word dropout for batches of word ids: random words of a training batch read as unknown."""

from __future__ import annotations

import torch

from nnfw.data.augment import BatchAugment


class TokenDropout(BatchAugment):
    """Each word of a training text becomes the unknown word (`unknown_id`) with probability
    `rate`, padding excepted, as word dropout does (Iyyer et al., 2015): a classifier learns not
    to hang on single words, and sees what unknown words at test time look like."""

    def __init__(self, rate: float = 0.0, unknown_id: int = 1, padding_id: int = 0) -> None:
        self.rate, self.unknown_id, self.padding_id = rate, unknown_id, padding_id

    @property
    def active(self) -> bool:
        return self.rate > 0

    def __call__(self, ids: torch.Tensor) -> torch.Tensor:
        dropped = (torch.rand(ids.shape, device=ids.device) < self.rate) & (ids != self.padding_id)
        return ids.masked_fill(dropped, self.unknown_id)
