"""Columns of dates and times: recognised in a table's text, and read as numbers a network uses.

A text column holds dates when the format pandas guesses from its first value (month first, or
else day first) reads more than MOSTLY_DATES of its distinct values and names a year and a
month: ISO 8601 ("2024-03-01", "2024-03-01T12:30:00Z"), "03/01/2024", "1 March 2024" and the
like. The rest of its cells are then mistakes, refused by line as a column of numbers' are. A
column the file stores as dates (Parquet's timestamps) holds dates whatever its values. A date
declared with `data.date` whose format cannot be guessed is read by pandas' own parser.
nnfw.data.columns reads a date column's cells (`days_in`) and refuses those that are not dates.

A date becomes its day count since 1970-01-01 (times of day as fractions of a day), and where
it falls in the cycles its training values vary over (`cycles`), as a sine and a cosine each, so
that December lies beside January: the year, where they span SEASONS_AFTER days or more; the week,
where they lie less than a week apart; the day, where they hold times.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format

#: a text column whose distinct values one date format reads in more than this share is dates
MOSTLY_DATES = 0.5
#: distinct values a column's format is judged on
FORMAT_SAMPLE = 1_000
#: dates spanning this many days or more have a place in the year worth a feature
SEASONS_AFTER = 60
#: the length of each cycle in days
CYCLE_DAYS = {"year": 365.2425, "week": 7.0, "day": 1.0}
#: 1970-01-01, day 0, was a Thursday: the days to add so that a week starts on a Monday
WEEK_OFFSET = 3.0


def names_a_date(date_format: str) -> bool:
    """Whether a strptime format reads a year and a month, not a time or a month name alone."""
    return any(year in date_format for year in ("%Y", "%y")) and any(month in date_format for month in ("%m", "%b", "%B"))


def date_format(column: pd.Series) -> str | None:
    """The strptime format that reads the text of `column` as dates, or None when it is not dates."""
    distinct = pd.Series(column.dropna().astype(str).unique()[:FORMAT_SAMPLE])
    if distinct.empty:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns that a day-first guess contradicts its default
        guesses = dict.fromkeys(guess_datetime_format(distinct.iloc[0], dayfirst=dayfirst) for dayfirst in (False, True))
    shares = {guess: times(distinct, guess).notna().mean() for guess in guesses if guess and names_a_date(guess)}
    best = max(shares, key=shares.__getitem__, default=None)  # the first of equals: month first
    return best if best is not None and shares[best] > MOSTLY_DATES else None


def times(column: pd.Series, date_format: str | None) -> pd.Series:
    """`column` as timestamps without a time zone (UTC where they carry one), NaT where a cell
    is empty or not a date: read in `date_format` (None: as pandas' parser reads it), or else in
    ISO 8601, which names a date one way only (a new file may write the same days so)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        read = column
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas' parser, cell by cell, when no format is known
            read = pd.to_datetime(column, format=date_format, errors="coerce", utc=True)
            unread = read.isna() & column.notna()
            if date_format is not None and unread.any():
                read[unread] = pd.to_datetime(column[unread], format="ISO8601", errors="coerce", utc=True)
    if isinstance(read.dtype, pd.DatetimeTZDtype):
        read = read.dt.tz_convert("UTC").dt.tz_localize(None)
    return read


def varying_cycles(days: np.ndarray) -> list[str]:
    """The cycles that observed training `days` vary over (see the module's docstring)."""
    observed = np.unique(days[~np.isnan(days)])
    if len(observed) < 2:
        return []
    cycles = ["year"] if observed[-1] - observed[0] >= SEASONS_AFTER else []
    if np.median(np.diff(observed)) < CYCLE_DAYS["week"]:
        cycles.append("week")
    if np.any(np.mod(observed, 1.0) != 0):
        cycles.append("day")
    return cycles


def cycle_features(days: np.ndarray, cycles: list[str]) -> list[np.ndarray]:
    """The sine and the cosine of each cycle's phase at `days`, in the order of `cycles`."""
    features = []
    for cycle in cycles:
        phase = 2 * np.pi * ((days + (WEEK_OFFSET if cycle == "week" else 0.0)) / CYCLE_DAYS[cycle])
        features.extend((np.sin(phase), np.cos(phase)))
    return features
