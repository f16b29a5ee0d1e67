"""What a datamodule tells the rest of nnfw about its data, so users never type sizes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

import numpy as np

#: unsupervised: rows without targets; denoising: corrupted rows whose targets are the clean ones;
#: multitarget: several targets of one input, each of a TargetKind (`DataSpec.targets`)
TaskKind = Literal["binary", "multiclass", "regression", "multitarget", "language_model", "forecast", "rating",
                   "ranking", "unsupervised", "denoising"]
#: what one of several targets can be
TargetKind = Literal["binary", "multiclass", "regression"]


@dataclass(frozen=True)
class Target:
    """One of several targets: its column, its kind, its classes, and its weight in the summed loss."""

    name: str
    kind: TargetKind
    class_names: tuple[str, ...] = ()
    weight: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "class_names", tuple(str(n) for n in self.class_names))

    @property
    def output_size(self) -> int:
        """The model outputs this target takes: one logit per class of a multiclass target, else one."""
        return len(self.class_names) if self.kind == "multiclass" else 1


@dataclass(frozen=True)
class DataSpec:
    """Sizes and names that depend on the data: models are built from these."""

    task: TaskKind
    num_features: int
    num_classes: int = 0  # 0 for regression; the vocabulary size for language models
    num_targets: int = 1  # regression outputs; values a forecast predicts
    feature_names: tuple[str, ...] = field(default_factory=tuple)
    # the table column each feature comes from (a category's one-hot inputs and a missing-value
    # indicator share their column's name), so that importances count a column once; () : each its own
    source_columns: tuple[str, ...] = field(default_factory=tuple)
    class_names: tuple[str, ...] = field(default_factory=tuple)  # a language model's vocabulary
    image_shape: tuple[int, ...] = ()  # (channels, height, width) of image data; () for other data
    unit_range: bool = False  # every value lies in [0, 1] (pixels, binary data): a Bernoulli decoder fits
    # a regression's targets are trained standardized: value = standardized * std + mean (() : as given)
    target_mean: tuple[float, ...] = ()
    target_std: tuple[float, ...] = ()
    # further sizes and statistics, by the argument name models take them as (a recommender's
    # num_users; the per-channel pixel_mean and pixel_std images were standardized with; a table's
    # `categories`: [feature index, codes] of each feature holding a category code)
    sizes: dict[str, Any] = field(default_factory=dict)
    stateful: bool = False  # each training batch's rows continue the previous batch's (a model may carry state)
    # several targets (task multitarget), in the order of the targets' columns; () : one target
    targets: tuple[Target, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        for name in ("image_shape", "target_mean", "target_std", "source_columns"):  # lists after a JSON round trip
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "targets", tuple(t if isinstance(t, Target) else Target(**t) for t in self.targets))

    @property
    def feature_sources(self) -> tuple[str, ...]:
        """The table column of each feature: `source_columns`, or each feature's own name."""
        return self.source_columns or self.feature_names

    def unscale_targets(self, values: Any) -> Any:
        """Targets or predictions (numpy or torch, one column per target) back in the data's own units."""
        if not self.target_mean:
            return values
        if hasattr(values, "new_tensor"):  # a torch tensor, on its own device
            return values * values.new_tensor(self.target_std) + values.new_tensor(self.target_mean)
        return values * np.asarray(self.target_std, dtype=np.float32) + np.asarray(self.target_mean, dtype=np.float32)

    @property
    def output_size(self) -> int:
        """Units of the model's last layer: 1 logit (binary), one per class, one per target, or
        with several targets each one's outputs side by side."""
        if self.targets:
            return sum(target.output_size for target in self.targets)
        if self.task == "binary":
            return 1
        if self.task in ("multiclass", "language_model"):
            return self.num_classes
        return self.num_targets

    def target_spec(self, index: int) -> DataSpec:
        """The spec of the `index`-th of several targets alone, as a single-target dataset of its kind reports it."""
        target = self.targets[index]
        standardized = bool(self.target_mean) and target.kind == "regression"
        return replace(self, task=target.kind, num_classes=len(target.class_names), num_targets=1,
                       class_names=target.class_names, targets=(),
                       target_mean=(self.target_mean[index],) if standardized else (),
                       target_std=(self.target_std[index],) if standardized else ())

    def model_sizes(self) -> dict[str, Any]:
        """The sizes a model is built with (the rest of its arguments come from its config).

        Image data adds `image_shape`, which only models that read images take, and `sizes`
        whatever else its models are built from (a recommender's `num_users` and `num_items`).
        `unit_range` lets a generator squash its outputs into the data's [0, 1].
        """
        sizes: dict[str, Any] = {"in_features": self.num_features, "out_features": self.output_size,
                                 "unit_range": self.unit_range}
        if self.image_shape:
            sizes["image_shape"] = self.image_shape
        return {**sizes, **self.sizes}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
