"""A table's columns turned into the features a network reads, fitted on the training rows only.

`TableFit` gathers what the encoding needs in one pass over the training rows, chunk by chunk
in bounded memory: category counts, running sums for means and spreads (Chan's parallel
update), and for medians a reservoir of at most RESERVOIR values per column (exact while a
column has no more observed values; a uniform sample of them beyond). A table in memory is
one chunk of the same pass, so a table read in chunks gets the same encoding.

`Preprocessor` is what the fit leaves: per column its fill for gaps and its statistics, or
its categories. It encodes any frame with those columns (a training split, or a new CSV at
predict time) into float32 features, in the data's own units:

- a numeric column: its value, gaps filled with the training median (or mean); one more
  feature, COLUMN_missing (0 or 1), where the training rows had gaps;
- a categorical column of at most `one_hot_max` codes: one 0/1 feature per category
  (COLUMN=VALUE, and COLUMN_missing when gaps occurred in training);
- a date column: its day count since 1970 (gaps filled with the training median, and
  COLUMN_missing where training had gaps), and a sine and a cosine of its place in each cycle
  its training values vary over, COLUMN_year_sin ... (nnfw.data.dates);
- a larger categorical column: one feature holding the category's code, an exact small
  integer, which the model's input layer embeds (nnfw.models.tabular). Code 0 is the unknown
  category: a value the training rows never showed, or one they showed fewer than
  `min_category_count` times, so an unseen value at predict time is never an error; gaps, when
  training had them, are a category of their own (the last code).

The datamodule standardizes the numeric features with `scaling()` (codes and 0/1 features keep
their values). `to_state` is plain data, saved in checkpoints that load with weights_only.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from nnfw.data import dates
from nnfw.data.columns import ColumnKind, category_texts, days_in, numbers_in
from nnfw.data.splits import spreads

#: values kept per column for its median: exact up to this many observed values
RESERVOIR = 100_000
Impute = Literal["median", "mean"]


@dataclass
class Plan:
    """The preprocessing a table asks for, before it is fitted: its feature columns' kinds, in order."""

    kinds: dict[str, ColumnKind]
    impute: Impute = "median"
    one_hot_max: int | None = 10  # None: every categorical column one-hot
    min_category_count: int = 2
    source: str = ""  # the file, named in messages


@dataclass
class NumericColumn:
    name: str
    fill: float  # the value gaps take: the training median or mean
    mean: float  # of the training values with gaps filled, for standardization
    std: float
    indicator: bool  # whether COLUMN_missing follows: the training rows had gaps
    kind: str = "numeric"

    @property
    def feature_names(self) -> list[str]:
        return [self.name, f"{self.name}_missing"] if self.indicator else [self.name]


@dataclass
class CategoricalColumn:
    name: str
    categories: list[str]  # codes 1..len(categories); 0 is the unknown category
    missing: bool  # whether gaps are a category of their own (code len(categories) + 1)
    one_hot: bool
    kind: str = "categorical"

    @property
    def cardinality(self) -> int:
        """Codes in use: the unknown category, the categories, and the gaps' own."""
        return len(self.categories) + 1 + self.missing

    @property
    def feature_names(self) -> list[str]:
        if not self.one_hot:
            return [self.name]
        return [f"{self.name}={value}" for value in self.categories] + ([f"{self.name}_missing"] if self.missing else [])

    def codes(self, column: pd.Series) -> np.ndarray:
        """Each value's code: 0 for an unknown one, the gaps' own code (or 0) for a missing one."""
        texts = category_texts(column)
        index = {value: code for code, value in enumerate(self.categories, start=1)}
        codes = texts.map(index).to_numpy(dtype=float, copy=True)
        gaps = texts.isna().to_numpy()
        codes[gaps] = self.cardinality - 1 if self.missing else 0
        return np.nan_to_num(codes, nan=0.0)


@dataclass
class DateColumn:
    name: str
    format: str | None  # the strptime format its training values were read with; None: pandas' parser
    fill: float  # the day count gaps take: the training median
    mean: float  # of the training day counts with gaps filled, for standardization
    std: float
    indicator: bool  # whether COLUMN_missing follows: the training rows had gaps
    cycles: list[str]  # nnfw.data.dates.CYCLE_DAYS's, each a sine and a cosine
    kind: str = "date"

    @property
    def feature_names(self) -> list[str]:
        return ([self.name] + [f"{self.name}_missing"] * self.indicator
                + [f"{self.name}_{cycle}_{wave}" for cycle in self.cycles for wave in ("sin", "cos")])

    def features(self, column: pd.Series, source: str, filled: bool = True) -> list[np.ndarray]:
        """The day count (gaps filled, or NaN where not `filled`), the gap indicator when it has one
        and filled, and the cycles' sines and cosines (at the filled day count)."""
        days = days_in(column, self.name, source, self.format)
        gaps = np.isnan(days)
        known = np.where(gaps, self.fill, days)
        waves = dates.cycle_features(known if filled else days, self.cycles)
        if not filled:
            return [days, *waves]
        return [known, *([gaps.astype(float)] if self.indicator else []), *waves]


Column = NumericColumn | CategoricalColumn | DateColumn


@dataclass
class Preprocessor:
    """A fitted encoding of a table's columns into features (see the module's docstring)."""

    columns: list[Column] = field(default_factory=list)
    source: str = ""

    @property
    def names(self) -> list[str]:
        """The table columns it reads, in order."""
        return [column.name for column in self.columns]

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(name for column in self.columns for name in column.feature_names)

    @property
    def source_columns(self) -> tuple[str, ...]:
        """The table column of each feature."""
        return tuple(column.name for column in self.columns for _ in column.feature_names)

    @property
    def categories(self) -> list[list[int]]:
        """[feature index, codes] of each feature that holds a category's code (embedded by the model)."""
        found, index = [], 0
        for column in self.columns:
            if isinstance(column, CategoricalColumn) and not column.one_hot:
                found.append([index, column.cardinality])
            index += len(column.feature_names)
        return found

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """The features of every row of `frame` (which holds at least the columns in `names`)."""
        parts: list[np.ndarray] = []
        for column in self.columns:
            values = frame[column.name]
            if isinstance(column, NumericColumn):
                numbers = numbers_in(values, column.name, self.source).to_numpy()
                gaps = np.isnan(numbers)
                parts.append(np.where(gaps, column.fill, numbers))
                if column.indicator:
                    parts.append(gaps.astype(float))
            elif isinstance(column, DateColumn):
                parts.extend(column.features(values, self.source))
            elif column.one_hot:
                codes = column.codes(values).astype(np.int64)
                parts.extend((codes == code).astype(float) for code in range(1, column.cardinality))
            else:
                parts.append(column.codes(values))
        if not parts:
            return np.zeros((len(frame), 0), dtype=np.float32)
        return np.column_stack(parts).astype(np.float32)

    def scaling(self) -> tuple[np.ndarray, np.ndarray]:
        """The mean and spread that standardize each feature: a numeric value's own; 0 and 1 (as
        it is) for codes, one-hot and missing-value features."""
        means, stds = [], []
        for column in self.columns:
            numeric = isinstance(column, (NumericColumn, DateColumn))
            for position in range(len(column.feature_names)):  # none: a category of rare values alone
                means.append(column.mean if numeric and position == 0 else 0.0)
                stds.append(column.std if numeric and position == 0 else 1.0)
        return np.asarray(means, dtype=np.float32), np.asarray(stds, dtype=np.float32)

    def raw(self, frame: pd.DataFrame) -> np.ndarray:
        """The table as models that take it as it is read it (the baselines): a number as read (NaN
        for a gap), a category as its code, a date as its day count and cycles (NaN for a gap);
        `raw_categorical` says which of these columns hold codes."""
        values: list[np.ndarray] = []
        for column in self.columns:
            cells = frame[column.name]
            if isinstance(column, NumericColumn):
                values.append(numbers_in(cells, column.name, self.source).to_numpy())
            elif isinstance(column, DateColumn):
                values.extend(column.features(cells, self.source, filled=False))
            else:
                values.append(column.codes(cells))
        return np.column_stack(values) if values else np.zeros((len(frame), 0))

    @property
    def raw_categorical(self) -> np.ndarray:
        """Which columns of `raw` hold category codes."""
        return np.array([isinstance(column, CategoricalColumn) for column in self.columns for _ in
                         range(2 * len(column.cycles) + 1 if isinstance(column, DateColumn) else 1)], dtype=bool)

    def describe(self, mean: np.ndarray | None, std: np.ndarray | None) -> list[dict[str, Any]]:
        """Each feature in order, in words and numbers: how a program without nnfw computes it
        from its column (`mean` and `std`: the datamodule's standardization, None for none)."""
        described, index = [], 0
        for column in self.columns:
            for position, feature in enumerate(column.feature_names):
                entry: dict[str, Any] = {"index": index, "feature": feature, "column": column.name}
                if isinstance(column, NumericColumn) and position == 0:
                    entry["computed"] = f"the number, a gap as {column.fill:.6g}" + (
                        "; then (value - mean) / std" if mean is not None else "")
                    entry.update(fill=column.fill, **({"mean": float(mean[index]), "std": float(std[index])}
                                                      if mean is not None else {}))
                elif isinstance(column, DateColumn) and position == 0:
                    entry["computed"] = (f"the days since 1970-01-01 of the date (read as {column.format or 'pandas reads it'}), "
                                         f"a gap as {column.fill:.6g}" + ("; then (value - mean) / std" if mean is not None else ""))
                    entry.update(fill=column.fill, format=column.format,
                                 **({"mean": float(mean[index]), "std": float(std[index])} if mean is not None else {}))
                elif isinstance(column, DateColumn) and feature.endswith(("_sin", "_cos")):
                    cycle, wave = feature[len(column.name) + 1:].split("_")
                    entry["computed"] = (f"{wave}(2 pi x days / {dates.CYCLE_DAYS[cycle]})" if cycle != "week" else
                                         f"{wave}(2 pi x (days + {dates.WEEK_OFFSET:g}) / 7)") + ", days as above (a gap filled)"
                elif feature.endswith("_missing") and (not isinstance(column, CategoricalColumn)
                                                       or position == len(column.categories)):
                    entry["computed"] = "1 where the column is empty, else 0"
                elif column.one_hot:
                    entry["computed"] = f"1 where the column is {column.categories[position]!r}, else 0"
                else:
                    entry["computed"] = ("the category's code: 0 for a value not listed, 1, 2 ... for the listed "
                                         "categories in order" + (", the last code for an empty cell" if column.missing else ""))
                    entry["categories"] = list(column.categories)
                described.append(entry)
                index += 1
        return described

    def to_state(self) -> dict[str, Any]:
        """Plain data (str, float, bool, lists), as checkpoints loaded with weights_only hold it."""
        return {"columns": [asdict(column) for column in self.columns], "source": self.source}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Preprocessor:
        kinds = {"numeric": NumericColumn, "categorical": CategoricalColumn, "date": DateColumn}
        return cls([kinds[column["kind"]](**column) for column in state["columns"]], state.get("source", ""))


class NumericFit:
    """Running count, mean and sum of squared deviations of a column's observed values (Chan et
    al.'s parallel update, exact whatever the chunks), its gaps, and a reservoir for its median."""

    def __init__(self, seed: int) -> None:
        self.count, self.mean, self.m2, self.gaps, self.seen = 0, 0.0, 0.0, 0, 0
        self.reservoir = np.empty(0)
        self.rng = np.random.default_rng(seed)

    def update(self, numbers: np.ndarray) -> None:
        observed = numbers[~np.isnan(numbers)]
        self.gaps += len(numbers) - len(observed)
        if not len(observed):
            return
        count, mean = len(observed), float(observed.mean())
        m2 = float(((observed - mean) ** 2).sum())
        total = self.count + count
        delta = mean - self.mean
        self.mean += delta * count / total
        self.m2 += m2 + delta ** 2 * self.count * count / total
        self.count = total
        self.sample(observed)

    def sample(self, observed: np.ndarray) -> None:
        """Algorithm R, one draw per value past the reservoir's size, in order: the same sample
        whatever the chunks."""
        room = max(0, RESERVOIR - len(self.reservoir))
        self.reservoir = np.concatenate([self.reservoir, observed[:room]])
        rest = observed[room:]
        if len(rest):
            seen = self.seen + room + np.arange(len(rest))  # values before each of the rest
            slots = self.rng.integers(0, seen + 1)
            kept = slots < RESERVOIR
            slots, values = slots[kept][::-1], rest[kept][::-1]
            first = np.unique(slots, return_index=True)[1]  # the last value drawn into a slot wins
            self.reservoir[slots[first]] = values[first]
        self.seen += len(observed)

    def fitted(self, name: str, impute: Impute) -> NumericColumn:
        if not self.count:
            return NumericColumn(name, 0.0, 0.0, 1.0, bool(self.gaps))
        fill = float(np.median(self.reservoir)) if impute == "median" else self.mean
        total = self.count + self.gaps
        mean = (self.count * self.mean + self.gaps * fill) / total
        m2 = self.m2 + self.count * (self.mean - mean) ** 2 + self.gaps * (fill - mean) ** 2
        return NumericColumn(name, fill, mean, float(spreads(m2 / total, mean)), bool(self.gaps))


class DateFit(NumericFit):
    """A NumericFit of a date column's day counts, with the format its first values are read in."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.format: str | None = None
        self.formatted = False  # whether the format has been looked for: on the first cells

    def update_cells(self, column: pd.Series, name: str, source: str) -> None:
        if not self.formatted and column.notna().any():
            self.format = dates.date_format(column) if not pd.api.types.is_datetime64_any_dtype(column) else None
            self.formatted = True
        self.update(days_in(column, name, source, self.format))

    def fitted_date(self, name: str) -> DateColumn:
        """The column as fitted: gaps filled with the median day, the cycles the sampled days vary over."""
        numeric = self.fitted(name, "median")
        return DateColumn(name, self.format, numeric.fill, numeric.mean, numeric.std, numeric.indicator,
                          dates.varying_cycles(self.reservoir))


class TableFit:
    """One pass over a table's training rows (`update` per chunk), then `fitted()`: the Preprocessor."""

    def __init__(self, plan: Plan, seed: int = 0) -> None:
        self.plan = plan
        self.numeric = {name: NumericFit(seed + index) for index, (name, kind) in enumerate(plan.kinds.items())
                        if kind == "numeric"}
        self.dates = {name: DateFit(seed + index) for index, (name, kind) in enumerate(plan.kinds.items())
                      if kind == "date"}
        self.counts: dict[str, Counter] = {name: Counter() for name, kind in plan.kinds.items() if kind == "categorical"}
        self.gaps: Counter = Counter()

    def update(self, frame: pd.DataFrame) -> TableFit:
        for name, fit in self.numeric.items():
            fit.update(numbers_in(frame[name], name, self.plan.source).to_numpy())
        for name, date_fit in self.dates.items():
            date_fit.update_cells(frame[name], name, self.plan.source)
        for name, counts in self.counts.items():
            texts = category_texts(frame[name])
            counts.update(texts.value_counts(dropna=True).to_dict())
            self.gaps[name] += int(texts.isna().sum())
        return self

    def fitted(self) -> Preprocessor:
        columns: list[Column] = []
        for name in self.plan.kinds:
            if name in self.numeric:
                columns.append(self.numeric[name].fitted(name, self.plan.impute))
            elif name in self.dates:
                columns.append(self.dates[name].fitted_date(name))
            elif name in self.counts:
                kept = sorted(v for v, n in self.counts[name].items() if n >= self.plan.min_category_count)
                column = CategoricalColumn(name, kept, self.gaps[name] > 0, one_hot=False)
                column.one_hot = self.plan.one_hot_max is None or column.cardinality - 1 <= self.plan.one_hot_max
                columns.append(column)
        return Preprocessor(columns, self.plan.source)


def fit(frame: pd.DataFrame, plan: Plan, seed: int = 0) -> Preprocessor:
    """The preprocessing of `plan` fitted on the training rows `frame`, in one chunk."""
    return TableFit(plan, seed).update(frame).fitted()
