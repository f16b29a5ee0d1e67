"""`RatingsDataModule`: (user, item, rating) triples split, mapped to indices and served as tensor batches.

A batch's inputs are (user index, item index) pairs, a LongTensor (n, 2); its targets the
ratings (explicit feedback) or 1 / 0 for a rating / a sampled negative (implicit feedback).
Index 0 stands for any user or item the training split never saw, so evaluation and
predictions never fail on one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
import pandas as pd
import torch
from hydra.utils import get_method

from nnfw.data.arrays import ArrayDataModule
from nnfw.data.loader import TensorLoader, process_share
from nnfw.data.spec import DataSpec
from nnfw.errors import UserError

log = logging.getLogger(__name__)

Split = Literal["random", "last"]
UNKNOWN = 0  # the index of a user or item absent from the training split


class RatingsDataModule(ArrayDataModule):
    """Ratings from `source` (a function returning a frame of user, item, rating[, timestamp]).

    - split: `random` (every user keeps at least one rating in training) or `last` (leave-last-out:
      each user's latest rating tests, the one before validates); `test_path` gives the test
      ratings as a file instead. A fraction of 0 evaluates on the training ratings.
    - duplicates: a (user, item) pair rated twice keeps its `last` rating (the latest, or the
      last in file order without timestamps), or stops with exit 2 (`error`).
    - implicit: every rating is a positive; training adds `negatives` unrated items per positive,
      drawn again each epoch; each evaluated positive is ranked among `eval_negatives` unrated
      items drawn once (the usual 99).
    Ids are mapped to indices from the training split; the mapping travels in checkpoints.
    """

    def __init__(self, source: str, split: Split = "random", val_fraction: float = 0.1,
                 test_fraction: float = 0.2, test_path: str | None = None, duplicates: str = "last",
                 implicit: bool = False, negatives: int = 4, eval_negatives: int = 99,
                 batch_size: int | str = 1024, shuffle: bool = True, seed: int = 0, **params: Any) -> None:
        super().__init__(source=source, batch_size=batch_size, val_fraction=val_fraction, test_fraction=test_fraction,
                         standardize=False, seed=seed, shuffle=shuffle, **params)
        self.split, self.test_path, self.duplicates = split, test_path, duplicates
        self.implicit, self.negatives, self.eval_negatives = implicit, negatives, eval_negatives
        self.users: list[str] = []  # original ids, as strings, of indices 1, 2, ...
        self.items: list[str] = []
        self.rated = torch.zeros(0, 2, dtype=torch.long)  # every (user, item) index pair in the data
        self.popularity = torch.zeros(0, dtype=torch.long)  # training ratings per item index
        self.titles: dict[str, str] = {}  # item id -> title, where the data has titles (for pictures)

    # ------------------------------------------------------------------ reading

    def _frame(self, **changes: Any) -> pd.DataFrame:
        function = get_method(self.source)
        frame = self.load() if not changes else function(**{**self.params, **changes})
        return self._deduplicated(frame.assign(user=frame["user"].astype(str), item=frame["item"].astype(str)))

    def _deduplicated(self, frame: pd.DataFrame) -> pd.DataFrame:
        if "timestamp" in frame.columns:
            frame = frame.sort_values("timestamp", kind="stable")
        repeated = frame.duplicated(["user", "item"], keep="last")
        if repeated.any():
            first = frame[repeated].iloc[0]
            if self.duplicates == "error":
                raise UserError(f"{int(repeated.sum())} (user, item) pair(s) are rated more than once "
                                f"(e.g. user {first['user']}, item {first['item']})",
                                "drop them, or keep each pair's last rating with data.duplicates=last")
            log.warning("%d repeated (user, item) rating(s) dropped, the last of each kept (data.duplicates=last)",
                        int(repeated.sum()))
        return frame[~repeated]

    def _parts(self, frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """train / val / test ratings; a split of fraction 0 is the training ratings."""
        test_fraction = 0.0 if self.test_path else self.test_fraction
        rng = np.random.default_rng(self.seed)
        if self.split == "last":  # frames are in time order when they have timestamps
            from_end = frame.groupby("user").cumcount(ascending=False).to_numpy()
            count = frame.groupby("user")["item"].transform("size").to_numpy()
            held = int(test_fraction > 0) + int(self.val_fraction > 0)
            test = (from_end == 0) & (test_fraction > 0) & (count > held)
            val = (from_end == int(test_fraction > 0)) & (self.val_fraction > 0) & (count > held)
        else:
            order = rng.permutation(len(frame))
            kept = frame["user"].iloc[order].duplicated().to_numpy()  # all but one rating per user may leave
            movable = order[kept]
            n_test, n_val = round(test_fraction * len(frame)), round(self.val_fraction * len(frame))
            test, val = np.zeros(len(frame), bool), np.zeros(len(frame), bool)
            test[movable[:n_test]] = True
            val[movable[n_test:n_test + n_val]] = True
        parts = {"train": frame[~(test | val)], "val": frame[val], "test": frame[test]}
        if self.test_path:
            parts["test"] = self._frame(path=self.test_path)
        for name, fraction in (("val", self.val_fraction), ("test", test_fraction)):
            if fraction <= 0 and not (name == "test" and self.test_path):
                parts[name] = parts["train"]
            elif parts[name].empty:
                raise UserError(f"the {name} split holds no ratings: users need more ratings than are held out",
                                f"use data.split=random or a larger data.{name}_fraction")
        return parts

    # ------------------------------------------------------------------ building

    def setup(self, stage: str | None = None) -> None:
        if self.tensors:
            return
        frame = self._frame()
        if "title" in frame.columns:
            self.titles = dict(zip(frame["item"], frame["title"].astype(str)))
        parts = self._parts(frame)
        if not self.users:  # a restored mapping is kept
            self.users = sorted(parts["train"]["user"].unique())
            self.items = sorted(parts["train"]["item"].unique())
        train = self.encode(parts["train"])
        self.popularity = torch.bincount(train[:, 1], minlength=len(self.items) + 1)
        self.rated = torch.unique(torch.cat([self.encode(part) for part in parts.values()]), dim=0)
        for name, part in parts.items():
            pairs = self.encode(part)
            ratings = torch.tensor(part["rating"].to_numpy(), dtype=torch.float32)
            self.tensors[name] = (pairs, ratings) if not self.implicit else self._implicit(name, pairs)
        self.spec = DataSpec(task="ranking" if self.implicit else "rating", num_features=2,
                             sizes={"num_users": len(self.users) + 1, "num_items": len(self.items) + 1,
                                    "rating_mean": 0.0 if self.implicit else float(parts["train"]["rating"].mean())})

    def encode(self, frame: pd.DataFrame) -> torch.Tensor:
        """(user index, item index) per row; ids the training split never saw become UNKNOWN."""
        return torch.stack([self.indices(self.users, frame["user"]), self.indices(self.items, frame["item"])], 1)

    @staticmethod
    def indices(known: list[str], ids: pd.Series) -> torch.Tensor:
        """The index of each id in `known` (1-based), or UNKNOWN."""
        codes = pd.Categorical(ids.astype(str), categories=known).codes.astype(np.int64) + 1  # -1 (unseen) -> 0
        return torch.as_tensor(codes)

    def _implicit(self, split: str, pairs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Training positives (negatives join each epoch), or each evaluated positive followed by
        `eval_negatives` unrated items, with targets (label, query) so metrics rank within a query."""
        if split == "train":
            return pairs, torch.ones(len(pairs))
        generator = torch.Generator().manual_seed(self.seed + (1 if split == "val" else 2))
        negatives = self.unrated(pairs[:, 0].repeat_interleave(self.eval_negatives), generator)
        rows = torch.cat([pairs[:, 1:], negatives.view(len(pairs), -1)], 1)  # (positives, 1 + negatives)
        users = pairs[:, :1].expand_as(rows)
        labels = torch.zeros_like(rows, dtype=torch.float32)
        labels[:, 0] = 1
        queries = torch.arange(len(pairs), dtype=torch.float32)[:, None].expand_as(rows)
        return (torch.stack([users.reshape(-1), rows.reshape(-1)], 1),
                torch.stack([labels.reshape(-1), queries.reshape(-1)], 1))

    def unrated(self, users: torch.Tensor, generator: torch.Generator, tries: int = 50) -> torch.Tensor:
        """One random known item per entry of `users` that the user has not rated (rarely one
        rated, after `tries` redraws: a user who rated almost every item)."""
        count = len(self.items)
        keys = self.rated[:, 0] * (count + 1) + self.rated[:, 1]
        items = torch.randint(1, count + 1, (len(users),), generator=generator)
        for _ in range(tries):
            clash = torch.isin(users * (count + 1) + items, keys)
            if not clash.any():
                break
            items[clash] = torch.randint(1, count + 1, (int(clash.sum()),), generator=generator)
        return items

    def held_out(self) -> tuple[torch.Tensor, torch.Tensor, int]:
        """Implicit data's test positives, the training positives, and the number of known items:
        what ranking among all items needs."""
        pairs, targets = self.tensors["test"]
        positives = pairs[targets[:, 0] == 1] if targets.ndim == 2 else pairs
        return positives, self.tensors["train"][0], len(self.items)

    # ------------------------------------------------------------------ serving

    def _loader(self, split: str, shuffle: bool, share: tuple[int, int] = (0, 1)) -> TensorLoader:
        if not (self.implicit and split == "train"):
            return super()._loader(split, shuffle, share)
        pairs, _ = self.tensors["train"]
        size = len(pairs) * (1 + self.negatives) if self.batch_size == "full" else int(self.batch_size)
        epoch = (lambda: self.trainer.current_epoch) if self.trainer is not None else None
        return NegativeSampling(self, pairs, size, shuffle=shuffle, seed=self.seed, epoch=epoch, share=share,
                                block=self.batches_per_item)

    def train_dataloader(self) -> TensorLoader:
        return self._loader("train", shuffle=self.shuffle, share=process_share(self))

    # ------------------------------------------------------------------ checkpoints

    def state_dict(self) -> dict[str, Any]:
        """The id mapping, what each user rated and the items' popularity: what predictions need."""
        return {"users": list(self.users), "items": list(self.items), "rated": self.rated,
                "popularity": self.popularity}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.users, self.items = list(state["users"]), list(state["items"])
        self.rated, self.popularity = state["rated"], state["popularity"]


class NegativeSampling(TensorLoader):
    """The training positives, each followed by `negatives` unrated items drawn again every epoch.

    An epoch's draw depends on the seed and the epoch's number alone, so a resumed run trains
    on the negatives the uninterrupted run would have drawn.
    """

    def __init__(self, data: RatingsDataModule, positives: torch.Tensor, batch_size: int, **kwargs: Any) -> None:
        self.data, self.positives = data, positives
        rows = len(positives) * (1 + data.negatives)
        super().__init__(positives.new_zeros(rows, 2), torch.zeros(rows), batch_size, **kwargs)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """The epoch's pairs, drawn anew; an epoch resumed halfway draws the same pairs again."""
        epoch = self.epoch() if self.epoch is not None else self.drawn
        draws = torch.Generator().manual_seed(self.data.seed * 100_003 + epoch)
        users = self.positives[:, 0].repeat_interleave(self.data.negatives)
        negatives = torch.stack([users, self.data.unrated(users.cpu(), draws).to(users.device)], 1)
        self.features = torch.cat([self.positives, negatives])
        self.targets = torch.cat([torch.ones(len(self.positives)), torch.zeros(len(negatives))]).to(self.positives.device)
        return super().__iter__()
