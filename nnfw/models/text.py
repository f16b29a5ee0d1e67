"""Text classifiers over word ids (id 0 pads): a bag of embeddings, and a recurrent one."""

from __future__ import annotations

import torch
from torch import nn

from nnfw.models.recurrent import CELLS


class BagOfEmbeddings(nn.Module):
    """The mean of a text's word embeddings (padding left out), then a linear layer: fastText-style."""

    def __init__(self, in_features: int, out_features: int, embedding_size: int = 32, dropout: float = 0.0) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(in_features, embedding_size, mode="mean", padding_idx=0)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(embedding_size, out_features))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.head(self.bag(tokens))


class RecurrentClassifier(nn.Module):
    """Word embeddings -> LSTM / GRU / RNN; the last step's state (the last word: texts are padded
    on the left) -> a linear layer over the classes."""

    def __init__(self, in_features: int, out_features: int, cell: str = "lstm", embedding_size: int = 32,
                 hidden_size: int = 64, num_layers: int = 1, dropout: float = 0.0) -> None:
        super().__init__()
        self.embedding = nn.Embedding(in_features, embedding_size, padding_idx=0)
        self.rnn = CELLS[cell](embedding_size, hidden_size, num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden_size, out_features))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        hidden, _ = self.rnn(self.embedding(tokens))
        return self.head(hidden[:, -1])
