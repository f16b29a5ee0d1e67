"""A dataset as arrays: what every tabular, 2-D or image source returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from nnfw.data.spec import Target, TaskKind

if TYPE_CHECKING:
    import pandas as pd

    from nnfw.data.preprocess import Plan


@dataclass
class Table:
    """Features X (n, d) or images X (n, C, H, W), targets y (n,) or (n, k), with names for tables and plots.

    Several targets of their own kinds (task multitarget) are the columns of y (n, k) as float32,
    class indices and values side by side, described in order by `targets`.

    `test` is a test set that ships apart from the training data (MNIST's, CIFAR-10's): when
    given, it is the test split and only the validation split is cut from X.

    A user's table comes as read: X a DataFrame of its feature columns (text, gaps and all) and
    `plan` the preprocessing that turns them into features, which the datamodule fits on the
    training split alone (nnfw.data.preprocess).
    """

    X: np.ndarray | pd.DataFrame
    y: np.ndarray | None  # None for unsupervised data: rows without targets
    task: TaskKind
    feature_names: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    test: Table | None = None
    plan: Plan | None = None
    targets: tuple[Target, ...] = ()

    def __post_init__(self) -> None:
        if self.plan is None:
            self.X = np.asarray(self.X, dtype=np.float32)
        if self.X.ndim == 1:
            self.X = self.X[:, None]
        if self.y is None:
            self.task, self.y = "unsupervised", np.zeros(len(self.X), dtype=np.int64)
        elif self.task in ("regression", "multitarget"):
            self.y = np.asarray(self.y, dtype=np.float32)
        else:
            self.y = np.asarray(self.y, dtype=np.int64)
        # plain str, never numpy.str_: names travel in checkpoints loaded with weights_only
        self.feature_names = tuple(str(n) for n in self.feature_names) or (
            tuple(f"x{i}" for i in range(self.X.shape[1])) if self.X.ndim == 2 else ())
        if self.task not in ("regression", "unsupervised", "multitarget"):
            self.class_names = tuple(str(n) for n in self.class_names) or tuple(
                str(c) for c in range(int(self.y.max()) + 1))
