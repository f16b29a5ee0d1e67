"""The first layer of a model that reads a table's features: category codes become learned embeddings."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


def default_embedding_size(codes: int) -> int:
    """fastai's rule of thumb for a category of `codes` values: min(600, round(1.6 * codes ** 0.56))."""
    return min(600, round(1.6 * codes ** 0.56))


class TabularInput(nn.Module):
    """Passes a row's numeric features as they are and replaces each feature that holds a
    category's code by that category's learned vector.

    `categories` are [feature index, codes] pairs (the data's `categories` size); a code is read
    rounded and clamped to its range, so any float fed in (a grid over the input plane, a file
    written by hand) picks a slot instead of failing. `embedding_size` fixes every category's
    vector length; None sizes each by `default_embedding_size` of its codes.
    """

    def __init__(self, in_features: int, categories: Sequence[Sequence[int]], embedding_size: int | None = None) -> None:
        super().__init__()
        coded = [int(index) for index, _ in categories]
        self.register_buffer("numeric", torch.tensor([i for i in range(in_features) if i not in coded], dtype=torch.long),
                             persistent=False)
        self.register_buffer("coded", torch.tensor(coded, dtype=torch.long), persistent=False)
        self.register_buffer("largest", torch.tensor([int(n) - 1 for _, n in categories], dtype=torch.long),
                             persistent=False)
        self.embeddings = nn.ModuleList(nn.Embedding(int(n), embedding_size or default_embedding_size(int(n)))
                                        for _, n in categories)
        for embedding in self.embeddings:  # small vectors at first, as fastai starts them
            nn.init.trunc_normal_(embedding.weight, std=0.01)
        self.out_features = len(self.numeric) + sum(e.embedding_dim for e in self.embeddings)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        codes = torch.minimum(x.index_select(1, self.coded).round().long().clamp_min(0), self.largest)
        vectors = [embedding(codes[:, i]) for i, embedding in enumerate(self.embeddings)]
        return torch.cat([x.index_select(1, self.numeric), *vectors], dim=1)


def tabular_input(in_features: int, categories: Sequence[Sequence[int]] | None,
                  embedding_size: int | None = None) -> tuple[TabularInput | None, int]:
    """The input layer for data with category codes (None for data without), and the width after it."""
    if not categories:
        return None, in_features
    layer = TabularInput(in_features, categories, embedding_size)
    return layer, layer.out_features
