"""Corrupted copies of rows, which a denoising autoencoder learns to undo."""

from __future__ import annotations

import numpy as np


def corrupt(X: np.ndarray, kind: str, level: float, rng: np.random.Generator,
            bounds: tuple[float, float]) -> np.ndarray:
    """`X` with Gaussian noise of std `level` added (clipped to the data's `bounds`, as seeds/004
    clips its noisy patterns to [0, 1]), or with a share `level` of its values set to 0 (masking)."""
    if kind == "gaussian":
        return np.clip(X + level * rng.standard_normal(X.shape), *bounds).astype(np.float32)
    return np.where(rng.random(X.shape) < level, 0.0, X).astype(np.float32)
