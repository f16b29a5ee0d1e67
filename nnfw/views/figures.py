"""Pictures of a run drawn with matplotlib's non-interactive backend, as RGB arrays and PNG files.

matplotlib is imported by the drawing functions only: `nnfw --help`, config checks and
`nnfw runs` never load it. Each figure has a fixed size in pixels (`SIZES`), so the same
picture fits a laptop screen, TensorBoard's image tab and the HTML report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

DPI = 100
#: picture name -> (width, height) in inches; pixels are DPI times these
SIZES = {"learning_curves": (10, 4), "decision_boundary": (6.4, 5.2), "fitted_curve": (6.4, 4.8),
         "gradients_through_time": (6.4, 4), "attention": (10, 5), "sweep": (10, 4), "objective": (4, 3.2)}
#: width of one hidden unit's map, in inches
UNIT_SIDE = 1.2
CLASS_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")


def pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def to_array(figure: Any) -> np.ndarray:
    """The figure as an RGB array (height, width, 3), and closed."""
    figure.canvas.draw()
    pixels = np.asarray(figure.canvas.buffer_rgba())[..., :3].copy()
    pyplot().close(figure)
    return pixels


def new_figure(name: str, columns: int = 1, rows: int = 1, size: tuple[float, float] | None = None) -> tuple[Any, Any]:
    figure, axes = pyplot().subplots(rows, columns, figsize=size or SIZES[name], dpi=DPI, squeeze=False,
                                     layout="constrained")
    return figure, axes


def learning_curves(history: Sequence[Mapping[str, float]], metric: str | None, best_epoch: int | None,
                    stopped_epoch: int | None) -> np.ndarray:
    """Train and val loss (and `metric`) per epoch, the best epoch and an early stop marked."""
    panels = [("loss", "loss")] + ([(metric, metric.split("/", 1)[-1])] if metric else [])
    figure, axes = new_figure("learning_curves", columns=len(panels))
    epochs = [row["epoch"] for row in history]
    for axis, (name, label) in zip(axes[0], panels):
        key = name.split("/", 1)[-1]
        for stage, color in (("train", "#1f77b4"), ("val", "#d62728")):
            points = [(e, row.get(f"{stage}/{key}")) for e, row in zip(epochs, history)]
            points = [(e, v) for e, v in points if v is not None and math.isfinite(v)]
            if points:
                axis.plot(*zip(*points), marker="." if len(points) < 30 else None, color=color, label=stage)
        if best_epoch is not None:
            axis.axvline(best_epoch, color="#2ca02c", linestyle="--", label=f"best (epoch {best_epoch})")
        if stopped_epoch is not None:
            axis.axvline(stopped_epoch, color="#7f7f7f", linestyle=":", label=f"early stop (epoch {stopped_epoch})")
        if key == "loss" and _spans_decades([v for row in history for k, v in row.items() if k.endswith("/loss")]):
            axis.set_yscale("log")
        axis.set(xlabel="epoch", ylabel=label, title=f"{label} per epoch")
        axis.grid(alpha=0.3)
        axis.legend()
    return to_array(figure)


def _spans_decades(values: Sequence[float]) -> bool:
    positive = [v for v in values if v is not None and math.isfinite(v) and v > 0]
    return bool(positive) and max(positive) / min(positive) > 100


def decision_boundary(xx: np.ndarray, yy: np.ndarray, scores: np.ndarray, points: Mapping[str, tuple[np.ndarray, np.ndarray]],
                      predicted: Mapping[str, np.ndarray], class_names: Sequence[str], axis_names: Sequence[str]) -> np.ndarray:
    """The model's probability of class 1 (binary) or its class (multiclass) over the grid, the 0.5
    contour, the train (o) and test (^) points in their true class's colour, and the misclassified ones circled."""
    plt = pyplot()
    figure, axes = new_figure("decision_boundary")
    axis = axes[0, 0]
    classes = len(class_names)
    if scores.ndim == 2:  # binary: p(class 1)
        shading = axis.contourf(xx, yy, scores, levels=np.linspace(0, 1, 21), cmap="RdBu_r", alpha=0.75)
        figure.colorbar(shading, ax=axis, label=f"p({class_names[1]})")
        axis.contour(xx, yy, scores, levels=[0.5], colors="black", linewidths=1.5)
    else:
        colors = plt.matplotlib.colors.ListedColormap(CLASS_COLORS[:classes])
        axis.contourf(xx, yy, scores.argmax(-1), levels=np.arange(classes + 1) - 0.5, cmap=colors, alpha=0.35)
    colors = np.asarray(["#053061", "#67001f"] if classes == 2 else CLASS_COLORS[:classes])
    for (split, (features, targets)), marker in zip(points.items(), ("o", "^")):
        targets = targets.astype(np.int64)  # binary targets are floats
        axis.scatter(features[:, 0], features[:, 1], c=colors[targets % len(colors)], marker=marker, s=14,
                     edgecolors="white", linewidths=0.4, label=f"{split} ({len(targets)})")
        wrong = predicted[split] != targets
        if wrong.any():
            axis.scatter(features[wrong, 0], features[wrong, 1], facecolors="none", edgecolors="#ffbf00", s=70,
                         linewidths=1.5, label=f"{split} misclassified ({int(wrong.sum())})")
    axis.set(xlim=(xx.min(), xx.max()), ylim=(yy.min(), yy.max()), xlabel=axis_names[0], ylabel=axis_names[1],
             title="decision boundary" + (" (black: p = 0.5)" if scores.ndim == 2 else ""))
    axis.legend(loc="upper right", fontsize=7, framealpha=0.8)
    return to_array(figure)


def score_map(xx: np.ndarray, yy: np.ndarray, scores: np.ndarray, points: Mapping[str, tuple[np.ndarray, np.ndarray]],
              scale: int = 2) -> np.ndarray:
    """decision_boundary's colours without its figure: the probability of class 1 (binary) or the
    class (multiclass) over the grid, `scale` pixels a grid point, the points as dots of their true
    class's colour. A millisecond where a figure takes a third of a second: the frames TensorBoard
    shows of a boundary forming while fitting."""
    from matplotlib import colormaps, colors

    if scores.ndim == 2:
        shade = colormaps["RdBu_r"](scores)[..., :3]
        dots = np.asarray([colors.to_rgb(c) for c in ("#053061", "#67001f")])
    else:
        dots = np.asarray([colors.to_rgb(c) for c in CLASS_COLORS])
        shade = 0.35 * dots[scores.argmax(-1) % len(dots)] + 0.65  # the figure's class colours at alpha 0.35 on white
    image = np.repeat(np.repeat(shade, scale, axis=0), scale, axis=1)
    rows, columns = image.shape[:2]
    for features, targets in points.values():
        column = np.clip((features[:, 0] - xx.min()) / (np.ptp(xx) or 1) * (columns - 1), 0, columns - 1).astype(int)
        row = np.clip((features[:, 1] - yy.min()) / (np.ptp(yy) or 1) * (rows - 1), 0, rows - 1).astype(int)
        colour = dots[targets.astype(np.int64) % len(dots)]
        for radius, fill in ((3, 1.0), (2, colour)):  # a white ring around each dot, as the figure's edges
            for dy in range(-radius, radius + 1):
                for dx in range(-radius, radius + 1):
                    image[np.clip(row + dy, 0, rows - 1), np.clip(column + dx, 0, columns - 1)] = fill
    return (image[::-1] * 255).round().astype(np.uint8)  # the grid's first row is the lowest y


def hidden_units(activations: np.ndarray, columns: int = 8) -> np.ndarray:
    """Each hidden unit's activation (grid rows, grid columns, units) over the input plane as its own
    small map, scaled to its own range, tiled in one image (subplots per unit draw ten times slower)."""
    rows_of_grid, columns_of_grid, units = activations.shape
    columns = min(columns, units)
    rows = -(-units // columns)
    gap = max(2, rows_of_grid // 15)
    tiled = np.full((rows * (rows_of_grid + gap), columns * (columns_of_grid + gap)), np.nan)
    low, high = activations.min(axis=(0, 1)), activations.max(axis=(0, 1))
    scaled = (activations - low) / np.where(high > low, high - low, 1)
    figure, axes = new_figure("hidden_units", size=hidden_units_size(units, columns))
    axis = axes[0, 0]
    for index in range(units):
        row, column = divmod(index, columns)
        top, left = (rows - 1 - row) * (rows_of_grid + gap), column * (columns_of_grid + gap)
        tiled[top:top + rows_of_grid, left:left + columns_of_grid] = scaled[..., index]
        axis.text(left + 2, top + rows_of_grid - 2, str(index), color="white", fontsize=7, va="top")
    axis.imshow(tiled, origin="lower", cmap="viridis", interpolation="nearest")
    axis.axis("off")
    axis.set_title("first hidden layer: each unit's activation over the input plane\n"
                   "(same axes as the decision boundary; yellow: the unit's highest)", fontsize=10)
    return to_array(figure)


def hidden_units_size(units: int, columns: int = 8) -> tuple[float, float]:
    """(width, height) in inches of hidden_units.png for `units` units."""
    columns = min(columns, units)
    return columns * UNIT_SIDE, -(-units // columns) * UNIT_SIDE + 0.6


def fitted_curve(grid: np.ndarray, fitted: np.ndarray, points: Mapping[str, tuple[np.ndarray, np.ndarray]],
                 names: Sequence[str]) -> np.ndarray:
    """A one-input regression: the model's prediction over the input's range, and the data."""
    figure, axes = new_figure("fitted_curve")
    axis = axes[0, 0]
    for (split, (x, y)), marker in zip(points.items(), ("o", "^")):
        axis.scatter(x, y, s=14, marker=marker, alpha=0.7, label=f"{split} ({len(y)})")
    axis.plot(grid, fitted, color="black", linewidth=2, label="model")
    axis.set(xlabel=names[0], ylabel=names[1], title="fitted curve")
    axis.grid(alpha=0.3)
    axis.legend()
    return to_array(figure)


def gradients_through_time(norms: np.ndarray) -> np.ndarray:
    """The gradient norm of the last step's loss reaching each earlier time step's input."""
    figure, axes = new_figure("gradients_through_time")
    axis = axes[0, 0]
    axis.plot(np.arange(len(norms)), norms, marker="o")
    if _spans_decades(list(norms)):
        axis.set_yscale("log")
    axis.set(xlabel="time step", ylabel="gradient norm", title="gradient of the last step's loss through time")
    axis.grid(alpha=0.3)
    return to_array(figure)


def attention(weights: np.ndarray, tokens: Sequence[str], encoding: np.ndarray) -> np.ndarray:
    """Each head's attention weights (heads, T, T) with the tokens on both axes, and the positional encoding."""
    heads = len(weights)
    figure, axes = new_figure("attention", columns=heads + 1)
    labels = [repr(t)[1:-1] or " " for t in tokens]
    for head, axis in enumerate(axes[0][:heads]):
        axis.imshow(weights[head], cmap="viridis", vmin=0)
        axis.set_xticks(range(len(labels)), labels, fontsize=6)
        axis.set_yticks(range(len(labels)), labels, fontsize=6)
        axis.set_title(f"head {head}", fontsize=9)
    axis = axes[0][heads]
    shown = axis.imshow(encoding, cmap="RdBu", aspect="auto")
    axis.set(xlabel="dimension", ylabel="position", title="positional encoding")
    figure.colorbar(shown, ax=axis)
    figure.suptitle("attention of the last layer (rows: query, columns: key)", fontsize=10)
    return to_array(figure)


def overlaid_curves(histories: Mapping[str, Sequence[Mapping[str, float]]], metrics: Sequence[str]) -> np.ndarray:
    """Every run's curve of each metric (one panel per metric), one colour per run."""
    figure, axes = new_figure("sweep", columns=len(metrics))
    for axis, metric in zip(axes[0], metrics):
        values = []
        for label, history in histories.items():
            points = [(row["epoch"], row[metric]) for row in history if metric in row and math.isfinite(row[metric])]
            if points:
                axis.plot(*zip(*points), label=label)
                values += [v for _, v in points]
        if metric.endswith("loss") and _spans_decades(values):
            axis.set_yscale("log")
        axis.set(xlabel="epoch", ylabel=metric, title=metric)
        axis.grid(alpha=0.3)
        axis.legend(fontsize=7)
    return to_array(figure)


def objective_against(name: str, values: Sequence[float], objectives: Sequence[float], objective: str) -> np.ndarray:
    """A sweep's objective against one swept value (log axis when the values span decades)."""
    figure, axes = new_figure("objective")
    axis = axes[0, 0]
    axis.plot(values, objectives, marker="o", linestyle="none" if len(set(values)) < len(values) else "-")
    if _spans_decades(values):
        axis.set_xscale("log")
    axis.set(xlabel=name, ylabel=objective, title=f"{objective} against {name}")
    axis.grid(alpha=0.3)
    return to_array(figure)


def confusion_size(classes: int) -> tuple[float, float]:
    """(width, height) in inches of confusion_matrix.png: readable from 2 to 100 classes."""
    side = min(12.0, max(4.8, 2.2 + 0.45 * classes))
    return side + 0.8, side


def confusion_matrix(matrix: np.ndarray, class_names: Sequence[str], split: str = "validation") -> np.ndarray:
    """Counts of true class (rows) against predicted class (columns) on a `split`, shaded by each row's share."""
    classes = len(matrix)
    figure, axes = new_figure("confusion_matrix", size=confusion_size(classes))
    axis = axes[0, 0]
    shares = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    shown = axis.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    figure.colorbar(shown, ax=axis, label="share of the true class", fraction=0.046)
    names = [str(name)[:12] for name in class_names]
    axis.set_xticks(range(classes), names, rotation=45 if classes > 4 else 0, ha="right" if classes > 4 else "center")
    axis.set_yticks(range(classes), names)
    if classes <= 30:
        for (row, column), count in np.ndenumerate(matrix):
            axis.text(column, row, str(int(count)), ha="center", va="center", fontsize=9 if classes <= 12 else 6,
                      color="white" if shares[row, column] > 0.5 else "black")
    axis.set(xlabel="predicted class", ylabel="true class",
             title=f"confusion matrix ({int(matrix.sum())} {split} samples)")
    return to_array(figure)
