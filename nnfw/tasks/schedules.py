"""Learning-rate schedules over a wall-clock budget (`trainer.max_time`), not an epoch count.

A run that trains for 300 s does not know how many steps it will take, so a cosine over epochs
would anneal over a count nobody chose. This one warms up over the first `warmup` fraction of the
budget and follows a cosine from the optimizer's rate to `min_factor` of it over the rest, by the
time elapsed at each step.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from typing import Any

import torch
from torch.optim.lr_scheduler import LRScheduler

from nnfw.errors import UserError


def seconds(budget: str | dict[str, int] | timedelta | None) -> float:
    """Lightning's forms of `max_time` ("DD:HH:MM:SS", a dict of timedelta's keys, a timedelta) in seconds."""
    if isinstance(budget, timedelta):
        return budget.total_seconds()
    if isinstance(budget, dict):
        return timedelta(**budget).total_seconds()
    if isinstance(budget, str) and budget.count(":") == 3:
        days, hours, minutes, secs = (int(part) for part in budget.split(":"))
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=secs).total_seconds()
    raise UserError(f"a schedule over the time budget needs trainer.max_time, got '{budget}'",
                    'set trainer.max_time="00:00:05:00" (DD:HH:MM:SS)')


class TimeBudgetCosine(LRScheduler):
    """Linear warm-up, then cosine annealing, over `budget` of wall-clock time (step it every step).

    The time trained so far is kept in the state, so a resumed run goes on where it stopped.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, budget: Any, warmup: float = 0.02,
                 min_factor: float = 0.0, last_epoch: int = -1) -> None:
        self.budget, self.warmup, self.min_factor = seconds(budget), warmup, min_factor
        self.elapsed_before = 0.0  # seconds trained before this process (a resumed run)
        self.started: float | None = None
        super().__init__(optimizer, last_epoch)

    def progress(self) -> float:
        """The fraction of the budget used, from 0 at the first step."""
        now = time.perf_counter()
        if self.started is None:
            self.started = now
        return min(1.0, (self.elapsed_before + now - self.started) / self.budget)

    def factor(self, progress: float) -> float:
        if progress < self.warmup:
            return (progress + 1e-3) / (self.warmup + 1e-3)
        annealed = (progress - self.warmup) / max(1e-9, 1.0 - self.warmup)
        return self.min_factor + (1.0 - self.min_factor) * 0.5 * (1.0 + math.cos(math.pi * annealed))

    def get_lr(self) -> list[float]:
        factor = self.factor(self.progress())
        return [base * factor for base in self.base_lrs]

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["elapsed_before"] = self.elapsed_before + (time.perf_counter() - self.started if self.started else 0.0)
        state["started"] = None
        return state
