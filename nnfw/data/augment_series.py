"""Random changes to batches of forecasting windows: jitter, scaling and window slicing, batched on the device."""

from __future__ import annotations

import torch

from nnfw.data.augment import BatchAugment


class SeriesAugment(BatchAugment):
    """Jitter, scaling and window slicing of windows (n, window) and the values they forecast.

    After Um et al. (2017) and Le Guennec et al. (2016), in the series' own units:
    - `jitter`: Gaussian noise of `jitter` times each window's own standard deviation on its
      values (the targets stay as observed);
    - `scaling`: each window and its targets multiplied by one factor drawn from N(1, scaling),
      so that a series twice as large continues twice as large;
    - `slicing`: each window keeps its last share of values, drawn from [slicing, 1], stretched
      back to the window's length by linear interpolation: the same series seen faster, still
      ending where the forecast starts (1: off).
    """

    def __init__(self, jitter: float = 0.0, scaling: float = 0.0, slicing: float = 1.0) -> None:
        self.jitter, self.scaling, self.slicing = jitter, scaling, slicing

    @property
    def active(self) -> bool:
        return bool(self.jitter or self.scaling or self.slicing < 1)

    def batch(self, inputs: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.scaling:
            factor = 1 + torch.randn(len(inputs), device=inputs.device) * self.scaling
            inputs = inputs * factor.view(-1, *([1] * (inputs.ndim - 1)))
            targets = targets * factor.view(-1, *([1] * (targets.ndim - 1)))
        return self(inputs), targets

    def __call__(self, windows: torch.Tensor) -> torch.Tensor:
        if self.slicing < 1:
            windows = self._slice(windows)
        if self.jitter:
            spread = windows.std(dim=1, keepdim=True) if windows.shape[1] > 1 else torch.ones_like(windows[:, :1])
            windows = windows + torch.randn_like(windows) * spread * self.jitter
        return windows

    def _slice(self, windows: torch.Tensor) -> torch.Tensor:
        count, length = windows.shape[:2]
        last = length - 1
        share = torch.empty(count, 1, device=windows.device).uniform_(self.slicing, 1)
        steps = torch.linspace(0, 1, length, device=windows.device)
        source = last * (1 - share) + steps * share * last  # positions in the window, the last one kept
        low = source.floor().long().clamp(max=last)
        high = (low + 1).clamp(max=last)
        shape = (count, length, *([1] * (windows.ndim - 2)))  # one position per value of a window

        def at(index: torch.Tensor) -> torch.Tensor:
            return windows.gather(1, index.view(shape).expand_as(windows))

        weight = (source - low).view(shape)
        return at(low) * (1 - weight) + at(high) * weight
