"""Recurrent forecasters: a window of values in, the next `out_features` values out."""

from __future__ import annotations

import torch
from torch import nn

from nnfw.models.recurrent import CELLS


class RecurrentForecaster(nn.Module):
    """RNN / LSTM / GRU over a window of values, predicting how what follows differs from a
    simple forecast: the window's last value, or with `season` > 0 the value a season before
    each step (the seasonal naive forecast).

    The recurrent layers read the window as changes from its last value; their last state and
    a linear map of the same changes (an autoregressive skip, as LSTNet's highway) give the
    correction. Both start at zero, so an untrained forecaster is the simple forecast and
    training moves it only where the data says so: on short series a network of this size
    otherwise lands behind a last-value forecast. `in_features` is the window's length.
    """

    def __init__(self, in_features: int, out_features: int, cell: str = "lstm", hidden_size: int = 32,
                 num_layers: int = 1, dropout: float = 0.0, season: int = 0) -> None:
        super().__init__()
        self.rnn = CELLS[cell](1, hidden_size, num_layers, batch_first=True,
                               dropout=dropout if num_layers > 1 else 0.0)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden_size, out_features))
        self.skip = nn.Linear(in_features, out_features)
        for layer in (self.head[1], self.skip):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)
        steps = torch.arange(out_features)
        start = in_features - season + steps % season if 0 < season <= in_features else torch.full_like(steps, -1)
        self.register_buffer("start", start, persistent=False)

    def forward(self, window: torch.Tensor) -> torch.Tensor:
        """Forecasts (batch, out_features) for windows (batch, length)."""
        change = window - window[:, -1:]
        hidden, _ = self.rnn(change.unsqueeze(-1))
        return window[:, self.start] + self.skip(change) + self.head(hidden[:, -1])
