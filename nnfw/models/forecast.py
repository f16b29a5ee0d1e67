"""Recurrent forecasters: a window of values in, the next `out_features` values out."""

from __future__ import annotations

import torch
from torch import nn

from nnfw.models.recurrent import CELLS


class RecurrentForecaster(nn.Module):
    """RNN / LSTM / GRU over a window of values; the last step's state predicts what follows.

    Each window is normalized by its own mean and spread, and the forecast mapped back
    (reversible instance normalization, Kim et al., 2022): the network learns the shape of a
    series, not its level, and its outputs stay in the series' units. `in_features`, the
    window length, is accepted like every model's and not needed: recurrent layers take any length.
    """

    def __init__(self, in_features: int, out_features: int, cell: str = "lstm", hidden_size: int = 32,
                 num_layers: int = 1, dropout: float = 0.0) -> None:
        super().__init__()
        self.rnn = CELLS[cell](1, hidden_size, num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden_size, out_features))

    def forward(self, window: torch.Tensor) -> torch.Tensor:
        """Forecasts (batch, out_features) for windows (batch, length)."""
        level = window.mean(dim=1, keepdim=True)
        spread = window.std(dim=1, keepdim=True) + 1e-5
        hidden, _ = self.rnn(((window - level) / spread).unsqueeze(-1))
        return self.head(hidden[:, -1]) * spread + level
