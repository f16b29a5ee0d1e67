"""Recommenders: a score for each (user index, item index) pair from learned user and item embeddings.

Inputs are LongTensor pairs (n, 2); the output is one score per pair (n,): a rating, or the
logit that the user picks the item. Index 0 is the unknown user or item (see nnfw.data.ratings).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from nnfw.models.layers import activation as make_activation


def embedding(count: int, size: int, std: float) -> nn.Embedding:
    layer = nn.Embedding(count, size)
    nn.init.normal_(layer.weight, 0.0, std)
    return layer


class Recommender(nn.Module):
    """What both recommenders share: the L2 penalty on the embeddings a batch uses.

    The penalty is on the rows of the batch's users and items only (as matrix factorisation is
    usually regularized), which weight decay on whole tables cannot express.
    """

    l2: float
    tables: Sequence[nn.Embedding]

    def penalty(self, pairs: torch.Tensor) -> torch.Tensor:
        """l2 x the mean squared norm of the batch's user and item factors."""
        users, items = pairs[:, 0], pairs[:, 1]
        norms = [table(users if i % 2 == 0 else items).pow(2).sum(-1).mean() for i, table in enumerate(self.tables)]
        return self.l2 * torch.stack(norms).sum()


class MatrixFactorization(Recommender):
    """Biased matrix factorisation: global mean + user bias + item bias + user factors . item factors."""

    def __init__(self, num_users: int, num_items: int, embedding_size: int = 32, l2: float = 0.1,
                 rating_mean: float = 0.0, init_std: float = 0.01) -> None:
        super().__init__()
        self.users, self.items = embedding(num_users, embedding_size, init_std), embedding(num_items, embedding_size, init_std)
        self.user_bias, self.item_bias = embedding(num_users, 1, 0.0), embedding(num_items, 1, 0.0)
        self.global_bias = nn.Parameter(torch.tensor(float(rating_mean)))
        self.l2, self.tables = l2, (self.users, self.items)

    def forward(self, pairs: torch.Tensor) -> torch.Tensor:
        users, items = pairs[:, 0], pairs[:, 1]
        factors = (self.users(users) * self.items(items)).sum(-1)
        return self.global_bias + self.user_bias(users).squeeze(-1) + self.item_bias(items).squeeze(-1) + factors


class NeuMF(Recommender):
    """Neural collaborative filtering (He et al., 2017): a GMF branch (the element-wise product of
    user and item factors) beside an MLP over their concatenated embeddings, joined by one linear layer."""

    def __init__(self, num_users: int, num_items: int, embedding_size: int = 32,
                 hidden_sizes: Sequence[int] = (64, 32, 16), activation: str = "relu", dropout: float = 0.0,
                 l2: float = 0.0, rating_mean: float = 0.0, init_std: float = 0.01) -> None:
        super().__init__()
        self.gmf_users, self.gmf_items = embedding(num_users, embedding_size, init_std), embedding(num_items, embedding_size, init_std)
        width = hidden_sizes[0] if hidden_sizes else embedding_size
        self.mlp_users, self.mlp_items = embedding(num_users, width // 2, init_std), embedding(num_items, width // 2, init_std)
        layers: list[nn.Module] = []
        width = 2 * (width // 2)
        for size in hidden_sizes[1:]:
            layers += [nn.Linear(width, size), make_activation(activation)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
            width = size
        self.mlp = nn.Sequential(*layers)
        self.head = nn.Linear(embedding_size + width, 1)
        nn.init.constant_(self.head.bias, float(rating_mean))
        self.l2, self.tables = l2, (self.gmf_users, self.gmf_items, self.mlp_users, self.mlp_items)

    def forward(self, pairs: torch.Tensor) -> torch.Tensor:
        users, items = pairs[:, 0], pairs[:, 1]
        gmf = self.gmf_users(users) * self.gmf_items(items)
        mlp = self.mlp(torch.cat([self.mlp_users(users), self.mlp_items(items)], -1))
        return self.head(torch.cat([gmf, mlp], -1)).squeeze(-1)
