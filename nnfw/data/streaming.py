"""A table larger than memory, streamed from disk in chunks (`data.streaming`, `data.chunk_rows`).

A CSV of several GB, or a folder of Parquet files, is never held whole: it is read in chunks of
`chunk_rows` rows (pandas' chunked CSV reader, pyarrow's dataset scanner), and

- the column kinds and the targets' kinds come from its first HEAD_ROWS rows, read as a table
  in memory is read (nnfw.data.csv.frame_table), so the same checks and notices apply;
- a row's split (train / val / test) is decided by a hash of its position in the table and the
  seed: stable across epochs and runs without holding the table, and without knowing its size;
- ONE pass over the table fits everything training needs (nnfw.data.preprocess.TableFit on the
  training rows: category counts, exact means and spreads, medians from a reservoir; every
  class of each target; a regression target's mean and spread), counts each split's rows and
  keeps a bounded sample of each split (SAMPLE_ROWS, the rows of smallest second hash: a
  uniform sample whatever the table's order) for the baselines and the pictures;
- training, validation and testing read the file again, chunk by chunk, each chunk encoded
  with the fitted preprocessing, shuffled within itself (training) and cut into batches.

Memory stays bounded by a chunk, the samples and the reservoirs, whatever the table's rows.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from hydra.utils import get_method

from nnfw.data.arrays import ArrayDataModule
from nnfw.data.columns import category_texts, numbers_in
from nnfw.data.csv import frame_table, read_chunks, read_head
from nnfw.data.loader import TensorLoader, in_blocks
from nnfw.data.parquet import SUFFIXES, files
from nnfw.data.preprocess import NumericFit, TableFit
from nnfw.data.spec import Target
from nnfw.data.splits import SPLITS, spreads
from nnfw.data.table import Table
from nnfw.data.targets import retyped, target_names
from nnfw.errors import UserError

log = logging.getLogger(__name__)

#: data.streaming=auto streams a table whose file (or folder of files) is larger than this
STREAM_BYTES = 1 << 30
#: the column kinds and the targets' kinds are read from this many first rows
HEAD_ROWS = 100_000
#: rows of each split kept in memory for the baselines and the pictures
SAMPLE_ROWS = 50_000


def table_bytes(path: Path) -> int:
    """The size on disk of the table at `path`: its file, or its folder's Parquet files."""
    if path.is_dir():
        return sum(file.stat().st_size for file in path.rglob("*") if file.suffix.lower() in SUFFIXES)
    return path.stat().st_size if path.is_file() else 0


def streamed(path: Path, streaming: bool | str, chunk_rows: int) -> bool:
    """Whether the table at `path` streams: `streaming` true, or `auto` and the table larger than
    STREAM_BYTES on disk (with a notice)."""
    if streaming != "auto":
        return bool(streaming)
    size = table_bytes(path)
    if size <= STREAM_BYTES:
        return False
    log.warning("%s is %.1f GB, more than data.streaming=auto reads into memory: streamed from disk in chunks "
                "of %d rows (data.streaming=false reads it whole)", path, size / 1e9, chunk_rows)
    return True


#: splitmix64's constants: a well-mixed 64-bit hash of consecutive integers
GOLDEN, MIX1, MIX2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mixed(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> np.uint64(30))) * MIX1
    z = (z ^ (z >> np.uint64(27))) * MIX2
    return z ^ (z >> np.uint64(31))


def uniform(positions: np.ndarray, seed: int, stream: int = 0) -> np.ndarray:
    """A number in [0, 1) per row position, the same for the same (position, seed, stream) however
    the table is chunked (splitmix64 of the position, keyed by the seed and the stream)."""
    with np.errstate(over="ignore"):
        key = _mixed(np.array([(seed * 2 + stream) % 2 ** 64], dtype=np.uint64) * GOLDEN + GOLDEN)
        hashed = _mixed(np.asarray(positions, dtype=np.uint64) * GOLDEN + key)
    return (hashed >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def in_split(split: str, draws: np.ndarray, val_fraction: float, test_fraction: float) -> np.ndarray:
    """Which rows (by their `draws` of `uniform`) belong to `split`: the test rows draw below
    `test_fraction`, the val rows the next `val_fraction`; a fraction of 0 is the training rows,
    as in memory."""
    train = draws >= test_fraction + val_fraction
    if split == "test":
        return draws < test_fraction if test_fraction > 0 else train
    if split == "val":
        return (draws >= test_fraction) & ~train if val_fraction > 0 else train
    return train


class Sample:
    """At most `size` rows offered chunk by chunk: those of the smallest keys (a bottom-k sample,
    uniform when the keys are hashes), in the table's order."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.frame: pd.DataFrame | None = None
        self.keys = np.empty(0)

    def offer(self, frame: pd.DataFrame, keys: np.ndarray) -> None:
        if not len(frame):
            return
        frame = frame if self.frame is None else pd.concat([self.frame, frame])
        keys = np.concatenate([self.keys, keys])
        if len(keys) > self.size:
            kept = np.sort(np.argpartition(keys, self.size - 1)[: self.size])
            frame, keys = frame.iloc[kept], keys[kept]
        self.frame, self.keys = frame, keys


class TableDataModule(ArrayDataModule):
    """data=csv: a user's table, read whole into memory as ArrayDataModule reads it, or streamed
    from disk chunk by chunk (`streaming`: true, false, or auto by its size; see the module's
    docstring).

    A streamed table hands the rest of nnfw what a table in memory does: the `DataSpec`, the
    checkpointed preprocessing, `tensors` and `columns` (there a sample of each split, for the
    baselines and the pictures); its batches come from `ChunkLoader`s over the file.
    """

    def __init__(self, source: str, path: str, streaming: bool | str = "auto", chunk_rows: int = 100_000,
                 **options: Any) -> None:
        super().__init__(source=source, path=path, **options)
        self.file, self.chunk_rows = Path(str(path)).expanduser(), int(chunk_rows)
        self.streamed = streamed(self.file, streaming, self.chunk_rows)
        self.targets: tuple[Target, ...] = ()
        self.sizes: dict[str, int] = {}
        self.sampled: dict[str, int] = {}
        if not self.streamed:
            return
        if self.batch_size == "full":
            raise UserError("data.batch_size=full takes every training row in one batch, and a streamed table "
                            "is read in chunks", "give a batch size in rows, or read the table whole: data.streaming=false")
        if self.corruption or self.task == "unsupervised":
            raise UserError("data.streaming=true streams a table with target columns",
                            "read rows without a target, or corrupted for a denoising autoencoder, whole: "
                            "data.streaming=false")

    # ------------------------------------------------------------------ the one pass

    def setup(self, stage: str | None = None) -> None:
        if not self.streamed:
            super().setup(stage)
            return
        if self.targets:  # fitted, or restored from a checkpoint
            return
        if self.file.is_dir():
            files(self.file)  # a folder without tables is refused here, before any reading
        head, text = read_head(self.file, HEAD_ROWS, self.params.get("missing_values"))
        options = {key: value for key, value in self.options_of(get_method(self.source)).items()
                   if key not in ("path", "missing_values")}
        names = target_names(options.get("target"), [str(c) for c in head.columns])
        labelled = head[head[list(names)].notna().all(axis=1)] if set(names) <= set(head.columns) else head
        if 0 < len(labelled) < len(head):  # typed from the rows with every target: the pass counts the others
            head = retyped(labelled, text)
        table = frame_table(head, self.file, task=self.task, text=text, **options)
        self.targets = table.targets or (Target(names[0], table.task, table.class_names),)
        samples = self._scan(table)
        for name, sample in samples.items():
            frame = head.iloc[:0] if sample.frame is None else sample.frame
            self.columns[name] = self.preprocessor.raw(frame)
            self.tensors[name] = self._tensors(frame)
        self.sampled = {name: len(tensors[0]) for name, tensors in self.tensors.items()}
        train = self.tensors["train"]
        spec_table = Table(samples["train"].frame, train[1].numpy(), table.task, plan=table.plan,
                           class_names=self.targets[0].class_names, targets=self.targets if len(self.targets) > 1 else ())
        self.spec = replace(self.describe(spec_table), unit_range=bool(len(train[0]) and train[0].min() >= 0
                                                                        and train[0].max() <= 1))

    def _scan(self, table: Table) -> dict[str, Sample]:
        """One pass over the file: the preprocessing fitted on the training rows, every class of the
        targets and the regression targets' statistics, each split's rows counted and sampled."""
        fit = TableFit(table.plan, self.seed)
        classes = {t.name: set() for t in self.targets if t.kind != "regression"}
        moments = {t.name: NumericFit(self.seed) for t in self.targets if t.kind == "regression"}
        samples = {split: Sample(SAMPLE_ROWS) for split in SPLITS}
        self.sizes, dropped, rows = dict.fromkeys(SPLITS, 0), 0, 0
        for chunk in read_chunks(self.file, self.chunk_rows, self.params.get("missing_values")):
            rows += len(chunk)
            kept = self._labelled(chunk)
            dropped += len(chunk) - len(kept)
            draws = uniform(kept.index.to_numpy(), self.seed)
            for split in SPLITS:
                rows_of_split = kept[in_split(split, draws, self.val_fraction, self.test_fraction)]
                self.sizes[split] += len(rows_of_split)
                samples[split].offer(rows_of_split, uniform(rows_of_split.index.to_numpy(), self.seed, 1))
            train = kept[in_split("train", draws, self.val_fraction, self.test_fraction)]
            fit.update(train)
            for name, found in classes.items():
                found.update(category_texts(kept[name]).unique())
            for name, values in moments.items():
                values.update(numbers_in(train[name], name, self.file).to_numpy())
        if dropped:
            log.warning("%d of %d rows of %s dropped: they miss a target value", dropped, rows, self.file)
        if not self.sizes["train"]:
            raise UserError(f"{self.file} has no training rows: {rows} rows, {dropped} without a target",
                            "give a table with more rows, or smaller data.val_fraction and data.test_fraction")
        self.targets = tuple(self._with_classes(target, classes.get(target.name)) for target in self.targets)
        self.preprocessor = fit.fitted()
        if self.standardize:
            self.mean, self.std = self.preprocessor.scaling()
        if self.standardize_target and moments:
            self.target_mean, self.target_std = self._target_statistics(moments)
        return samples

    def _labelled(self, chunk: pd.DataFrame) -> pd.DataFrame:
        """The rows of a chunk that have every target."""
        present = chunk[[t.name for t in self.targets]].notna().all(axis=1)
        return chunk if present.all() else chunk[present]

    def _with_classes(self, target: Target, found: set[str] | None) -> Target:
        """`target` with every class the table holds, ordered as in memory (numbers by value, texts
        alphabetically); a binary target of another count is refused as in memory."""
        if found is None:
            return target
        names = sorted(found, key=float) if all(_is_number(label) for label in found) else sorted(found)
        if target.kind == "binary" and len(names) != 2:
            raise UserError(f"target column '{target.name}' of {self.file} has {len(names)} distinct values, not 2",
                            "read it as data.task=multiclass or regression (among several targets data.task={NAME:KIND})")
        return replace(target, class_names=tuple(names))

    # ------------------------------------------------------------------ encoding

    def _targets(self, frame: pd.DataFrame) -> np.ndarray:
        """The targets of rows as read: class indices and values ((n,) for one target, (n, k) for several)."""
        columns = []
        for target in self.targets:
            if target.kind == "regression":
                columns.append(numbers_in(frame[target.name], target.name, self.file).to_numpy(dtype=np.float32, copy=True))
            else:
                index = {name: code for code, name in enumerate(target.class_names)}
                columns.append(category_texts(frame[target.name]).map(index).to_numpy(dtype=np.int64, copy=True))
        if len(columns) == 1:
            return columns[0]
        return np.stack(columns, axis=1).astype(np.float32)

    def _target_statistics(self, moments: dict[str, NumericFit]) -> tuple[np.ndarray, np.ndarray]:
        """The regression targets' means and spreads over every training row (the pass's `moments`);
        several targets' class columns get (0, 1), as in memory."""
        means, stds = [], []
        for target in self.targets:
            found = moments.get(target.name)
            means.append(found.mean if found else 0.0)
            stds.append(float(spreads(found.m2 / found.count, found.mean)) if found else 1.0)
        return np.asarray(means, dtype=np.float32), np.asarray(stds, dtype=np.float32)

    def _tensors(self, frame: pd.DataFrame) -> tuple[torch.Tensor, torch.Tensor]:
        """Rows as read, as the model takes them: features encoded and standardized, targets
        standardized (a regression's) and typed as the task takes them."""
        X = self.transform(self.preprocessor.transform(frame))
        y = self._targets(frame)
        if self.target_mean is not None:
            y = ((y.reshape(len(y), -1) - self.target_mean) / self.target_std).reshape(y.shape).astype(np.float32)
        targets = torch.as_tensor(y)
        if len(self.targets) == 1 and self.targets[0].kind == "binary":
            targets = targets.float()
        return torch.as_tensor(X, dtype=torch.float32), targets

    def chunks(self, split: str) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """The rows of `split`, chunk by chunk, as the model takes them."""
        for chunk in read_chunks(self.file, self.chunk_rows, self.params.get("missing_values")):
            kept = self._labelled(chunk)
            rows = kept[in_split(split, uniform(kept.index.to_numpy(), self.seed), self.val_fraction,
                                 self.test_fraction)]
            if len(rows):
                yield self._tensors(rows)

    # ------------------------------------------------------------------ serving

    def _loader(self, split: str, shuffle: bool, share: tuple[int, int] = (0, 1)) -> Any:
        if not self.streamed:
            return super()._loader(split, shuffle, share)
        training = split == "train"
        size = self.batch_size if training else self.eval_batch_size
        epoch = (lambda: self.trainer.current_epoch) if training and self.trainer is not None else None
        return ChunkLoader(self, split, self.chunk_rows if size == "full" else int(size), shuffle, epoch)

    def sample_dataloader(self, split: str) -> TensorLoader:
        """Batches of `split` for what is drawn after testing (ROC curves, confusion matrices ...):
        a streamed table's bounded sample of it, a table in memory's every row."""
        return super()._loader(split, shuffle=False)

    def split_sizes(self) -> dict[str, int]:
        return dict(self.sizes) if self.streamed else super().split_sizes()

    @property
    def baseline_rows(self) -> dict[str, int]:
        """The rows of each split the baselines are fitted on (train) and scored on where they
        are a sample of them (a streamed table larger than SAMPLE_ROWS); empty where they are every row."""
        return dict(self.sampled) if any(self.sampled[s] < self.sizes[s] for s in self.sampled) else {}

    # ------------------------------------------------------------------ checkpoints

    def state_dict(self) -> dict[str, Any]:
        """The preprocessing state of a table in memory, and a streamed table's targets and split sizes
        as its pass found them."""
        return {**super().state_dict(), "targets": [asdict(target) for target in self.targets],
                "sizes": dict(self.sizes)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.targets = tuple(Target(**target) for target in state.get("targets", ()))
        self.sizes = dict(state.get("sizes", {}))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class ChunkLoader:
    """Batches of one split of a streamed table, read from disk chunk by chunk.

    A plain iterable with a length, as Lightning takes any loader (no Dataset, no collate, no
    worker processes: a chunk is encoded as a whole). Training rows are shuffled within each
    chunk, by a generator seeded with the run's seed and the epoch; a batch may span chunks.
    Where the datamodule asks for blocks (`batches_per_item` > 1) it serves lists of that many
    consecutive batches, as TensorLoader does.
    """

    def __init__(self, data: TableDataModule, split: str, batch_size: int, shuffle: bool,
                 epoch: Callable[[], int] | None) -> None:
        self.data, self.split, self.batch_size, self.shuffle, self.epoch = data, split, batch_size, shuffle, epoch
        self.block = data.batches_per_item if split == "train" else 1

    @property
    def batches(self) -> int:
        """Batches per epoch."""
        return math.ceil(self.data.sizes.get(self.split, 0) / self.batch_size)

    def __len__(self) -> int:
        """Items per epoch: batches, or lists of `block` of them."""
        return math.ceil(self.batches / self.block)

    def __iter__(self) -> Iterator[Any]:
        return self._batches() if self.block == 1 else in_blocks(self._batches(), self.block)

    def _batches(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        generator = torch.Generator().manual_seed(self.data.seed * 100_003 + (self.epoch() if self.epoch else 0))
        pending: list[tuple[torch.Tensor, torch.Tensor]] = []
        held = 0
        for features, targets in self.data.chunks(self.split):
            if self.shuffle:
                order = torch.randperm(len(features), generator=generator)
                features, targets = features[order], targets[order]
            pending.append((features, targets))
            held += len(features)
            if held < self.batch_size:
                continue
            features = torch.cat([f for f, _ in pending])
            targets = torch.cat([t for _, t in pending])
            whole = len(features) - len(features) % self.batch_size
            for start in range(0, whole, self.batch_size):
                yield features[start:start + self.batch_size], targets[start:start + self.batch_size]
            pending, held = [(features[whole:], targets[whole:])], len(features) - whole
        if held:
            yield torch.cat([f for f, _ in pending]), torch.cat([t for _, t in pending])
