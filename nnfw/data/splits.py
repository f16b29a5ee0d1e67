"""How every datamodule splits its rows and standardizes them: one rule, wherever the data lives."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

SPLITS = ("train", "val", "test")


def split_rows(count: int, labels: np.ndarray | None, val_fraction: float, test_fraction: float,
               seed: int) -> dict[str, np.ndarray]:
    """Row numbers of the train, val and test splits.

    The test rows are drawn first, then the val rows from the rest, each stratified by `labels`
    (class indices; None for a regression) while every class still has two rows. A fraction of 0
    evaluates on the training rows, as the tutorials do for 4-row truth tables.
    """
    chosen = {"train": np.arange(count)}
    for name, fraction in (("test", test_fraction), ("val", val_fraction)):
        if fraction <= 0:
            continue
        rest = chosen["train"]
        share = fraction / (1 - (test_fraction if name == "val" else 0))
        strata = labels[rest] if labels is not None else None
        if strata is not None and np.bincount(strata.astype(np.int64)).min() < 2:
            strata = None
        chosen["train"], chosen[name] = train_test_split(rest, test_size=share, random_state=seed, stratify=strata)
    return {name: chosen.get(name, chosen["train"]) for name in SPLITS}


def spreads(variance: Any, mean: Any) -> np.ndarray:
    """The standard deviations that standardize values of `variance` and `mean` (arrays or numbers):
    1 for values constant in training (to rounding, as scikit-learn's StandardScaler judges it),
    which would otherwise turn any other value met later, in the test split or at prediction
    time, into millions of deviations."""
    variance, mean = np.asarray(variance), np.asarray(mean)
    eps = np.finfo(variance.dtype if np.issubdtype(variance.dtype, np.floating) else np.float64).eps
    variance, mean = variance.astype(np.float64), mean.astype(np.float64)
    constant = variance <= (10 * eps * mean) ** 2  # zero, but for the rounding of the mean
    return np.where(constant, 1.0, np.sqrt(np.maximum(variance, 0.0)))


def feature_statistics(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mean and spread that standardize each feature (column) of the training split `X`."""
    mean = X.mean(axis=0)
    return mean, spreads(X.var(axis=0), mean).astype(X.dtype)


def channel_statistics(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One mean and spread per channel of training images (n, C, H, W), shaped (C, 1, 1) to broadcast."""
    mean = pixels.mean(axis=(0, 2, 3))
    return mean[:, None, None], spreads(pixels.var(axis=(0, 2, 3)), mean).astype(pixels.dtype)[:, None, None]
