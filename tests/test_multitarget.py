"""Several targets at once: one network with a head per target, each with its own task, loss and metrics."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import QUIET, run_in_process

ROWS = 300
TARGETS = ["price", "kind", "species", "grade"]
#: four targets of three kinds: a value, two labels, three labels, and integers read as a value
TRAIN = ["data=csv", "data.target=[price,kind,species,grade]", "data.task={grade: regression}",
         "data.target_weights={price: 2}", "trainer.max_epochs=100", "trainer.check_val_every_n_epoch=20"]


def write_table(path: Path) -> pd.DataFrame:
    """Three features and four targets made from them, one row without a price."""
    rng = np.random.default_rng(0)
    a, b, c = rng.normal(size=(3, ROWS))
    frame = pd.DataFrame({
        "a": a, "b": b, "c": c,
        "price": 100 + 30 * a - 20 * b + rng.normal(size=ROWS),
        "kind": np.where(a + c > 0, "yes", "no"),
        "species": np.array(["setosa", "versicolor", "virginica"])[np.digitize(b, [-0.5, 0.5])],
        "grade": np.clip(np.round(2 + c), 0, 4).astype(int),
    })
    frame.loc[3, "price"] = np.nan
    frame.to_csv(path, index=False)
    return frame


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> tuple[Path, pd.DataFrame]:
    path = tmp_path_factory.mktemp("table") / "table.csv"
    return path, write_table(path)


@pytest.fixture(scope="module")
def trained(table, tmp_path_factory):
    """One run on the table, shared by the tests that read what it left."""
    import contextlib
    import io

    from nnfw.cli.main import main

    run_dir = tmp_path_factory.mktemp("multitarget") / "run"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as stop:
        main(["train", *QUIET, *TRAIN, f"data.path={table[0]}", f"hydra.run.dir={run_dir}"])
    assert stop.value.code == 0
    return run_dir, json.loads((run_dir / "summary.json").read_text()), out.getvalue()


def test_mixed_targets_train_one_network_and_each_reaches_a_sensible_metric(trained):
    _, summary, _ = trained
    metrics = summary["metrics"]
    assert summary["task"] == "multitarget"
    assert [(t["name"], t["kind"]) for t in summary["data"]["targets"]] == [
        ("price", "regression"), ("kind", "binary"), ("species", "multiclass"), ("grade", "regression")]
    assert summary["data"]["targets"][2]["class_names"] == ["setosa", "versicolor", "virginica"]
    assert sum(summary["data"]["splits"].values()) == ROWS - 1  # the row without a price is dropped
    baselines = summary["baselines"]  # each target's own, named as its metrics
    assert metrics["test/price/rmse"] < 0.15 * baselines["mean"]["test/price/rmse"]  # price spreads by 36
    assert metrics["test/grade/rmse"] < 0.5 * baselines["mean"]["test/grade/rmse"]
    assert metrics["test/kind/acc"] > 0.9 and baselines["majority"]["test/kind/acc"] < 0.6
    assert metrics["test/species/acc"] > 0.9 and baselines["majority"]["test/species/acc"] < 0.6
    assert {"test/price/rmse", "test/grade/rmse"} <= set(baselines["ridge"])
    assert {"test/kind/acc", "test/species/acc"} <= set(baselines["logistic"])


def test_metrics_are_named_stage_target_metric_and_the_loss_is_their_weighted_sum(trained):
    run_dir, summary, out = trained
    metrics = summary["metrics"]
    for stage in ("train", "val", "test"):
        assert {f"{stage}/price/rmse", f"{stage}/kind/auroc", f"{stage}/species/f1", f"{stage}/grade/mae"} <= set(metrics)
        weighted = 2 * metrics[f"{stage}/price/loss"] + sum(metrics[f"{stage}/{t}/loss"] for t in TARGETS[1:])
        if stage != "train":  # training's losses come from weights that changed during the epoch
            assert metrics[f"{stage}/loss"] == pytest.approx(weighted, rel=1e-5)
    assert not any(name.endswith("/acc") and name.count("/") == 1 for name in metrics)

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    tags = EventAccumulator(str(run_dir / "tensorboard")).Reload().Tags()["scalars"]
    assert {"val/loss", "val/price/rmse", "val/species/acc", "train/kind/loss"} <= set(tags)
    rows = [line for line in out.splitlines() if line.startswith("│ test")]
    assert [row.split("│")[2].strip() for row in rows] == ["", *TARGETS]  # the summed loss, then each target


def test_predict_writes_each_targets_columns_in_its_units_matching_the_runs_test_metrics(trained, table, tmp_path):
    from nnfw.cli.main import main
    from nnfw.data.splits import split_rows

    run_dir, summary, _ = trained
    frame = table[1]
    kept = frame[frame["price"].notna()].reset_index(drop=True)
    test = kept.iloc[split_rows(len(kept), None, 0.2, 0.2, seed=0)["test"]]
    source, output = tmp_path / "new.csv", tmp_path / "predicted.csv"
    test[["c", "b", "a"]].to_csv(source, index=False)  # features only, in any order
    with pytest.raises(SystemExit) as stop:
        main(["predict", f"run={run_dir}", f"input={source}", f"output={output}"])
    assert stop.value.code == 0
    predicted = pd.read_csv(output)
    assert list(predicted.columns) == ["price", "kind", "p_kind_no", "p_kind_yes", "species", "p_species_setosa",
                                       "p_species_versicolor", "p_species_virginica", "grade"]
    metrics = summary["metrics"]
    for name in ("price", "grade"):  # values in the table's own units
        rmse = np.sqrt(np.mean((predicted[name].to_numpy() - test[name].to_numpy()) ** 2))
        assert rmse == pytest.approx(metrics[f"test/{name}/rmse"], rel=1e-4)
    for name in ("kind", "species"):
        assert np.mean(predicted[name].to_numpy() == test[name].to_numpy()) == pytest.approx(metrics[f"test/{name}/acc"])
    np.testing.assert_allclose(predicted[["p_species_setosa", "p_species_versicolor", "p_species_virginica"]].sum(1),
                               1, atol=1e-6)


def test_a_checkpoint_reloads_to_identical_predictions_and_eval_reports_each_targets_metrics(trained, tmp_path):
    import torch

    from nnfw.cli.main import main
    from nnfw.run.restore import restore

    run_dir, summary, _ = trained
    checkpoint = run_dir / "checkpoints" / "best.ckpt"
    first, second = restore(checkpoint), restore(checkpoint)
    first.datamodule.setup("test")
    features = first.datamodule.tensors["test"][0]
    with torch.no_grad():
        assert torch.equal(first.task.predictions(first.task(features)), second.task.predictions(second.task(features)))
    output = tmp_path / "eval.json"
    with pytest.raises(SystemExit) as stop:
        main(["eval", f"ckpt={checkpoint}", f"output={output}"])
    assert stop.value.code == 0
    evaluated = json.loads(output.read_text())["metrics"]
    tested = {k: v for k, v in summary["metrics"].items() if k.startswith("test/")}
    assert "test/species/f1" in evaluated
    assert evaluated == pytest.approx(tested, abs=1e-6)


@pytest.mark.slow
def test_fused_steps_train_several_targets_exactly_as_one_step_at_a_time(train, table):
    runs = [train("data=csv", f"data.path={table[0]}", "data.target=[price,kind,species]", "trainer.max_epochs=3",
                  "logger=none", f"fuse_steps={fuse}") for fuse in (1, 50)]
    assert all(run.code == 0 for run in runs), runs[0].err + runs[1].err
    assert runs[1].metrics == pytest.approx(runs[0].metrics, abs=1e-6)
    assert runs[1].summary["steps"] == runs[0].summary["steps"]


MISTAKES = {
    "unknown target": (["data.target=[price,spieces]"], ["target column 'spieces' is not in", "did you mean 'species'?"]),
    "several, one misspelt": (["data.target=[prise,kind]"], ["target column 'prise' is not in", "did you mean 'price'?"]),
}


@pytest.fixture(scope="module")
def mistaken(fresh_answers, table, tmp_path_factory):
    folder = tmp_path_factory.mktemp("mistakes")
    argvs = [["train", "data=csv", f"data.path={table[0]}", *extra, f"hydra.run.dir={folder / str(i)}"]
             for i, (extra, _) in enumerate(MISTAKES.values())]
    return folder, dict(zip(MISTAKES, fresh_answers(argvs)))


@pytest.mark.parametrize("case", MISTAKES)
def test_an_unknown_target_column_exits_2_naming_it_and_close_names_before_torch_loads(mistaken, case):
    folder, answers = mistaken
    answer = answers[case]
    assert answer.code == 2, answer.err
    for words in MISTAKES[case][1]:
        assert words in answer.err
    assert "Traceback" not in answer.err
    assert "torch" not in answer.imported
    assert not any(folder.iterdir())


@pytest.mark.parametrize(("extra", "words"), [
    (["data.task={specis: multiclass}"], "data.task names 'specis', which is not a target"),
    (["data.task={kind: regresion}"], "data.task.kind=regresion is not a kind of target"),
    (["data.target_weights={prise: 2}"], "data.target_weights names 'prise', which is not a target"),
    (["data.task={species: regression}"], "target column 'species' of"),
    (["data.target=[price,price]"], "data.target names the column 'price' twice"),
])
def test_a_bad_per_target_option_exits_2_naming_it(table, tmp_path, capsys, extra, words):
    argv = ["train", *QUIET, "data=csv", f"data.path={table[0]}", "data.target=[price,kind,species]", *extra,
            f"hydra.run.dir={tmp_path / 'run'}"]
    code, err = run_in_process(argv, capsys)
    assert code == 2, err
    assert words in err
    assert "Traceback" not in err


def test_generated_molecules_are_seeded_and_their_properties_have_their_kinds():
    from nnfw.data.molecules import molecules

    first, again, other = molecules(n=500, seed=0), molecules(n=500, seed=0), molecules(n=500, seed=1)
    assert np.array_equal(first.X, again.X) and np.array_equal(first.y, again.y)
    assert not np.array_equal(first.X, other.X)
    assert first.task == "multitarget"
    kinds = {target.name: target.kind for target in first.targets}
    assert kinds == {"drug_likeness": "regression", "bioavailability": "regression", "toxic": "binary",
                     "synthesizability": "regression", "solubility": "multiclass"}
    values = first.y[:, [i for i, t in enumerate(first.targets) if t.kind == "regression"]]
    assert values.min() >= 0 and values.max() <= 1
    assert 0.1 < first.y[:, 2].mean() < 0.5  # toxic: toxicity > 0.5, a minority


@pytest.mark.slow
def test_the_molecules_experiment_beats_every_propertys_baselines_by_far(train):
    result = train("experiment=molecules")
    assert result.code == 0, result.err
    metrics, baselines = result.metrics, result.summary["baselines"]
    for name in ("drug_likeness", "bioavailability", "synthesizability"):
        assert metrics[f"test/{name}/rmse"] < 0.7 * baselines["ridge"][f"test/{name}/rmse"]
    for name in ("toxic", "solubility"):
        assert metrics[f"test/{name}/acc"] > baselines["logistic"][f"test/{name}/acc"] + 0.05


def test_a_row_dropped_for_its_missing_target_no_longer_makes_its_columns_text(tmp_path):
    from nnfw.data.csv import read_csv

    path = tmp_path / "gaps.csv"
    path.write_text("a,b,y\n1,2,3.5\nunknown,5,\n4,5,6.5\n7,8,9.5\n")
    table = read_csv(str(path), target="y")
    assert table.task == "regression"
    np.testing.assert_array_equal(table.X, [[1, 2], [4, 5], [7, 8]])
    np.testing.assert_array_equal(table.y, [3.5, 6.5, 9.5])
