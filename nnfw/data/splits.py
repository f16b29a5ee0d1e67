"""How every datamodule splits its rows and standardizes them: one rule, wherever the data lives."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from nnfw.errors import UserError

SPLITS = ("train", "val", "test")


def split_rows(count: int, labels: np.ndarray | None, val_fraction: float, test_fraction: float,
               seed: int) -> dict[str, np.ndarray]:
    """Row numbers of the train, val and test splits.

    The test rows are drawn first, then the val rows from the rest, each stratified by `labels`
    (class indices; None for a regression) while every class still has two rows and each side
    of the split a row per class. A fraction of 0 evaluates on the training rows, as the
    tutorials do for 4-row truth tables. Too few rows to leave one for training are refused.
    """
    chosen = {"train": np.arange(count)}
    for name, fraction in (("test", test_fraction), ("val", val_fraction)):
        if fraction <= 0:
            continue
        rest = chosen["train"]
        share = fraction / (1 - (test_fraction if name == "val" else 0))
        drawn = math.ceil(share * len(rest))  # as scikit-learn rounds a fraction
        if drawn >= len(rest):
            raise UserError(f"{count} rows are too few to split into training, validation and test rows "
                            f"(data.val_fraction={val_fraction}, data.test_fraction={test_fraction})",
                            "give the data more rows, or set data.val_fraction=0 data.test_fraction=0 to "
                            "evaluate on the training rows")
        strata = labels[rest] if labels is not None else None
        if strata is not None:
            counts = np.bincount(strata.astype(np.int64))
            classes = int((counts > 0).sum())
            if counts[counts > 0].min() < 2 or min(drawn, len(rest) - drawn) < classes:
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
    """The mean and spread that standardize each feature (column) of the training split `X`,
    summed in float64: the square of a float32 value beyond 1.8e19 is infinite in float32."""
    mean = X.mean(axis=0, dtype=np.float64)
    return mean.astype(X.dtype), spreads(X.var(axis=0, dtype=np.float64), mean).astype(X.dtype)


def channel_statistics(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One mean and spread per channel of training images (n, C, H, W), shaped (C, 1, 1) to broadcast."""
    mean = pixels.mean(axis=(0, 2, 3))
    return mean[:, None, None], spreads(pixels.var(axis=(0, 2, 3)), mean).astype(pixels.dtype)[:, None, None]
