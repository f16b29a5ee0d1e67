"""`TextClassificationDataModule`: labelled texts as rows of word ids, for text classifiers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nnfw.data.arrays import ArrayDataModule
from nnfw.data.augment import AugmentsTrainingBatches
from nnfw.data.augment_text import TokenDropout
from nnfw.data.csv import complete_column, read_frame
from nnfw.data.spec import DataSpec
from nnfw.data.table import Table

WORD = re.compile(r"[a-z0-9']+")
PAD, UNKNOWN = "<pad>", "<unk>"  # ids 0 and 1


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def read_labelled(path: str, text_column: str = "text", label_column: str = "label") -> tuple[list[str], list[str]]:
    """The texts and labels of a CSV file with a header."""
    file = Path(path).expanduser()
    frame = read_frame(file)
    texts = complete_column(frame, text_column, "text", file)
    labels = complete_column(frame, label_column, "label", file)
    return [str(t) for t in texts], [str(label) for label in labels]


class TextClassificationDataModule(AugmentsTrainingBatches, ArrayDataModule):
    """Texts split at random (stratified by label, as tables are), then turned into word ids.

    The vocabulary holds the training split's words (id 0 pads, id 1 stands for unknown words)
    and is saved in checkpoints. Each text becomes its first `max_len` words, padded on the
    left so that a recurrent classifier's last step is the text's last word.
    Two labels make a binary task, more a multiclass one. Without a path: built-in reviews.
    `augment` (word dropout) changes training batches only, on the device.
    """

    def __init__(self, path: str | None = None, text_column: str = "text", label_column: str = "label",
                 max_len: int = 64, batch_size: int | str = 16, val_fraction: float = 0.2,
                 test_fraction: float = 0.2, shuffle: bool = True, seed: int = 0,
                 augment: TokenDropout | None = None) -> None:
        super().__init__(source="nnfw.data.reviews.reviews", batch_size=batch_size, val_fraction=val_fraction,
                         test_fraction=test_fraction, standardize=False, seed=seed, shuffle=shuffle)
        self.augment = augment or TokenDropout()
        self.path, self.text_column, self.label_column, self.max_len = path, text_column, label_column, max_len
        self.vocabulary: list[str] = []

    def encode(self, texts: Sequence[str]) -> torch.Tensor:
        """Word ids (len(texts), max_len), padded on the left."""
        index = {word: i for i, word in enumerate(self.vocabulary)}
        rows = np.zeros((len(texts), self.max_len), dtype=np.int64)
        for row, text in zip(rows, texts):
            ids = [index.get(word, 1) for word in words(text)][: self.max_len]
            row[self.max_len - len(ids):] = ids
        return torch.as_tensor(rows)

    def setup(self, stage: str | None = None) -> None:
        if self.tensors:
            return
        from nnfw.data.reviews import reviews

        texts, labels = read_labelled(self.path, self.text_column, self.label_column) if self.path else reviews()
        names = sorted(set(labels))
        task = "binary" if len(names) == 2 else "multiclass"
        rows = Table(np.arange(len(texts)), [names.index(label) for label in labels], task, ("row",), names)
        parts = self._split(rows)  # the tables' stratified split, on row numbers
        train_rows = parts["train"][0][:, 0].astype(int)
        if not self.vocabulary:
            self.vocabulary = [PAD, UNKNOWN, *sorted({w for r in train_rows for w in words(texts[r])})]
        for name, (row_numbers, targets) in parts.items():
            encoded = self.encode([texts[int(r)] for r in row_numbers[:, 0]])
            self.tensors[name] = (encoded, torch.as_tensor(targets).float() if task == "binary"
                                  else torch.as_tensor(targets))
        self.spec = DataSpec(task=task, num_features=len(self.vocabulary), num_classes=len(names),
                             feature_names=(), class_names=tuple(names))

    def state_dict(self) -> dict[str, Any]:
        """The vocabulary, as plain strings: what inference needs to turn text into ids."""
        return {"vocabulary": list(self.vocabulary)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.vocabulary = list(state["vocabulary"])
