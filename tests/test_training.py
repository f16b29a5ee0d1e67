"""Training behaviour: CSV files end to end, reproducibility, sweeps, regularization and schedules."""

from __future__ import annotations

import json

import numpy as np
import pytest


def write_csv(path, kind: str, rows: int = 120) -> None:
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=rows), rng.normal(size=rows)
    if kind == "binary":
        target = np.where(a + b > 0, "yes", "no")
    elif kind == "multiclass":
        target = np.digitize(a, [-0.5, 0.5])  # 0, 1, 2
    else:
        target = 3 * a - 2 * b + 0.01 * rng.normal(size=rows)
    lines = ["a,b,label"] + [f"{x:.5f},{y:.5f},{t}" for x, y, t in zip(a, b, target)]
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.slow
@pytest.mark.parametrize(("kind", "metric", "bound"), [
    ("binary", "test/acc", 0.85), ("multiclass", "test/acc", 0.75), ("regression", "test/rmse", 0.5)])
def test_a_csv_file_trains_end_to_end_with_its_task_inferred(train, tmp_path, kind, metric, bound):
    path = tmp_path / f"{kind}.csv"
    write_csv(path, kind, rows=400)  # tables train under weight decay 7 / rows, which 72 training rows feel
    result = train("data=csv", f"data.path={path}", "data.target=label", "trainer.max_epochs=40")
    assert result.code == 0, result.err
    assert result.summary["task"] == kind
    value = result.metrics[metric]
    assert value >= bound if metric.endswith("acc") else value <= bound


def test_csv_standardization_is_fitted_on_the_training_split_only(tmp_path):
    from nnfw.data.arrays import ArrayDataModule

    path = tmp_path / "data.csv"
    write_csv(path, "regression")
    module = ArrayDataModule("nnfw.data.csv.read_csv", path=str(path), target="label")
    module.setup()
    train_features = module.tensors["train"][0].numpy()
    assert np.allclose(train_features.mean(0), 0, atol=1e-5)
    assert np.allclose(train_features.std(0), 1, atol=1e-3)
    assert not np.allclose(module.tensors["test"][0].numpy().mean(0), 0, atol=1e-5)


@pytest.mark.slow
def test_the_same_seed_twice_gives_identical_metrics(train):
    args = ("data=moons", "trainer.max_epochs=4", "regularization=standard", "seed=7")
    first, second = train(*args), train(*args)
    assert first.code == second.code == 0
    assert first.metrics == second.metrics
    other = train(*args[:-1], "seed=8")
    assert other.metrics != first.metrics


@pytest.mark.slow
def test_full_batch_runs_one_step_per_epoch(train):
    result = train("data=moons", "data.batch_size=full", "trainer.max_epochs=7")
    assert result.code == 0, result.err
    assert result.summary["steps"] == 7


@pytest.mark.slow
def test_a_multirun_sweep_writes_one_run_directory_per_job(tmp_path, capsys):
    from nnfw.cli.main import main

    sweep_dir = tmp_path / "sweep"
    with pytest.raises(SystemExit) as stop:
        main(["train", "-m", "optimizer.lr=0.01,0.1", "model=linear,mlp", "data=xor", "debug=fast",
              "trainer.enable_progress_bar=false", f"hydra.sweep.dir={sweep_dir}"])
    assert stop.value.code == 0
    summaries = sorted(sweep_dir.glob("*/summary.json"))
    assert len(summaries) == 4
    assert all(json.loads(p.read_text())["status"] == "completed" for p in summaries)
    out = capsys.readouterr().out
    table = out[out.index("sweep: 4 jobs"):]
    assert "optimizer.lr" in table and "model" in table  # the overrides that differ, as columns
    assert sum("completed" in line for line in table.splitlines()) == 4


def logged(run_dir, column: str) -> list[float]:
    """One column of the CSV logger's metrics.csv, without its empty rows."""
    import pandas as pd

    frame = pd.read_csv(run_dir / "csv" / "metrics.csv")
    return frame[column].dropna().tolist()


@pytest.mark.slow
@pytest.mark.parametrize(("scheduler", "extra"), [
    ("step", "scheduler.scheduler.step_size=1"),
    ("exponential", "scheduler.scheduler.gamma=0.5"),
    ("cosine", "seed=0"),
    ("plateau", "scheduler.scheduler.mode=max"),  # a falling loss never "improves" in max mode
    ("onecycle", "seed=0"),
])
def test_every_scheduler_moves_the_learning_rate(train, scheduler, extra):
    result = train("data=moons", f"scheduler={scheduler}", extra, "scheduler.scheduler.patience=0"
                   if scheduler == "plateau" else "seed=0", "trainer.max_epochs=4", "logger=csv")
    assert result.code == 0, result.err
    rates = logged(result.run_dir, "lr-Adam")
    assert len(rates) == 4
    assert len(set(rates)) > 1, rates


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamw", "rmsprop", "adagrad"])
def test_every_optimizer_lowers_the_training_loss(train, optimizer):
    result = train("data=moons", f"optimizer={optimizer}", "optimizer.lr=0.05", "trainer.max_epochs=5",
                   "logger=csv")
    assert result.code == 0, result.err
    losses = logged(result.run_dir, "train/loss")
    assert losses[-1] < losses[0], losses


@pytest.mark.slow
@pytest.mark.parametrize("overrides", [
    ["regularization=standard"],
    ["regularization.dropout=0.3", "regularization.batchnorm=true"],
    ["regularization.l1=0.001", "regularization.gradient_clip.value=1.0",
     "regularization.gradient_clip.algorithm=value"],
    ["model.activation=tanh", "model.init=xavier"],
    ["model.activation=leaky_relu", "model.init=he"],
    ["model.activation=elu", "model.init=normal", "model.init_std=0.1"],
    ["model.activation=gelu", "model.init=zeros"],
    ["logger=csv"],
    ["logger=none"],
    ["trainer=cpu"],
])
def test_regularization_init_and_logger_options_train(train, overrides):
    result = train("data=moons", "trainer.max_epochs=2", *overrides)
    assert result.code == 0, result.err
    assert result.summary["status"] == "completed"


@pytest.mark.slow
def test_early_stopping_stops_before_max_epochs(train):
    result = train("data=xor", "model=linear", "regularization=early_stopping",
                   "regularization.early_stopping.patience=2", "trainer.max_epochs=500",
                   "trainer.check_val_every_n_epoch=1")
    assert result.code == 0, result.err
    assert result.summary["epochs"] < 500


@pytest.mark.slow
def test_a_failing_job_does_not_stop_the_sweep_and_the_sweep_reports_it(tmp_path, capsys):
    from nnfw.cli.main import main

    sweep_dir = tmp_path / "sweep"
    with pytest.raises(SystemExit) as stop:
        main(["train", "-m", "model=perceptron,mlp", "data=iris", "debug=fast",
              "trainer.enable_progress_bar=false", f"hydra.sweep.dir={sweep_dir}"])
    out, err = capsys.readouterr()
    assert stop.value.code == 2
    statuses = sorted(json.loads(p.read_text())["status"] for p in sweep_dir.glob("*/summary.json"))
    assert statuses == ["completed", "failed"]
    assert "model=perceptron trains binary data" in err
    assert out.strip().splitlines()[-1] == str(sweep_dir)


@pytest.mark.slow
def test_a_joblib_sweep_runs_its_jobs_in_worker_processes_and_reports_them(tmp_path):
    from conftest import run_cli

    sweep_dir = tmp_path / "sweep"
    result = run_cli("train", "-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "data=xor,and",
                     "debug=fast", "trainer.enable_progress_bar=false", f"hydra.sweep.dir={sweep_dir}")
    assert result.returncode == 0, result.stderr
    summaries = [json.loads((sweep_dir / str(job) / "summary.json").read_text()) for job in (0, 1)]
    assert [s["status"] for s in summaries] == ["completed", "completed"]
    table = [line for line in result.stdout.splitlines() if "completed" in line]  # the sweep table
    assert len(table) == 2 and "xor" in table[0] and "and" in table[1]
    assert result.stdout.strip().splitlines()[-1] == str(sweep_dir)


def test_the_progress_bar_shows_the_whole_runs_remaining_time_at_the_pace_so_far():
    import time
    from types import SimpleNamespace

    from nnfw.run.callbacks import EpochProgressBar, duration

    bar = EpochProgressBar()
    bar.run_started, bar.steps_done, bar.first_epoch = time.perf_counter() - 10.0, 10, 1  # resumed at epoch 1
    trainer = SimpleNamespace(max_epochs=5, num_training_batches=10, callbacks=[])
    assert bar.run_left(trainer) == pytest.approx(30.0, abs=0.5)  # 30 of 40 steps left at 1 s each
    assert [duration(s) for s in (12.4, 245, 3723)] == ["12 s", "4:05", "1:02:03"]


def test_the_headline_language_model_trains_twenty_batches_an_epoch_unless_told_otherwise():
    from nnfw.config.overrides import compose

    headline = compose(["model=lstm", "data=charseq"], "train")
    recipe = compose(["experiment=charseq_lstm"], "train")
    assert headline.data.windows_per_epoch // headline.data.batch_size == 20
    assert headline.trainer.max_epochs == 100  # 2000 steps
    assert recipe.data.windows_per_epoch // recipe.data.batch_size == 240  # validated every 240 batches of the budget
    assert recipe.trainer.precision == "auto"  # bf16 where the device computes it natively
