"""Parquet tables, and tables streamed from disk in chunks: the same table, statistics and runs as in memory."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_tables import QUICK, cli, customers

pytest.importorskip("pyarrow")

FAST = ["trainer.enable_progress_bar=false", "print_config=false", "callbacks.model_summary=null", *QUICK]


def with_booleans(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with a boolean column that has gaps, as Parquet stores one (pandas' nullable booleans)."""
    frame = frame.copy()
    frame["paperless"] = pd.array([(True, None, False)[i % 3] for i in range(len(frame))], dtype="boolean")
    return frame


def streamed(path: Path, chunk_rows: int = 37, **options):
    """data=csv's datamodule on `path`, streamed in chunks of `chunk_rows` rows, set up."""
    from nnfw.data.streaming import TableDataModule

    data = TableDataModule(source="nnfw.data.csv.read_csv", path=str(path), streaming=True, chunk_rows=chunk_rows,
                           target=options.pop("target", "left"), **options)
    data.setup("fit")
    return data


def training_rows(path: Path, data) -> pd.DataFrame:
    """The rows of the table at `path` that a streamed datamodule trains on, read whole."""
    from nnfw.data.csv import read_frame
    from nnfw.data.streaming import in_split, uniform

    frame = read_frame(path)
    return frame[in_split("train", uniform(np.arange(len(frame)), data.seed), data.val_fraction, data.test_fraction)]


# ----------------------------------------------------------------------------- Parquet


def test_a_parquet_file_gives_the_table_its_csv_gives(tmp_path):
    from nnfw.data.csv import read_csv
    from nnfw.data.preprocess import fit

    frame = with_booleans(customers(300))
    frame.to_csv(tmp_path / "t.csv", index=False)
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    from_csv, from_parquet = read_csv(str(tmp_path / "t.csv"), "left"), read_csv(str(tmp_path / "t.parquet"), "left")
    assert from_parquet.plan.kinds == from_csv.plan.kinds
    assert from_parquet.plan.kinds["paperless"] == "categorical" and from_parquet.plan.kinds["plan"] == "categorical"
    assert from_parquet.class_names == from_csv.class_names == ("no", "yes")
    np.testing.assert_array_equal(from_parquet.y, from_csv.y)
    encoded_csv, encoded_parquet = fit(from_csv.X, from_csv.plan), fit(from_parquet.X, from_parquet.plan)
    assert encoded_parquet.to_state()["columns"] == encoded_csv.to_state()["columns"]
    np.testing.assert_array_equal(encoded_parquet.transform(from_parquet.X), encoded_csv.transform(from_csv.X))


def test_a_parquet_text_column_stays_a_category_however_its_cells_look(tmp_path):
    from nnfw.data.csv import read_csv

    frame = pd.DataFrame({"zip": [f"{i % 40:05d}" for i in range(200)], "y": np.arange(200) % 2})
    frame.loc[3, "zip"] = "unknown"
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    assert read_csv(str(tmp_path / "t.parquet"), "y").plan.kinds == {"zip": "categorical"}


def test_missing_values_name_gaps_in_parquet_text(tmp_path):
    from nnfw.data.csv import read_csv

    frame = pd.DataFrame({"colour": ["red", "?", "blue", "red"] * 10, "y": [0.5, 1.5, 2.5, 3.5] * 10})
    frame.to_parquet(tmp_path / "t.parquet", index=False)
    table = read_csv(str(tmp_path / "t.parquet"), "y", missing_values=["?"])
    assert table.X["colour"].isna().sum() == 10


@pytest.mark.parametrize("case", ["not parquet", "folder without tables"])
def test_a_bad_parquet_table_exits_2_with_one_line(tmp_path, capsys, case):
    path = tmp_path / "t.parquet"
    if case == "not parquet":
        path.write_text("a,b\n1,2\n")
    else:
        path = tmp_path / "empty"
        path.mkdir()
        (path / "notes.txt").write_text("no table here")
    assert cli("train", "data=csv", f"data.path={path}", "debug=fast", f"hydra.run.dir={tmp_path / 'run'}") == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(path) in err
    assert ("cannot read the Parquet table" if case == "not parquet" else "is a directory without tables") in err
    assert len([line for line in err.splitlines() if line.startswith("nnfw: error")]) == 1
    assert not (tmp_path / "run").exists()


def test_predict_reads_a_parquet_input(tmp_path):
    frame = customers(300)
    frame.to_csv(tmp_path / "t.csv", index=False)
    run_dir = tmp_path / "run"
    assert cli("train", "data=csv", f"data.path={tmp_path / 't.csv'}", "data.target=left", "trainer.max_epochs=3",
               f"hydra.run.dir={run_dir}", *FAST) == 0
    new = frame.drop(columns="left").iloc[:50]
    new.to_csv(tmp_path / "new.csv", index=False)
    new.to_parquet(tmp_path / "new.parquet", index=False)
    for name in ("new.csv", "new.parquet"):
        assert cli("predict", f"run={run_dir}", f"input={tmp_path / name}", f"output={tmp_path / name}.out") == 0
    from_csv, from_parquet = pd.read_csv(tmp_path / "new.csv.out"), pd.read_csv(tmp_path / "new.parquet.out")
    assert len(from_parquet) == 50
    np.testing.assert_allclose(from_parquet["p_yes"], from_csv["p_yes"], atol=1e-6)


def test_booleans_with_gaps_stay_categories_when_rows_without_a_target_are_dropped(tmp_path):
    from nnfw.data.csv import read_csv

    frame = with_booleans(customers(60))
    frame.loc[5, "left"] = np.nan
    frame.to_csv(tmp_path / "t.csv", index=False)
    assert read_csv(str(tmp_path / "t.csv"), "left").plan.kinds["paperless"] == "categorical"


# ----------------------------------------------------------------------------- streaming


def test_the_split_of_a_row_depends_on_its_position_and_the_seed_alone():
    from nnfw.data.streaming import in_split, uniform

    positions = np.arange(100_000)
    draws = uniform(positions, seed=0)
    np.testing.assert_array_equal(np.concatenate([uniform(part, 0) for part in np.array_split(positions, 7)]), draws)
    assert not np.array_equal(uniform(positions, seed=1), draws)
    shares = {split: in_split(split, draws, 0.2, 0.1).mean() for split in ("train", "val", "test")}
    assert shares == pytest.approx({"train": 0.7, "val": 0.2, "test": 0.1}, abs=0.01)
    assert not (in_split("train", draws, 0.2, 0.1) & in_split("val", draws, 0.2, 0.1)).any()
    assert in_split("val", draws, 0.0, 0.1).sum() == in_split("train", draws, 0.0, 0.1).sum()  # val 0: the training rows


def test_a_streamed_table_is_preprocessed_as_its_training_rows_are_in_memory(tmp_path):
    from nnfw.data.csv import read_csv
    from nnfw.data.preprocess import fit

    path = tmp_path / "t.csv"
    customers(400).to_csv(path, index=False)
    data = streamed(path, chunk_rows=37, impute="median")
    whole = read_csv(str(path), "left")
    rows = training_rows(path, data)
    expected = fit(rows[list(whole.plan.kinds)], whole.plan, data.seed)
    assert data.sizes["train"] == len(rows) and sum(data.sizes.values()) == 400
    got, want = data.preprocessor.to_state()["columns"], expected.to_state()["columns"]
    assert [c["name"] for c in got] == [c["name"] for c in want]
    for streamed_column, memory_column in zip(got, want):
        for key, value in memory_column.items():  # categories and fills exact, means and spreads to rounding
            assert streamed_column[key] == (pytest.approx(value, rel=1e-9) if isinstance(value, float) else value)
    assert data.targets[0].class_names == ("no", "yes")
    assert data.spec.feature_names == expected.feature_names
    batches = list(data.train_dataloader())
    assert sum(len(x) for x, _ in batches) == len(rows) == sum(len(x) for x, _ in data.chunks("train"))
    assert len(data.train_dataloader()) == len(batches)


def test_a_streamed_regression_standardizes_its_target_with_every_training_row(tmp_path):
    path = tmp_path / "t.csv"
    frame = customers(300)
    frame.to_csv(path, index=False)
    data = streamed(path, target="tenure", chunk_rows=50)
    rows = training_rows(path, data).dropna(subset=["tenure"])
    assert data.spec.task == "regression"
    assert data.target_mean[0] == pytest.approx(rows["tenure"].mean(), rel=1e-6)  # kept as float32
    assert data.target_std[0] == pytest.approx(rows["tenure"].std(ddof=0), rel=1e-6)


def test_a_folder_of_parquet_files_streams_as_one_table(tmp_path):
    frame = with_booleans(customers(300))
    frame.to_csv(tmp_path / "t.csv", index=False)
    folder = tmp_path / "parts"
    folder.mkdir()
    for number, start in enumerate(range(0, 300, 75)):
        frame.iloc[start:start + 75].to_parquet(folder / f"part-{number}.parquet", index=False)
    from_folder, from_csv = streamed(folder, chunk_rows=25), streamed(tmp_path / "t.csv", chunk_rows=60)
    assert from_folder.sizes == from_csv.sizes
    assert from_folder.preprocessor.to_state()["columns"] == from_csv.preprocessor.to_state()["columns"]
    kinds = {column["name"]: column["kind"] for column in from_folder.preprocessor.to_state()["columns"]}
    assert kinds["paperless"] == "categorical"
    np.testing.assert_allclose(from_folder.tensors["train"][0].numpy(), from_csv.tensors["train"][0].numpy(),
                               rtol=1e-5)


def test_the_baselines_of_a_large_streamed_table_see_a_sample_and_say_so(tmp_path, monkeypatch):
    from nnfw.data import streaming
    from nnfw.views.baselines import sample_note

    path = tmp_path / "t.csv"
    customers(300).to_csv(path, index=False)
    assert streamed(path).baseline_rows == {}  # every row: nothing to say
    monkeypatch.setattr(streaming, "SAMPLE_ROWS", 40)
    data = streamed(path, chunk_rows=30)
    assert data.baseline_rows == {"train": 40, "val": 40, "test": 40}
    assert len(data.columns["train"]) == 40 and data.sizes["train"] > 100
    assert "a sample of 40 training rows" in sample_note(data.baseline_rows)


def test_streaming_switches_on_above_the_size_threshold_with_a_notice(tmp_path, monkeypatch, caplog):
    from nnfw.data import streaming

    path = tmp_path / "t.csv"
    customers(100).to_csv(path, index=False)
    assert not streaming.TableDataModule("nnfw.data.csv.read_csv", str(path)).streamed
    monkeypatch.setattr(streaming, "STREAM_BYTES", 1000)
    monkeypatch.setattr(logging.getLogger("nnfw"), "propagate", True)  # a run before this one keeps it to train.log
    with caplog.at_level(logging.WARNING, logger="nnfw.data"):
        assert streaming.TableDataModule("nnfw.data.csv.read_csv", str(path)).streamed
    assert "streamed from disk in chunks" in caplog.text
    assert not streaming.TableDataModule("nnfw.data.csv.read_csv", str(path), streaming=False).streamed


@pytest.mark.slow
def test_a_streamed_run_trains_evaluates_and_predicts_as_one_in_memory_does(tmp_path):
    path = tmp_path / "t.csv"
    customers(600).to_csv(path, index=False)
    runs = {}
    for mode in ("false", "true"):
        runs[mode] = tmp_path / f"run-{mode}"
        assert cli("train", "data=csv", f"data.path={path}", "data.target=left", f"data.streaming={mode}",
                   "data.chunk_rows=64", "trainer.max_epochs=15", f"hydra.run.dir={runs[mode]}", *FAST) == 0
    memory, stream = (json.loads((runs[m] / "summary.json").read_text()) for m in ("false", "true"))
    assert stream["metrics"]["test/acc"] > 0.8
    assert stream["metrics"]["test/acc"] == pytest.approx(memory["metrics"]["test/acc"], abs=0.06)
    assert set(stream["baselines"]) == set(memory["baselines"])
    assert stream["data"]["feature_names"] == memory["data"]["feature_names"]
    assert cli("eval", f"run={runs['true']}", f"output={tmp_path / 'eval.json'}") == 0
    evaluated = json.loads((tmp_path / "eval.json").read_text())["metrics"]
    assert evaluated["test/acc"] == pytest.approx(stream["metrics"]["test/acc"], abs=1e-6)
    customers(600).drop(columns="left").iloc[:20].to_parquet(tmp_path / "new.parquet", index=False)
    assert cli("predict", f"run={runs['true']}", f"input={tmp_path / 'new.parquet'}",
               f"output={tmp_path / 'p.csv'}") == 0
    assert len(pd.read_csv(tmp_path / "p.csv")) == 20


def test_an_option_the_streamed_table_does_not_take_is_named(tmp_path):
    from nnfw.errors import UserError

    path = tmp_path / "t.csv"
    customers(60).to_csv(path, index=False)
    with pytest.raises(UserError, match="data.colour is not an option"):
        streamed(path, colour="red")
