"""What the learning-rate finder found, in the run directory: lr_finder.json (the loss at each rate
tried, and the suggested rate) and lr_finder.png (the loss against the rate, the suggestion
marked), also in TensorBoard's image tab."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import lightning.pytorch as pl
import numpy as np

from nnfw.artifacts.summary import write_json
from nnfw.views.figures import new_figure, to_array
from nnfw.views.insight import publish

#: the files' name: lr_finder.json, lr_finder.png
LR_FINDER = "lr_finder"
SIZE = (7, 4.2)
#: steps at the start that Lightning's suggestion leaves out (`_LRFinder.suggestion`'s skip_begin)
WARMING_UP = 10


def lr_curve(lrs: Sequence[float], losses: Sequence[float], suggested: float) -> np.ndarray:
    """The training loss at each rate of the range test (log axis), the suggested rate marked. The
    loss is Lightning's running mean, which starts low and rises over the first few dozen steps
    whatever the rate (its average starts from 0: Lightning-AI/pytorch-lightning#14167)."""
    figure, axes = new_figure(LR_FINDER, size=SIZE)
    axis = axes[0, 0]
    points = [(lr, loss) for lr, loss in zip(lrs, losses) if math.isfinite(loss)]
    warming, weighed = points[:WARMING_UP + 1], points[WARMING_UP:]
    axis.plot(*zip(*warming), color="#aaaaaa", linewidth=1.5,
              label=f"first {WARMING_UP} steps (left out of the suggestion)")
    if weighed:
        axis.plot(*zip(*weighed), color="#1f77b4", linewidth=2, label="training loss (running mean)")
    axis.set_xscale("log")
    axis.axvline(suggested, color="#d62728", linestyle="--", label=f"suggested: optimizer.lr={suggested:.3g}")
    nearest = min(points, key=lambda point: abs(math.log(point[0] / suggested)))
    axis.plot(*nearest, marker="o", markersize=8, color="#d62728")
    axis.set(xlabel="learning rate", ylabel="loss",
             title=f"learning-rate finder: {len(lrs)} steps from {lrs[0]:.2g} to {lrs[-1]:.2g}")
    axis.grid(alpha=0.3, which="both")
    axis.legend(fontsize=8)
    return to_array(figure)


def save_search(trainer: pl.Trainer, record: Mapping[str, Any]) -> None:
    """lr_finder.json and lr_finder.png in the run directory of `trainer`, from the finder's `record`
    (suggested_lr, and the `lr` and `loss` of each step)."""
    if not trainer.is_global_zero:
        return
    write_json(Path(trainer.default_root_dir) / f"{LR_FINDER}.json", dict(record))
    publish(trainer, LR_FINDER, lr_curve(record["lr"], record["loss"], record["suggested_lr"]))
