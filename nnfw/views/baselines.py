"""Simple models fitted on the run's own training split, so a network's numbers can be judged.

Classification: the majority class and logistic regression; regression: the training mean and
ridge regression (scikit-learn, metrics in the data's units); language models: the unigram
model (each character at its training frequency), whose bits per character are its entropy;
forecasts: the last value, the value a season ago and exponential smoothing (forecast_baselines).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from nnfw.data.spec import DataSpec
from nnfw.views import forecast_baselines

#: a linear baseline is fitted when the training split has at most this many values
LINEAR_LIMIT = 5_000_000
Scores = dict[str, float]


def compute(datamodule: Any, spec: DataSpec) -> dict[str, Scores]:
    """Baseline name -> its metrics on the val and test splits, named as the network's are."""
    if spec.task == "language_model" and hasattr(datamodule, "tokens"):
        return {"unigram": unigram(datamodule.tokens, spec.num_classes)}
    if spec.task == "forecast":
        return forecast_baselines.compute(datamodule)
    tensors = getattr(datamodule, "tensors", None)
    if spec.task not in ("binary", "multiclass", "regression") or not tensors:
        return {}
    splits = {name: (x.flatten(1).cpu().numpy(), y.cpu().numpy()) for name, (x, y) in tensors.items()}
    X, y = splits["train"]
    if spec.task == "regression":
        unscale = spec.unscale_targets
        mean = np.mean(y, axis=0)
        found = {"mean": _regression_scores(splits, lambda X: np.broadcast_to(mean, (len(X), *np.shape(mean))), unscale)}
        if X.size <= LINEAR_LIMIT:
            from sklearn.linear_model import Ridge

            found["ridge"] = _regression_scores(splits, Ridge(alpha=1.0).fit(X, y).predict, unscale)
        return found
    y = y.astype(np.int64)
    majority = np.bincount(y).argmax()
    found = {"majority": _accuracies(splits, lambda X: np.full(len(X), majority))}
    if X.size <= LINEAR_LIMIT and len(np.unique(y)) > 1:
        from sklearn.linear_model import LogisticRegression

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence warnings: the baseline is what it is
            found["logistic"] = _accuracies(splits, LogisticRegression(max_iter=1000).fit(X, y).predict)
    return found


def _accuracies(splits: dict[str, tuple[np.ndarray, np.ndarray]], predict: Any) -> Scores:
    return {f"{name}/acc": float(np.mean(predict(X) == y.astype(np.int64)))
            for name, (X, y) in splits.items() if name != "train"}


def _regression_scores(splits: dict[str, tuple[np.ndarray, np.ndarray]], predict: Any, unscale: Any) -> Scores:
    scores = {}
    for name, (X, y) in splits.items():
        if name == "train":
            continue
        error = unscale(np.asarray(predict(X), dtype=np.float32)) - unscale(y)
        scores[f"{name}/rmse"] = float(np.sqrt(np.mean(error ** 2)))
        scores[f"{name}/mae"] = float(np.mean(np.abs(error)))
    return scores


def unigram(tokens: dict[str, Any], vocabulary: int) -> Scores:
    """Bits per character of each split under the training split's character frequencies (add-one smoothed)."""
    counts = np.bincount(tokens["train"].cpu().numpy(), minlength=vocabulary) + 1.0
    log_p = np.log2(counts / counts.sum())
    scores = {}
    for name in ("val", "test"):
        if name in tokens:
            ids = tokens[name].cpu().numpy()
            scores[f"{name}/bpc"] = float(-log_p[ids].mean()) if len(ids) else math.nan
    return scores
