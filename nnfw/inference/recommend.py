"""What a recommender predicts: each user's top-k unrated items, or the scores of given (user, item) pairs.

Ids are the data's own (mapped back through the checkpoint's id mapping). A user the training
ratings never saw gets the most popular items, and the `basis` column says so.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from nnfw.data.ratings import UNKNOWN
from nnfw.data.ratings_files import COLUMN_NAMES, find_column
from nnfw.run.restore import Restored
from nnfw.tasks.recommendation import MODEL, scores, top_items


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
