"""`CharSeqDataModule`: a text split by position, served as windows of characters."""

from __future__ import annotations

import lightning.pytorch as pl
import torch

from nnfw.data.loader import TensorLoader, process_share
from nnfw.data.spec import DataSpec
from nnfw.data.text import read_corpus
from nnfw.data.vocab import Vocabulary
from nnfw.data.windows import ConsecutiveWindows, RandomWindows
from nnfw.errors import UserError


class CharSeqDataModule(pl.LightningDataModule):
    """Characters for a language model: the first part of the text trains, the next validates.

    The split is by position (train | val | test), as char-rnn and nanoGPT do, so no window
    of validation text was seen in training. An epoch is `windows_per_epoch` windows at random
    offsets (default `len(train) // seq_len`, a pass's worth of characters); validation and
    test read their text once in consecutive windows.
    With `stateful`, training batches are consecutive windows of one stream per batch row
    (`ConsecutiveWindows`) and an epoch `windows_per_epoch / batch_size` batches of them (null:
    a pass): a recurrent model carries its state from one batch to the next. Validation and test
    read their text as streams too, in one pass.
    The vocabulary comes from the training text only; other characters map to the unknown id.
    A fraction of 0 reuses a split: val the training text, test the val text.
    """

    def __init__(self, path: str | None = None, text: str | None = None, seq_len: int = 64,
                 batch_size: int = 64, val_fraction: float = 0.1, test_fraction: float = 0.0,
                 windows_per_epoch: int | None = None, seed: int = 0, stateful: bool = False) -> None:
        super().__init__()
        self.path, self.text, self.seq_len = path, text, seq_len
        self.batch_size, self.windows_per_epoch, self.seed = batch_size, windows_per_epoch, seed
        self.val_fraction, self.test_fraction, self.stateful = val_fraction, test_fraction, stateful
        self.tokens: dict[str, torch.Tensor] = {}
        self.vocabulary: Vocabulary | None = None
        self.spec: DataSpec | None = None

    def _split(self, corpus: str) -> dict[str, str]:
        n_train = round(len(corpus) * (1 - self.val_fraction - self.test_fraction))
        n_val = round(len(corpus) * self.val_fraction)
        parts = {"train": corpus[:n_train]}
        parts["val"] = corpus[n_train:n_train + n_val] if self.val_fraction > 0 else parts["train"]
        parts["test"] = corpus[n_train + n_val:] if self.test_fraction > 0 else parts["val"]
        for name, part in parts.items():
            if len(part) <= self.seq_len:
                where = self.path or ("data.text" if self.text is not None else "the built-in corpus")
                raise UserError(
                    f"the {name} split of {where} has {len(part)} characters, "
                    f"fewer than one sequence of data.seq_len={self.seq_len} plus its next character",
                    "use a longer text, a smaller data.seq_len, or other data.val_fraction / data.test_fraction",
                )
        return parts

    def setup(self, stage: str | None = None) -> None:
        if self.tokens:
            return
        parts = self._split(read_corpus(self.path, self.text))
        self.vocabulary = Vocabulary.from_text(parts["train"])
        self.tokens = {name: torch.as_tensor(self.vocabulary.encode(part)) for name, part in parts.items()}
        size = len(self.vocabulary)
        self.spec = DataSpec(task="language_model", num_features=size, num_classes=size,
                             class_names=self.vocabulary.chars, stateful=self.stateful)

    def train_dataloader(self) -> RandomWindows | ConsecutiveWindows:
        rank, world_size = process_share(self)  # under DDP each process draws its own windows
        if self.stateful:  # each process its own part of the text
            share = len(self.tokens["train"]) // world_size
            batches = -(-self.windows_per_epoch // self.batch_size) if self.windows_per_epoch else None
            return ConsecutiveWindows(self.tokens["train"][rank * share:(rank + 1) * share + 1], self.seq_len,
                                      self.batch_size, batches)
        count = self.windows_per_epoch or max(1, len(self.tokens["train"]) // self.seq_len)
        return RandomWindows(self.tokens["train"], self.seq_len, self.batch_size, -(-count // world_size),
                             seed=self.seed + rank)

    def _consecutive(self, split: str) -> TensorLoader | ConsecutiveWindows:
        """The split read once in consecutive windows; with `stateful`, as streams whose windows
        continue each other, as training reads them (and char-rnn evaluates): the model carries its
        state through the split instead of meeting every window without context."""
        tokens = self.tokens[split]
        count = (len(tokens) - 1) // self.seq_len
        if self.stateful:
            return ConsecutiveWindows(tokens, self.seq_len, min(self.batch_size, count), rewind=True)
        length = count * self.seq_len
        inputs = tokens[:length].view(count, self.seq_len)
        targets = tokens[1:length + 1].view(count, self.seq_len)
        return TensorLoader(inputs, targets, self.batch_size)

    def val_dataloader(self) -> TensorLoader | ConsecutiveWindows:
        return self._consecutive("val")

    def test_dataloader(self) -> TensorLoader | ConsecutiveWindows:
        return self._consecutive("test")

    def to(self, device: torch.device) -> None:
        """Move the texts to `device` once; windows are then cut there."""
        self.tokens = {name: tokens.to(device) for name, tokens in self.tokens.items()}

    def split_sizes(self) -> dict[str, int]:
        """Characters per split."""
        return {name: len(tokens) for name, tokens in self.tokens.items()}
