"""A dataset as arrays: what every tabular / 2-D source returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nnfw.data.spec import TaskKind


@dataclass
class Table:
    """Features X (n, d) and targets y (n,) or (n, k), with names for tables and plots."""

    X: np.ndarray
    y: np.ndarray
    task: TaskKind
    feature_names: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.X = np.asarray(self.X, dtype=np.float32)
        if self.X.ndim == 1:
            self.X = self.X[:, None]
        if self.task == "regression":
            self.y = np.asarray(self.y, dtype=np.float32)
        else:
            self.y = np.asarray(self.y, dtype=np.int64)
        # plain str, never numpy.str_: names travel in checkpoints loaded with weights_only
        self.feature_names = tuple(str(n) for n in self.feature_names) or tuple(
            f"x{i}" for i in range(self.X.shape[1]))
        if self.task != "regression":
            self.class_names = tuple(str(n) for n in self.class_names) or tuple(
                str(c) for c in range(int(self.y.max()) + 1))
