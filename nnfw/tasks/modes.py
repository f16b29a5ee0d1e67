"""How well generated points cover a mixture of Gaussians, measured as PacGAN and VEEGAN do."""

from __future__ import annotations

import torch

#: samples whose coverage is measured, as in the papers
SAMPLES = 2500
#: a sample is of high quality within this many standard deviations of its nearest mode
QUALITY_STDS = 3.0
#: a mode counts as covered with at least this many high-quality samples (PacGAN's 20 of 2,500)
COVERED_COUNT = 20


def mixture_modes(points: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The centres of a labelled mixture's modes, and their common spread (the pooled per-axis
    standard deviation of the points around their own mode)."""
    classes = int(labels.max()) + 1
    centres = torch.stack([points[labels == c].mean(0) for c in range(classes)])
    return centres, (points - centres[labels]).std()


def mode_coverage(samples: torch.Tensor, centres: torch.Tensor, std: torch.Tensor | float
                  ) -> tuple[int, float]:
    """(modes covered, share of high-quality samples): a sample is high quality within
    QUALITY_STDS standard deviations of its nearest mode; a mode is covered by COVERED_COUNT of them
    (scaled to the number of samples given)."""
    distance, nearest = torch.cdist(samples, centres).min(dim=1)
    good = distance <= QUALITY_STDS * std
    counts = torch.bincount(nearest[good], minlength=len(centres))
    needed = max(1, round(COVERED_COUNT * len(samples) / SAMPLES))
    return int((counts >= needed).sum()), float(good.float().mean())
