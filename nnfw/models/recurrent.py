"""Character-level language models on torch's fused recurrent layers (cuDNN on a GPU)."""

from __future__ import annotations

from typing import Any, Literal

import torch
from torch import nn

from nnfw.errors import UserError

CELLS: dict[str, type[nn.RNNBase]] = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def tie(head: nn.Linear, embedding: nn.Embedding, tie_weights: bool) -> None:
    """Share the output layer's weights with the input embedding (Press & Wolf, 2017)."""
    if not tie_weights:
        return
    if head.in_features != embedding.embedding_dim:
        raise UserError(
            f"model.tie_weights needs the output layer's input size ({head.in_features}) "
            f"to equal model.embedding_size ({embedding.embedding_dim})",
            "make them equal, or set model.tie_weights=false",
        )
    head.weight = embedding.weight


class RecurrentLM(nn.Module):
    """Embedding -> `num_layers` of RNN (tanh) / LSTM / GRU -> dropout -> linear over the vocabulary.

    `in_features` and `out_features` are the vocabulary size (from the data). `dropout` acts
    between the recurrent layers and before the output layer.
    """

    def __init__(self, in_features: int, out_features: int, cell: Literal["rnn", "lstm", "gru"] = "lstm",
                 embedding_size: int = 64, hidden_size: int = 256, num_layers: int = 2, dropout: float = 0.0,
                 tie_weights: bool = False) -> None:
        super().__init__()
        self.embedding = nn.Embedding(in_features, embedding_size)
        self.rnn = CELLS[cell](embedding_size, hidden_size, num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(hidden_size, out_features)
        tie(self.head, self.embedding, tie_weights)

    def step(self, tokens: torch.Tensor, state: Any = None) -> tuple[torch.Tensor, Any]:
        """Logits (batch, time, vocabulary) for `tokens` (batch, time), and the state after them."""
        hidden, state = self.rnn(self.embedding(tokens), state)
        return self.head(self.dropout(hidden)), state

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.step(tokens)[0]
