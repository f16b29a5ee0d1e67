"""Autoregressive generation for any model with `step(tokens, state) -> (logits, state)`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


def pick(logits: torch.Tensor, temperature: float, top_k: int | None,
         generator: torch.Generator | None) -> torch.Tensor:
    """The next token of each row: the most likely at temperature 0, else a draw from
    softmax(logits / temperature) over the `top_k` most likely (all when None)."""
    if temperature == 0:
        return logits.argmax(-1, keepdim=True)
    scores = logits / temperature
    if top_k is not None and top_k < scores.shape[-1]:
        kth = scores.topk(top_k, dim=-1).values[:, -1:]
        scores = scores.masked_fill(scores < kth, float("-inf"))
    return torch.multinomial(scores.softmax(-1), 1, generator=generator)


@contextmanager
def one_thread(device: torch.device) -> Iterator[None]:
    """One CPU thread while generating: a single token's step is too small to share out, and
    threads that wait on each other make it ten times slower on a busy machine."""
    threads = torch.get_num_threads()
    if device.type == "cpu":
        torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@torch.no_grad()
def generate(model: nn.Module, prompt: torch.Tensor, length: int, temperature: float = 1.0,
             top_k: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """`length` tokens (1-D) that follow `prompt` (1-D, at least one token).

    Choices are made on the CPU with `generator`, so sampling never draws from the global
    random state (a sample during training leaves the training run unchanged).
    """
    tokens = []
    with one_thread(prompt.device):
        logits, state = model.step(prompt[None], None)
        for _ in range(length):
            token = pick(logits[:, -1].float().cpu(), temperature, top_k, generator)
            tokens.append(token)
            logits, state = model.step(token.to(prompt.device), state)
    return torch.cat(tokens, 1)[0] if tokens else prompt.new_zeros(0)
