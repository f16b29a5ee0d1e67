"""A table's dates: recognised in its text, read as day counts and cycles, refused by line when wrong."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from test_tables import cli

from nnfw.errors import UserError


def sales(rows: int = 600, seed: int = 0) -> pd.DataFrame:
    """Daily sales over three years: a season, busier weekends, a trend, and a few days unknown."""
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 3 * 365, rows)
    when = pd.Timestamp("2021-01-01") + pd.to_timedelta(days, "D")
    noise = rng.normal(size=rows)
    sold = (3 * np.sin(2 * np.pi * when.day_of_year / 365.25) + 2 * (when.day_of_week >= 5) + 0.002 * days
            + 0.5 * noise + rng.normal(scale=0.2, size=rows))
    frame = pd.DataFrame({"when": when.strftime("%Y-%m-%d"), "noise": noise, "sold": sold})
    frame.loc[rng.choice(rows, 6, replace=False), "when"] = np.nan
    return frame


@pytest.mark.parametrize(("cells", "expected"), [
    (["2024-03-01", "2024-03-02"], "%Y-%m-%d"),
    (["2024-03-01T12:30:00Z", "2024-03-02T08:00:00Z"], "%Y-%m-%dT%H:%M:%S%z"),
    (["03/01/2024", "03/22/2024"], "%m/%d/%Y"),
    (["01/03/2024", "22/03/2024"], "%d/%m/%Y"),  # a day above 12 settles which comes first
    (["1 March 2024", "22 March 2024"], "%d %B %Y"),
    (["male", "female"], None),
    (["Jan", "Feb"], None),       # months without a year
    (["12:30", "08:15"], None),   # times of day
    (["A-12", "B-07"], None),
])
def test_a_text_column_is_dates_in_the_one_format_that_reads_it(cells, expected):
    from nnfw.data.dates import date_format

    assert date_format(pd.Series(cells * 5)) == expected


def test_dates_are_dates_though_unique_in_every_row_and_so_are_a_files_timestamps():
    from nnfw.data.columns import column_kinds

    frame = pd.DataFrame({"day": pd.date_range("2020-01-01", periods=40).strftime("%Y-%m-%d"),
                          "stamp": pd.date_range("2020-01-01", periods=40, freq="h"),
                          "code": [f"C-{i}" for i in range(40)]})
    kinds, notices = column_kinds(frame, {}, "t.csv")
    assert kinds == {"day": "date", "stamp": "date", "code": "drop"}
    assert len(notices) == 1 and "'code' looks like an identifier" in notices[0]


def fitted(cells: list):
    from nnfw.data.preprocess import Plan, fit

    frame = pd.DataFrame({"when": cells})
    return fit(frame, Plan({"when": "date"}, source="t.csv")), frame


def test_a_date_is_its_day_count_and_its_place_in_the_cycles_its_training_values_vary_over():
    daily, frame = fitted(list(pd.date_range("2020-01-01", periods=400).strftime("%Y-%m-%d")) + [None])
    assert daily.feature_names == ("when", "when_missing", "when_year_sin", "when_year_cos",
                                   "when_week_sin", "when_week_cos")
    features = daily.transform(pd.DataFrame({"when": ["1970-01-11", "1970-01-05", None]}))
    assert features[0, 0] == 10 and features[0, 1] == 0
    np.testing.assert_allclose(features[1, 4:], [0, 1], atol=1e-6)  # 1970-01-05 was a Monday: the week's start
    median = np.median((pd.to_datetime(frame["when"].dropna()) - pd.Timestamp(0)).dt.days)
    assert features[2, 0] == median and features[2, 1] == 1  # a gap: the median day, marked
    _, std = daily.scaling()
    assert std[0] == pytest.approx(115.5, rel=0.01) and list(std[1:]) == [1] * 5

    monthly, _ = fitted(list(pd.date_range("2000-01-01", periods=48, freq="MS").strftime("%Y-%m-%d")))
    assert monthly.feature_names == ("when", "when_year_sin", "when_year_cos")
    hourly, _ = fitted(list(pd.date_range("2020-01-01", periods=48, freq="h").strftime("%Y-%m-%d %H:%M")))
    assert hourly.feature_names == ("when", "when_week_sin", "when_week_cos", "when_day_sin", "when_day_cos")
    assert hourly.transform(pd.DataFrame({"when": ["1970-01-01 06:00"]}))[0, 0] == 0.25


def test_a_cell_that_is_not_a_date_is_refused_naming_its_line():
    daily, _ = fitted(list(pd.date_range("2020-01-01", periods=30).strftime("%Y-%m-%d")))
    with pytest.raises(UserError, match=r"column 'when' of t.csv holds dates \(%Y-%m-%d\) but line 3 holds "
                                        r"'2020-02-30' \(1 such cell"):
        daily.transform(pd.DataFrame({"when": ["2020-02-01", "2020-02-30"]}))


def test_a_declared_date_column_in_a_format_pandas_cannot_guess_is_read_by_its_parser():
    from nnfw.data.columns import declared_kinds

    assert declared_kinds(date=["when"]) == {"when": "date"}
    months, _ = fitted(["Mar 2021", "Apr 2021", "Jan 2022"])
    assert months.columns[0].format is None
    assert months.transform(pd.DataFrame({"when": ["Jan 1970"]}))[0, 0] == 0


def test_the_baselines_read_a_date_as_its_day_count_and_cycles_with_gaps_left_open():
    daily, _ = fitted(list(pd.date_range("2020-01-01", periods=400).strftime("%Y-%m-%d")))
    raw = daily.raw(pd.DataFrame({"when": ["1970-01-11", None]}))
    assert raw.shape == (2, 5) and raw[0, 0] == 10 and np.isnan(raw[1]).all()
    assert not daily.raw_categorical.any() and len(daily.raw_categorical) == 5


def test_a_run_learns_from_the_season_and_weekday_of_its_dates_and_predicts_from_raw_dates(tmp_path):
    path = tmp_path / "sales.csv"
    frame = sales()
    frame.to_csv(path, index=False)
    run_dir = tmp_path / "run"
    assert cli("train", "data=csv", f"data.path={path}", "data.target=sold", "trainer.max_epochs=60",
               "trainer.enable_progress_bar=false", "print_config=false", "callbacks.model_summary=null",
               "logger=none", f"hydra.run.dir={run_dir}") == 0
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["data"]["feature_names"][:6] == ["when", "when_missing", "when_year_sin", "when_year_cos",
                                                    "when_week_sin", "when_week_cos"]
    rmse, baselines = summary["metrics"]["test/rmse"], summary["baselines"]
    assert rmse < 0.3 * baselines["mean"]["test/rmse"] and rmse < baselines["ridge"]["test/rmse"]
    new = frame.drop(columns="sold").iloc[:5]
    new.to_csv(tmp_path / "new.csv", index=False)
    new.assign(when=pd.to_datetime(new["when"]).dt.strftime("%Y-%m-%d 00:00:00")).to_csv(tmp_path / "same.csv", index=False)
    for name in ("new", "same"):
        assert cli("predict", f"run={run_dir}", f"input={tmp_path / name}.csv", f"output={tmp_path / name}.out") == 0
    np.testing.assert_allclose(pd.read_csv(tmp_path / "same.out"), pd.read_csv(tmp_path / "new.out"))


def test_a_streamed_table_reads_its_dates_as_the_same_table_in_memory_does(tmp_path):
    from test_streaming import streamed, training_rows

    from nnfw.data.csv import read_csv
    from nnfw.data.preprocess import fit

    path = tmp_path / "sales.csv"
    sales(300).to_csv(path, index=False)
    data = streamed(path, chunk_rows=41, target="sold")
    whole = read_csv(str(path), "sold")
    assert whole.plan.kinds == {"when": "date", "noise": "numeric"}
    expected = fit(training_rows(path, data)[list(whole.plan.kinds)], whole.plan, data.seed)
    got, want = data.preprocessor.columns[0], expected.columns[0]
    assert (got.format, got.fill, got.cycles, got.indicator) == (want.format, want.fill, want.cycles, want.indicator)
    assert (got.mean, got.std) == (pytest.approx(want.mean, rel=1e-9), pytest.approx(want.std, rel=1e-9))


def test_a_parquet_files_timestamps_give_the_features_its_csvs_dates_give(tmp_path):
    pytest.importorskip("pyarrow")
    from nnfw.data.csv import read_csv
    from nnfw.data.preprocess import fit

    frame = sales(200)
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.assign(when=pd.to_datetime(frame["when"])).to_parquet(tmp_path / "t.parquet", index=False)
    from_csv, from_parquet = read_csv(str(tmp_path / "t.csv"), "sold"), read_csv(str(tmp_path / "t.parquet"), "sold")
    assert from_parquet.plan.kinds == from_csv.plan.kinds == {"when": "date", "noise": "numeric"}
    encoded_csv, encoded_parquet = fit(from_csv.X, from_csv.plan), fit(from_parquet.X, from_parquet.plan)
    np.testing.assert_allclose(encoded_parquet.transform(from_parquet.X), encoded_csv.transform(from_csv.X))
    np.testing.assert_allclose(encoded_parquet.transform(from_csv.X), encoded_csv.transform(from_csv.X))
