"""`ArrayDataModule`: any `Table` source split, standardized and served as tensor batches."""

from __future__ import annotations

import inspect
from dataclasses import replace
from typing import Any

import lightning.pytorch as pl
import numpy as np
import torch
from hydra.utils import get_method

from nnfw.data.corrupt import corrupt
from nnfw.data.loader import TensorLoader, process_share
from nnfw.data.preprocess import Preprocessor, fit
from nnfw.data.spec import DataSpec, TaskKind
from nnfw.data.splits import feature_statistics, split_rows
from nnfw.data.table import Table
from nnfw.data.targets import target_statistics, weighted
from nnfw.errors import UserError, suggestion


class ArrayDataModule(pl.LightningDataModule):
    """Splits a table into train / val / test and batches it from memory.

    `source` is the import path of a function returning a `Table`; the remaining keyword
    arguments are that function's parameters (and `seed`, when it takes one). A split
    fraction of 0 evaluates on the training data, as the tutorials do for 4-row truth tables.
    Standardization statistics come from the training split only and travel in checkpoints;
    a regression's targets are standardized too (`standardize_target`), so that the network
    fits values near 0 whatever their units; metrics and predictions map them back. With several
    targets, `target_weights` ({name: weight}, 1 for the others) weighs each target's loss.
    `batches_per_item` > 1 serves training batches in lists of that many (see TensorLoader).
    Validation and test read `eval_batch_size` rows per batch: they keep no gradients, so a
    larger batch costs little memory and saves Lightning a step per training-sized batch.

    `corruption` (gaussian | masking, of strength `corruption_level`) turns the data into pairs
    (corrupted row, clean row) for a denoising autoencoder; each split's corruption is drawn
    once from the seed, so every epoch and every evaluation sees the same noisy rows.

    A table that comes as read (a DataFrame and its `Plan`: a user's CSV file) is encoded by a
    `Preprocessor` fitted on the training split (fills for gaps, categories, statistics), which
    travels in checkpoints as plain data; `columns` keeps each split's columns as numbers and
    category codes for the baselines, which take a table as it is.
    """

    def __init__(self, source: str, batch_size: int | str = 32, val_fraction: float = 0.2,
                 test_fraction: float = 0.2, standardize: bool = True, seed: int = 0,
                 eval_batch_size: int | str = 1024,
                 task: TaskKind | dict[str, str] | None = None, shuffle: bool = True, standardize_target: bool = True,
                 corruption: str = "none", corruption_level: float = 0.0,
                 target_weights: dict[str, float] | None = None, **params: Any) -> None:
        super().__init__()
        self.source, self.params = source, params
        self.corruption = None if corruption == "none" else corruption
        self.corruption_level = corruption_level
        self.batch_size, self.eval_batch_size, self.seed, self.task = batch_size, eval_batch_size, seed, task
        self.val_fraction, self.test_fraction = val_fraction, test_fraction
        self.standardize, self.shuffle, self.standardize_target = standardize, shuffle, standardize_target
        self.target_weights = target_weights
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self.target_mean: np.ndarray | None = None
        self.target_std: np.ndarray | None = None
        self.tensors: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}
        self.preprocessor: Preprocessor | None = None
        self.columns: dict[str, np.ndarray] = {}
        self.spec: DataSpec | None = None
        self.batches_per_item = 1

    # ------------------------------------------------------------------ building

    def load(self) -> Table:
        function = get_method(self.source)
        params = self.options_of(function)
        accepted = inspect.signature(function).parameters
        if "seed" in accepted:
            params["seed"] = self.seed
        if self.task is not None and "task" in accepted:
            params["task"] = self.task
        return function(**params)

    def options_of(self, function: Any) -> dict[str, Any]:
        """The dataset's options, each a parameter of its source `function` (else a UserError naming it)."""
        accepted = inspect.signature(function).parameters
        unknown = [key for key in self.params if key not in accepted]
        if unknown:
            options = [name for name in accepted if name not in ("seed", "task")]
            raise UserError(f"data.{unknown[0]} is not an option of this dataset ({self.source})",
                            suggestion(unknown[0], options, "its options") or "it takes no options")
        return dict(self.params)

    def _split(self, table: Table) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        test_fraction = 0.0 if table.test is not None else self.test_fraction
        labels = table.y if table.task not in ("regression", "unsupervised", "multitarget") else None
        rows = split_rows(len(table.X), labels, self.val_fraction, test_fraction, self.seed)
        rows_of = (lambda X, picked: X.iloc[picked]) if table.plan is not None else (lambda X, picked: X[picked])
        parts = {name: (rows_of(table.X, picked), table.y[picked]) for name, picked in rows.items()}
        if table.test is not None:
            parts["test"] = (table.test.X, table.test.y)
        return parts

    def setup(self, stage: str | None = None) -> None:
        if self.tensors:
            return
        table = self.load()
        parts = self._split(table)
        if table.plan is not None:
            parts = self._encoded(table, parts)
            if not parts["train"][0].shape[1]:
                rows = len(parts["train"][0])
                raise UserError(f"the {rows} training row(s) of {table.plan.source} encode to no feature: a category "
                                f"seen fewer than data.min_category_count={table.plan.min_category_count} "
                                "times in training is the unknown one, and a column of unknowns says nothing",
                                "give the data more rows, or lower data.min_category_count")
        if self.standardize and self.mean is None:
            self.mean, self.std = self.statistics(parts["train"][0])
        values = table.task == "regression" or any(target.kind == "regression" for target in table.targets)
        if self.standardize_target and values and self.target_mean is None:
            self.target_mean, self.target_std = target_statistics(parts["train"][1], table.targets)
        if self.corruption:
            parts = self._corrupted(parts)
        for name, (X, y) in parts.items():
            X = self.transform(X)
            if self.corruption:  # the targets are the clean rows
                y = self.transform(y)
            elif self.target_mean is not None:
                y = ((y.reshape(len(y), -1) - self.target_mean) / self.target_std).reshape(y.shape).astype(np.float32)
            targets = torch.as_tensor(y)
            if table.task == "binary" and not self.corruption:
                targets = targets.float()
            self.tensors[name] = (torch.as_tensor(X, dtype=torch.float32), targets.float() if self.corruption
                                  else targets)
        features = self.tensors["train"][0]
        self.spec = replace(self.describe(table), task="denoising" if self.corruption else table.task,
                            unit_range=bool(features.min() >= 0 and features.max() <= 1))

    def _encoded(self, table: Table, parts: dict[str, tuple[Any, np.ndarray]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each split of a table as read, encoded with the preprocessing fitted on its training
        split (or restored from a checkpoint); its columns kept for the baselines."""
        if self.preprocessor is None:
            self.preprocessor = fit(parts["train"][0], table.plan, self.seed)
        if self.standardize and self.mean is None:
            self.mean, self.std = self.preprocessor.scaling()
        self.columns = {name: self.preprocessor.raw(frame) for name, (frame, _) in parts.items()}
        return {name: (self.preprocessor.transform(frame), y) for name, (frame, y) in parts.items()}

    def encode(self, frame: Any) -> np.ndarray:
        """New rows of a table as read (a DataFrame with the training columns) as the model reads them."""
        return self.transform(self.preprocessor.transform(frame))

    def _corrupted(self, parts: dict[str, tuple[np.ndarray, np.ndarray]]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Each split as (corrupted rows, clean rows), with noise of its own drawn from the seed."""
        train = parts["train"][0]
        bounds = (float(train.min()), float(train.max()))
        return {name: (corrupt(X, self.corruption, self.corruption_level, np.random.default_rng([self.seed, index]),
                               bounds), X)
                for index, (name, (X, _)) in enumerate(parts.items())}

    def statistics(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The mean and spread that standardize the training split `X` (per feature; images per channel)."""
        return feature_statistics(X)

    def describe(self, table: Table) -> DataSpec:
        """The sizes and names models and reports are built from."""
        encoded = self.preprocessor
        return DataSpec(
            task=table.task,
            num_features=len(encoded.feature_names) if encoded else table.X.shape[1],
            num_classes=len(table.class_names),
            num_targets=1 if table.y.ndim == 1 else table.y.shape[1],
            feature_names=encoded.feature_names if encoded else table.feature_names,
            source_columns=encoded.source_columns if encoded else (),
            sizes={"categories": encoded.categories} if encoded and encoded.categories else {},
            class_names=table.class_names,
            target_mean=() if self.target_mean is None else tuple(self.target_mean.tolist()),
            target_std=() if self.target_std is None else tuple(self.target_std.tolist()),
            targets=weighted(table.targets, self.target_weights),
        )

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Features as the model sees them: standardized with the training split's statistics."""
        return X if self.mean is None else (X - self.mean) / self.std

    # ------------------------------------------------------------------ serving

    def _loader(self, split: str, shuffle: bool, share: tuple[int, int] = (0, 1)) -> TensorLoader:
        features, targets = self.tensors[split]
        training = split == "train"
        chosen = self.batch_size if training or self.batch_size == "full" else self.eval_batch_size
        size = len(features) if chosen == "full" else int(chosen)
        epoch = (lambda: self.trainer.current_epoch) if training and self.trainer is not None else None
        return TensorLoader(features, targets, size, shuffle=shuffle, seed=self.seed, epoch=epoch, share=share,
                            block=self.batches_per_item if training else 1)

    def train_dataloader(self) -> TensorLoader:
        """Under DDP each process trains on its share; every process evaluates whole splits."""
        return self._loader("train", shuffle=self.shuffle, share=process_share(self))

    def val_dataloader(self) -> TensorLoader:
        return self._loader("val", shuffle=False)

    def test_dataloader(self) -> TensorLoader:
        return self._loader("test", shuffle=False)

    def to(self, device: torch.device) -> None:
        """Move every split to `device` once, so that batches need no transfer per step."""
        self.tensors = {name: (x.to(device), y.to(device)) for name, (x, y) in self.tensors.items()}

    def transfer_batch_to_device(self, batch: Any, device: torch.device, dataloader_idx: int) -> Any:
        """Batches sliced from tensors already on the device skip Lightning's transfer walk."""
        batches = batch if isinstance(batch, list) else [batch]  # a list: a block of batches
        if all(tensor.device == device for one in batches for tensor in one):
            return batch
        return super().transfer_batch_to_device(batch, device, dataloader_idx)

    def split_sizes(self) -> dict[str, int]:
        return {name: len(tensors[0]) for name, tensors in self.tensors.items()}

    # ------------------------------------------------------------------ checkpoints

    def state_dict(self) -> dict[str, Any]:
        """Preprocessing that inference must reuse, saved in every checkpoint."""
        as_list = (lambda a: None if a is None else a.tolist())  # plain types load with weights_only
        return {"mean": as_list(self.mean), "std": as_list(self.std),
                "target_mean": as_list(self.target_mean), "target_std": as_list(self.target_std),
                "preprocessor": self.preprocessor.to_state() if self.preprocessor else None}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        as_array = (lambda v: None if v is None else np.asarray(v, dtype=np.float32))
        self.mean, self.std = as_array(state["mean"]), as_array(state["std"])
        # checkpoints written before targets were standardized hold none
        self.target_mean, self.target_std = as_array(state.get("target_mean")), as_array(state.get("target_std"))
        encoded = state.get("preprocessor")  # none before tables were read as they are
        self.preprocessor = Preprocessor.from_state(encoded) if encoded else None
