"""What a recommender predicts: each user's top-k unrated items, or the scores of given (user, item) pairs.

Ids are the data's own (mapped back through the checkpoint's id mapping). A user the training
ratings never saw gets the most popular items, and the `basis` column says so.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import torch

from nnfw.data.ratings import UNKNOWN
from nnfw.data.ratings_files import COLUMN_NAMES, find_column
from nnfw.pipeline.restore import Restored

#: `basis` of a row: the model's own score, or the popularity stand-in for an unknown user
MODEL, POPULAR = "model", "popular items (user not in the training ratings)"


def scores(task: Any, pairs: torch.Tensor, batch_size: int) -> torch.Tensor:
    """The task's prediction (a rating, or the probability of a pick) for every pair, on the CPU."""
    with torch.no_grad():
        return torch.cat([task.predictions(task(batch.to(task.device))).cpu() for batch in pairs.split(batch_size)])


def score_pairs(restored: Restored, frame: pd.DataFrame, batch_size: int) -> pd.DataFrame:
    """`frame`'s user and item columns with a score each; a pair with an unknown side is scored
    with the model's stand-in for it (biases and factors never trained)."""
    data = restored.datamodule
    pairs = data.encode(frame)
    result = frame[["user", "item"]].copy()
    result["score"] = scores(restored.task, pairs, batch_size).numpy()
    result["basis"] = [MODEL if user != UNKNOWN and item != UNKNOWN else "unknown user or item"
                       for user, item in pairs.tolist()]
    return result


def top_items(task: Any, data: Any, users: pd.Series, k: int, batch_size: int) -> pd.DataFrame:
    """Rows (user, rank, item, score, basis): each user's `k` best-scored items they never rated,
    by `task`'s model on `data`'s id mapping."""
    known = data.indices(data.users, users)
    items = torch.arange(1, len(data.items) + 1)
    k = min(k, len(items))
    rows = []
    for user, index in zip(users.tolist(), known.tolist()):
        if index == UNKNOWN:
            popular = data.popularity[1:].topk(k).indices + 1
            rows += [(user, rank, data.items[i - 1], float("nan"), POPULAR) for rank, i in enumerate(popular.tolist(), 1)]
            continue
        pairs = torch.stack([torch.full_like(items, index), items], 1)
        predicted = scores(task, pairs, batch_size)
        rated = data.rated[data.rated[:, 0] == index, 1]
        rated = rated[rated != UNKNOWN]  # an item the training never saw has no score to mask
        predicted[rated - 1] = float("-inf")
        best = predicted.topk(k)
        rows += [(user, rank, data.items[i], score, MODEL)
                 for rank, (score, i) in enumerate(zip(best.values.tolist(), best.indices.tolist()), 1)
                 if score != float("-inf")]
    return pd.DataFrame(rows, columns=["user", "rank", "item", "score", "basis"])


def recommendations(restored: Restored, path: Path, k: int | None, batch_size: int) -> pd.DataFrame:
    """A CSV of users (a user column): their top-k items; of user and item columns: their scores."""
    from nnfw.data.csv import read_frame

    frame = read_frame(path, option="input")
    user = find_column(frame, "user", None, path)
    frame = frame.rename(columns={user: "user"})
    item = next((name for name in COLUMN_NAMES["item"] if name in frame.columns), None)
    if item is not None and k is None:
        return score_pairs(restored, frame.rename(columns={item: "item"}), batch_size)
    return top_items(restored.task, restored.datamodule, frame["user"].astype(str).drop_duplicates(), k or 10, batch_size)
