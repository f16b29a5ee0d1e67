"""The figures that interpret a trained model on its test split: a regression's predictions against
the truth and its residuals, a binary classifier's ROC and precision-recall curves, a multiclass
classifier's precision and recall per class, and a table's permutation feature importance.

Drawn with matplotlib like the run's other figures (nnfw.views.figures: fixed sizes in pixels,
imported by the drawing functions only); each returns an RGB array.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nnfw.views.figures import CLASS_COLORS, new_figure, to_array

#: picture name -> (width, height) in inches, at figures.DPI
SIZES = {"predicted_vs_actual": (6.4, 5.2), "residuals": (10, 4), "roc_pr": (10, 4.6)}
#: most features shown in feature_importance.png (the most important ones)
SHOWN_FEATURES = 25
#: a point cloud above this many points is drawn smaller and fainter
MANY_POINTS = 2000
def _targets_labels(count: int) -> list[str]:
    return ["target"] if count == 1 else [f"target {i}" for i in range(count)]


def _columns(values: np.ndarray) -> np.ndarray:
    """Values (n,) or (n, k) as (n, k)."""
    return values.reshape(len(values), -1)


def _marker_size(count: int) -> tuple[float, float]:
    """(size, alpha) of scattered points: smaller and fainter the more of them there are."""
    return (14, 0.7) if count <= MANY_POINTS else (4, 0.35)


def predicted_vs_actual(actual: np.ndarray, predicted: np.ndarray, split: str = "test") -> np.ndarray:
    """Each prediction against its true value, in the data's units; on the diagonal, a perfect model."""
    actual, predicted = _columns(actual), _columns(predicted)
    figure, axes = new_figure("predicted_vs_actual", size=SIZES["predicted_vs_actual"])
    axis = axes[0, 0]
    size, alpha = _marker_size(len(actual))
    for column, label in enumerate(_targets_labels(actual.shape[1])):
        rmse = float(np.sqrt(np.mean((predicted[:, column] - actual[:, column]).astype(np.float64) ** 2)))
        axis.scatter(actual[:, column], predicted[:, column], s=size, alpha=alpha,
                     color=CLASS_COLORS[column % len(CLASS_COLORS)], label=f"{label} (RMSE {rmse:.4g})")
    low, high = float(min(actual.min(), predicted.min())), float(max(actual.max(), predicted.max()))
    axis.plot([low, high], [low, high], color="black", linewidth=1, linestyle="--", label="predicted = actual")
    axis.set(xlabel="actual", ylabel="predicted", title=f"predicted against actual ({len(actual)} {split} samples)")
    axis.grid(alpha=0.3)
    axis.legend(fontsize=8)
    return to_array(figure)


def residuals(actual: np.ndarray, predicted: np.ndarray, split: str = "test") -> np.ndarray:
    """The residuals (actual - predicted) against the prediction, and their histogram: a pattern in
    the first or a skew in the second is what the model has not learned."""
    actual, predicted = _columns(actual), _columns(predicted)
    errors = actual - predicted
    figure, axes = new_figure("residuals", columns=2, size=SIZES["residuals"])
    scatter, histogram = axes[0]
    size, alpha = _marker_size(len(actual))
    for column, label in enumerate(_targets_labels(actual.shape[1])):
        color = CLASS_COLORS[column % len(CLASS_COLORS)]
        scatter.scatter(predicted[:, column], errors[:, column], s=size, alpha=alpha, color=color, label=label)
        histogram.hist(errors[:, column], bins=min(50, max(10, len(errors) // 10)), alpha=0.6, color=color,
                       label=f"{label}: mean {errors[:, column].mean():.4g}, std {errors[:, column].std():.4g}")
    scatter.axhline(0, color="black", linewidth=1, linestyle="--")
    scatter.set(xlabel="predicted", ylabel="actual - predicted", title=f"residuals ({split} split)")
    histogram.axvline(0, color="black", linewidth=1, linestyle="--")
    histogram.set(xlabel="actual - predicted", ylabel="samples", title="distribution of the residuals")
    for axis in (scatter, histogram):
        axis.grid(alpha=0.3)
        axis.legend(fontsize=8)
    return to_array(figure)


def roc_pr(fpr: np.ndarray, tpr: np.ndarray, recall: np.ndarray, precision: np.ndarray, auroc: float,
           average_precision: float, positives: float, class_names: Sequence[str], split: str = "test") -> np.ndarray:
    """The ROC curve with its area, and the precision-recall curve with its average precision, each
    beside what a classifier guessing at random scores (the diagonal; the share of positives)."""
    figure, axes = new_figure("roc_pr", columns=2, size=SIZES["roc_pr"])
    roc, pr = axes[0]
    positive = class_names[1] if len(class_names) > 1 else "1"
    roc.plot(fpr, tpr, color=CLASS_COLORS[0], linewidth=2, label=f"model (AUC {auroc:.4f})")
    roc.plot([0, 1], [0, 1], color="#7f7f7f", linestyle="--", label="random (AUC 0.5)")
    roc.set(xlabel="false positive rate", ylabel="true positive rate", xlim=(0, 1), ylim=(0, 1.02),
            title=f"ROC curve ({split} split, positive: {positive})")
    pr.step(recall, precision, where="post", color=CLASS_COLORS[1], linewidth=2,
            label=f"model (average precision {average_precision:.4f})")
    pr.axhline(positives, color="#7f7f7f", linestyle="--", label=f"random ({positives:.3f}, the share of positives)")
    pr.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02),
           title=f"precision-recall curve ({split} split)")
    for axis in (roc, pr):
        axis.grid(alpha=0.3)
        axis.legend(loc="lower right" if axis is roc else "lower left", fontsize=8)
    return to_array(figure)


def per_class_size(classes: int) -> tuple[float, float]:
    """(width, height) in inches of per_class.png: a row per class, readable from 2 to 100 classes."""
    return 7.0, min(20.0, max(3.2, 1.2 + 0.28 * classes))


def per_class(precision: np.ndarray, recall: np.ndarray, support: np.ndarray, class_names: Sequence[str],
              split: str = "test") -> np.ndarray:
    """Each class's precision and recall as bars (its number of samples beside its name): which
    classes the model confuses, beside the confusion matrix that says with what."""
    classes = len(class_names)
    labels = [f"{str(name)[:14]} ({int(count)})" for name, count in zip(class_names, support)]
    figure, axes = new_figure("per_class", size=per_class_size(classes))
    axis = axes[0, 0]
    rows = np.arange(classes)
    axis.barh(rows - 0.2, precision, height=0.4, color=CLASS_COLORS[0], label="precision")
    axis.barh(rows + 0.2, recall, height=0.4, color=CLASS_COLORS[1], label="recall")
    if classes <= 40:
        for row, (p, r) in enumerate(zip(precision, recall)):
            for value, offset in ((p, -0.2), (r, 0.2)):  # inside the bar, or after one too short to hold it
                inside = value >= 0.12
                axis.text(value - 0.01 if inside else value + 0.01, row + offset, f"{value:.2f}", va="center",
                          ha="right" if inside else "left", fontsize=7, color="white" if inside else "black")
    axis.set_yticks(rows, labels, fontsize=8 if classes <= 40 else 5)
    axis.invert_yaxis()  # the first class on top, as in the confusion matrix
    axis.set(xlim=(0, 1), xlabel="share (each class's samples in brackets)",
             title=f"precision and recall per class ({int(support.sum())} {split} samples)")
    axis.grid(alpha=0.3, axis="x")
    axis.legend(loc="lower right", fontsize=8)
    return to_array(figure)


def feature_importance_size(columns: int) -> tuple[float, float]:
    shown = min(columns, SHOWN_FEATURES)
    return 7.0, max(2.6, 1.2 + 0.3 * shown)


def feature_importance(names: Sequence[str], mean: np.ndarray, std: np.ndarray, metric: str,
                       repeats: int, split: str = "test") -> np.ndarray:
    """How much worse the model scores when one table column's values are shuffled among the rows,
    most important first (the spread over the shuffles as error bars)."""
    order = np.argsort(-mean)[:SHOWN_FEATURES]
    labels = [str(names[i])[:24] for i in order]
    figure, axes = new_figure("feature_importance", size=feature_importance_size(len(names)))
    axis = axes[0, 0]
    rows = np.arange(len(order))
    axis.barh(rows, mean[order], xerr=std[order], color=CLASS_COLORS[0], ecolor="#555555", capsize=2)
    axis.set_yticks(rows, labels, fontsize=8)
    axis.invert_yaxis()
    axis.axvline(0, color="black", linewidth=0.8)
    more = f" (the {len(order)} most important of {len(names)} columns)" if len(order) < len(names) else ""
    axis.set(xlabel=f"increase of the {split} {metric} when the column is shuffled ({repeats} shuffles)",
             title=f"permutation feature importance{more}")
    axis.grid(alpha=0.3, axis="x")
    return to_array(figure)
