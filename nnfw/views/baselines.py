"""Simple models fitted on the run's own training split, so a network's numbers can be judged.

Classification: the majority class and logistic regression; regression: the training mean and
ridge regression (scikit-learn, metrics in the data's units); language models: the unigram
model (each character at its training frequency), whose bits per character are its entropy;
forecasts: the last value, the value a season ago and exponential smoothing (forecast_baselines).
A user's table read as it is (categories, gaps) also gets scikit-learn's HistGradientBoosting,
which takes categories and gaps natively; there the linear models read it one-hot encoded and
median-imputed with a missing-value indicator, as a practitioner would prepare it by hand.
Several targets: each target's own baselines, one target at a time.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnfw.data.spec import DataSpec
from nnfw.views import forecast_baselines

#: a linear baseline is fitted when the training split has at most this many values
LINEAR_LIMIT = 5_000_000
Scores = dict[str, float]


def compute(datamodule: Any, spec: DataSpec) -> dict[str, Scores]:
    """Baseline name -> its metrics on the val and test splits, named as the network's are
    (with several targets, each target's as `stage/target/metric`)."""
    if spec.task == "language_model" and hasattr(datamodule, "tokens"):
        return {"unigram": unigram(datamodule.tokens, spec.num_classes)}
    if spec.task == "forecast":
        return forecast_baselines.compute(datamodule)
    tensors = getattr(datamodule, "tensors", None)
    if spec.task not in ("binary", "multiclass", "regression", "multitarget") or not tensors:
        return {}
    columns = getattr(datamodule, "columns", None)
    preprocessor = getattr(datamodule, "preprocessor", None)
    table = None
    if columns and preprocessor is not None:  # the table as read: numbers with gaps, category codes
        splits = {name: (columns[name], y.cpu().numpy()) for name, (_, y) in tensors.items()}
        table = TableColumns.of(preprocessor, getattr(datamodule, "seed", 0))
    else:
        splits = {name: (x.flatten(1).cpu().numpy(), y.cpu().numpy()) for name, (x, y) in tensors.items()}
    if spec.task != "multitarget":
        return _fitted(splits, spec, table)
    found: dict[str, Scores] = {}
    for index, target in enumerate(spec.targets):
        columns_of_target = {name: (X, y[:, index]) for name, (X, y) in splits.items()}
        for name, scores in _fitted(columns_of_target, spec.target_spec(index), table).items():
            found.setdefault(name, {}).update({_of_target(key, target.name): value for key, value in scores.items()})
    return found


def sample_note(rows: dict[str, int]) -> str | None:
    """What the baselines saw where it was a sample of each split (a streamed table's `baseline_rows`)."""
    if not rows:
        return None
    return (f"baselines fitted on a sample of {rows['train']:,} training rows and scored on samples of "
            f"{rows['val']:,} val and {rows['test']:,} test rows (the table streamed from disk)")


def _of_target(name: str, target: str) -> str:
    """`stage/metric` as `stage/target/metric`."""
    stage, _, metric = name.partition("/")
    return f"{stage}/{target}/{metric}"


@dataclass(frozen=True)
class TableColumns:
    """Which of a table's columns (as read) hold category codes, how many codes each, and the
    run's seed: what the one-hot linear models and HistGradientBoosting are built from."""

    categorical: np.ndarray
    cardinalities: list[int]
    seed: int

    @classmethod
    def of(cls, preprocessor: Any, seed: int) -> TableColumns:
        return cls(preprocessor.raw_categorical,
                   [column.cardinality for column in preprocessor.columns if column.kind == "categorical"], seed)


def _fitted(splits: dict[str, tuple[np.ndarray, np.ndarray]], spec: DataSpec,
            table: TableColumns | None) -> dict[str, Scores]:
    """The baselines of one target of kind `spec.task`, fitted on the training split of `splits`."""
    linear = None if table is None else _table_linear_input(table.categorical)
    boosted = None if table is None else _boosting(spec, table.categorical, table.cardinalities, table.seed)
    X, y = splits["train"]
    fitted = (lambda model: model if linear is None else _pipeline(linear, model))
    if spec.task == "regression":
        unscale = spec.unscale_targets
        mean = np.mean(y, axis=0)
        found = {"mean": _regression_scores(splits, lambda X: np.broadcast_to(mean, (len(X), *np.shape(mean))), unscale)}
        if X.size <= LINEAR_LIMIT:
            from sklearn.linear_model import Ridge

            found["ridge"] = _regression_scores(splits, fitted(Ridge(alpha=1.0)).fit(X, y).predict, unscale)
        if boosted is not None and y.ndim == 1:
            found["gradient_boosting"] = _regression_scores(splits, boosted.fit(X, y).predict, unscale)
        return found
    y = y.astype(np.int64)
    majority = np.bincount(y).argmax()
    found = {"majority": _accuracies(splits, lambda X: np.full(len(X), majority))}
    if len(np.unique(y)) > 1:
        from sklearn.linear_model import LogisticRegression

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence warnings: the baseline is what it is
            if X.size <= LINEAR_LIMIT:
                found["logistic"] = _accuracies(splits, fitted(LogisticRegression(max_iter=1000)).fit(X, y).predict)
            if boosted is not None:
                found["gradient_boosting"] = _accuracies(splits, boosted.fit(X, y).predict)
    return found


def _table_linear_input(categorical: np.ndarray) -> Any:
    """A table's columns as a linear model reads them: numbers median-imputed (with a 0/1
    indicator per column that had gaps) and standardized, category codes one-hot."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numbers = make_pipeline(SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
                            StandardScaler())
    return ColumnTransformer([("numbers", numbers, np.flatnonzero(~categorical)),
                              ("categories", OneHotEncoder(handle_unknown="ignore"), np.flatnonzero(categorical))])


def _pipeline(inputs: Any, model: Any) -> Any:
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline

    return make_pipeline(clone(inputs), model)


#: HistGradientBoosting takes a column as categorical while it has at most this many codes
BOOSTING_CATEGORIES = 255


def _boosting(spec: DataSpec, categorical: np.ndarray, cardinalities: list[int], seed: int) -> Any:
    """scikit-learn's HistGradientBoosting for the task, with the table's categories native
    (a category of more codes than it bins reads its codes as numbers) and gaps native."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    native = categorical.copy()
    native[np.flatnonzero(categorical)] = np.asarray(cardinalities) <= BOOSTING_CATEGORIES
    model = HistGradientBoostingRegressor if spec.task == "regression" else HistGradientBoostingClassifier
    return model(categorical_features=native if native.any() else None, random_state=seed)


def _accuracies(splits: dict[str, tuple[np.ndarray, np.ndarray]], predict: Any) -> Scores:
    return {f"{name}/acc": float(np.mean(predict(X) == y.astype(np.int64)))
            for name, (X, y) in splits.items() if name != "train"}


def _regression_scores(splits: dict[str, tuple[np.ndarray, np.ndarray]], predict: Any, unscale: Any) -> Scores:
    scores = {}
    for name, (X, y) in splits.items():
        if name == "train":
            continue
        error = (unscale(np.asarray(predict(X), dtype=np.float32)) - unscale(y)).astype(np.float64)  # squares beyond float32
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
