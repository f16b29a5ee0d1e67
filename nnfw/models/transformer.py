"""A causal decoder-only transformer over characters (GPT-style), from torch's encoder layers."""

from __future__ import annotations

import math

import torch
from torch import nn

from nnfw.errors import UserError
from nnfw.models.choices import POSITIONS
from nnfw.models.recurrent import tie


def sinusoidal_positions(length: int, d_model: int) -> torch.Tensor:
    """PE[pos, 2i] = sin(pos / 10000^(2i/d)), PE[pos, 2i+1] = cos(...) (Vaswani et al., 2017)."""
    position = torch.arange(length, dtype=torch.float32)[:, None]
    frequency = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(10000.0) / d_model))
    table = torch.zeros(length, d_model)
    table[:, 0::2] = torch.sin(position * frequency)
    table[:, 1::2] = torch.cos(position * frequency)[:, : d_model // 2]
    return table


class CausalTransformer(nn.Module):
    """Token embedding + positions -> `num_layers` masked self-attention layers -> logits.

    Each position attends only to itself and earlier ones. `context` is the longest input it
    reads (the data's `seq_len`); generation keeps the last `context` tokens. `norm_first`
    chooses pre-norm (stable for deep stacks; adds a final LayerNorm) or the original post-norm.
    """

    def __init__(self, in_features: int, out_features: int, context: int, d_model: int = 128,
                 num_heads: int = 4, num_layers: int = 4, d_ff: int = 512, dropout: float = 0.0,
                 positions: str = "learned", norm_first: bool = True, tie_weights: bool = True) -> None:
        super().__init__()
        if d_model % num_heads:
            raise UserError(f"model.d_model ({d_model}) must be a multiple of model.num_heads ({num_heads})",
                            "each head attends over d_model / num_heads dimensions")
        self.context = context
        self.embedding = nn.Embedding(in_features, d_model)
        nn.init.normal_(self.embedding.weight, 0.0, 0.02)  # GPT-2's scale; N(0, 1) makes tied logits explode
        assert positions in POSITIONS, positions
        if positions == "learned":
            self.positions = nn.Parameter(torch.randn(context, d_model) * 0.02)
        else:
            self.register_buffer("positions", sinusoidal_positions(context, d_model), persistent=False)
        layer = nn.TransformerEncoderLayer(d_model, num_heads, d_ff, dropout, activation="gelu",
                                           batch_first=True, norm_first=norm_first)
        self.layers = nn.TransformerEncoder(layer, num_layers, norm=nn.LayerNorm(d_model) if norm_first else None,
                                            enable_nested_tensor=False)
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(d_model, out_features)
        tie(self.head, self.embedding, tie_weights)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        """Logits (batch, time, vocabulary) for tokens (batch, time <= context)."""
        length = tokens.shape[1]
        hidden = self.dropout(self.embedding(tokens) + self.positions[:length])
        mask = nn.Transformer.generate_square_subsequent_mask(length, device=tokens.device)
        return self.head(self.layers(hidden, mask=mask, is_causal=True))

    def step(self, tokens: torch.Tensor, history: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits after `tokens` given the tokens before them; the state is the last `context` tokens."""
        history = tokens if history is None else torch.cat([history, tokens], dim=1)
        history = history[:, -self.context:]
        return self.forward(history), history
