"""Seeing inside a run: pictures, diagnostics, baselines, the diagnosis and `nnfw report`."""

from __future__ import annotations

import base64
import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import QUIET
from PIL import Image

from nnfw.views.figures import DPI, SIZES, hidden_units_size, score_map

QUICK = ["logger=none", "callbacks.text_sample=null"]


def cli(*argv: str) -> int:
    from nnfw.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    return int(stop.value.code or 0)


def pixels(size: tuple[float, float]) -> tuple[int, int]:
    return round(size[0] * DPI), round(size[1] * DPI)


def history(run_dir: Path) -> list[dict[str, float]]:
    from nnfw.artifacts.history import read_history

    return read_history(run_dir)


def diagnosis(run_dir: Path) -> list[str]:
    from nnfw.views.diagnosis import diagnose

    return [f.kind for f in diagnose(history(run_dir), json.loads((run_dir / "summary.json").read_text()))]


@pytest.fixture(scope="module")
def spirals(tmp_path_factory) -> Path:
    """experiment=spirals, shortened: a healthy run whose pictures the tests below read."""
    run_dir = tmp_path_factory.mktemp("spirals") / "run"
    assert cli("train", *QUIET, "experiment=spirals", "trainer.max_epochs=60", f"hydra.run.dir={run_dir}") == 0
    return run_dir


@pytest.mark.slow
def test_spirals_draw_a_boundary_that_agrees_with_the_model_and_each_hidden_unit(spirals):
    from nnfw.run.restore import restore

    assert Image.open(spirals / "decision_boundary.png").size == pixels(SIZES["decision_boundary"])
    assert Image.open(spirals / "hidden_units.png").size == pixels(hidden_units_size(64))  # 128 units, 64 shown
    assert Image.open(spirals / "learning_curves.png").size == pixels(SIZES["learning_curves"])

    grid = np.load(spirals / "decision_boundary.npz")
    summary = json.loads((spirals / "summary.json").read_text())
    restored = restore(spirals / summary["evaluated_checkpoint"])
    points = np.stack([grid["xx"].ravel(), grid["yy"].ravel()], axis=1)
    with torch.no_grad():
        inputs = torch.as_tensor(restored.datamodule.transform(points), dtype=torch.float32)
        predicted = restored.task.predictions(restored.task(inputs)).numpy() >= 0.5
    drawn = grid["scores"].ravel() >= 0.5
    assert 0.2 < drawn.mean() < 0.8  # both classes appear on the plane
    np.testing.assert_array_equal(drawn, predicted)

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(spirals / "tensorboard"), size_guidance={"images": 0}).Reload()
    steps = [image.step for image in events.Images("images/decision_boundary")]
    assert len(steps) >= 4  # watched forming while fitting, and the final one
    assert steps == sorted(set(steps))  # each at the step it shows, though rendered after the fit


def test_a_boundary_frame_colours_the_plane_by_probability_and_marks_each_point_where_it_lies():
    xx, yy = np.meshgrid(np.linspace(0, 1, 50), np.linspace(0, 1, 50))
    scores = (xx > 0.5).astype(float)  # class 1 on the right half
    frame = score_map(xx, yy, scores, {"train": (np.array([[0.0, 1.0]]), np.array([1.0]))}, scale=2)
    assert frame.shape == (100, 100, 3) and frame.dtype == np.uint8
    right, left = frame[50, 90].astype(int), frame[50, 40].astype(int)
    assert right[0] > right[2] and left[2] > left[0]  # red where p(class 1) is high, blue where it is low
    assert tuple(frame[1, 1]) == (0x67, 0x00, 0x1F)  # the point (0, 1), top left, in class 1's colour
    assert tuple(frame[1, 3]) == (255, 255, 255)  # in a white ring


@pytest.mark.slow
def test_a_healthy_spirals_run_is_diagnosed_healthy(spirals):
    assert diagnosis(spirals) == ["healthy"]


@pytest.mark.slow
@pytest.mark.parametrize("args", [
    ["data=moons"], ["data=iris"], ["data=regression"], ["experiment=perceptron_xor"],
    ["experiment=charseq_hello"], ["data=timeseries", "model=lstm_forecast"], ["data=digits", "model=cnn"],
], ids=lambda args: args[0].split("=")[1])
def test_every_task_kind_draws_its_learning_curves(train, args):
    result = train(*args, "trainer.max_epochs=3", "trainer.check_val_every_n_epoch=1", "fuse_epochs=1", *QUICK)
    assert result.code == 0, result.err
    assert Image.open(result.run_dir / "learning_curves.png").size == pixels(SIZES["learning_curves"])
    rows = history(result.run_dir)
    assert [row["epoch"] for row in rows] == [1, 2, 3]
    assert all("val/loss" in row for row in rows)


@pytest.mark.slow
def test_a_regression_on_one_input_draws_its_fitted_curve(train):
    result = train("experiment=hours_score", "trainer.max_epochs=100", *QUICK)
    assert result.code == 0, result.err
    assert Image.open(result.run_dir / "fitted_curve.png").size == pixels(SIZES["fitted_curve"])
    assert not (result.run_dir / "decision_boundary.png").exists()


@pytest.mark.slow
def test_a_deep_sigmoid_network_shows_vanishing_gradients_in_its_layer_norms(train):
    result = train("data=moons", "model.hidden_sizes=[32,32,32,32,32,32,32,32,32,32]", "model.activation=sigmoid",
                   "trainer.max_epochs=2", *QUICK)
    assert result.code == 0, result.err
    row = next(row for row in history(result.run_dir) if "diag/grad_norm/net.1" in row)
    norms = [value for key, value in row.items() if key.startswith("diag/grad_norm/")]
    assert len(norms) == 11
    assert norms[0] * 100 < norms[-1]


def test_a_relu_network_initialised_to_die_reports_its_dead_units():
    from nnfw.models.mlp import MLP
    from nnfw.views.diagnostics import dead_relu_fractions

    model = MLP(2, 1, hidden_sizes=[32, 32])
    healthy = dead_relu_fractions(model, torch.randn(64, 2))
    for layer in model.modules():
        if isinstance(layer, torch.nn.Linear):
            torch.nn.init.constant_(layer.bias, -10.0)
    dead = dead_relu_fractions(model, torch.randn(64, 2))
    assert set(dead) == {"diag/dead_relu/net.2", "diag/dead_relu/net.4"}
    assert min(dead.values()) > 0.9
    assert max(healthy.values()) < 0.5


@pytest.mark.slow
def test_histograms_of_weights_and_activations_are_opt_in(train):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    tags = []
    for every in (0, 1):
        result = train("data=moons", "trainer.max_epochs=2", f"callbacks.diagnostics.histograms_every={every}")
        assert result.code == 0, result.err
        tags.append(EventAccumulator(str(result.run_dir / "tensorboard")).Reload().Tags()["histograms"])
    assert tags[0] == []
    assert {"weights/net.1", "activations/net.2"} <= set(tags[1])


@pytest.mark.slow
def test_a_recurrent_model_draws_its_gradients_through_time(train):
    result = train("experiment=charseq_hello", "trainer.max_epochs=2", *QUICK)
    assert result.code == 0, result.err
    assert (result.run_dir / "gradients_through_time.png").is_file()
    norms = np.loadtxt(result.run_dir / "gradients_through_time.csv")
    assert len(norms) > 1 and norms[-1] > 0


@pytest.mark.slow
def test_a_diverging_run_is_diagnosed_as_diverging(train):
    result = train("data=spirals", "optimizer.lr=10", "trainer.max_epochs=20", *QUICK)
    assert result.code == 0, result.err
    assert diagnosis(result.run_dir)[0] == "diverging"


@pytest.mark.slow
def test_an_overfitting_run_is_diagnosed_as_overfitting(train):
    result = train("data=classification", "data.val_fraction=0.45", "data.test_fraction=0.45",
                   "model.hidden_sizes=[256,256]", "trainer.max_epochs=150", *QUICK)
    assert result.code == 0, result.err
    assert "overfitting" in diagnosis(result.run_dir)


@pytest.mark.parametrize(("ours", "logistic", "kind"), [(0.571, 1.0, "underfitting"), (0.8, 0.8, "underfitting"),
                                                       (1.0, 1.0, "healthy"), (0.9, 0.8, "healthy")])
def test_a_network_below_the_linear_baseline_is_underfitting_even_where_that_baseline_is_perfect(ours, logistic, kind):
    from nnfw.views.diagnosis import diagnose

    history = [{"epoch": epoch, "train/loss": 0.7 / epoch, "val/loss": 0.7 / epoch} for epoch in range(1, 6)]
    summary = {"status": "completed", "metrics": {"val/acc": ours}, "baselines": {"logistic": {"val/acc": logistic}}}
    assert [finding.kind for finding in diagnose(history, summary)] == [kind]


def test_a_network_at_the_majority_class_is_underfitting_where_no_linear_model_does_better():
    """A folder of images read as one grey: chance for the network and logistic regression alike."""
    from nnfw.views.diagnosis import diagnose

    history = [{"epoch": epoch, "train/loss": 0.7 / epoch, "val/loss": 0.7 / epoch} for epoch in range(1, 6)]
    summary = {"status": "completed", "metrics": {"val/acc": 0.333},
               "baselines": {"majority": {"val/acc": 0.333}, "logistic": {"val/acc": 0.333}}}
    found = diagnose(history, summary)
    assert [finding.kind for finding in found] == ["underfitting"]
    assert "val/acc 0.333 is no better than the majority class's 0.333" in found[0].evidence


@pytest.mark.parametrize(("larger_model", "advised"), [(["model.hidden_sizes=[128,128]"], "a larger model (model.hidden_sizes=[128,128])"),
                                                       (["model.channels=[64,128]", "model.hidden_sizes=[256]"],
                                                        "a larger model (model.channels=[64,128] model.hidden_sizes=[256])"),
                                                       ([], "a larger model, more epochs")])
def test_the_underfitting_advice_names_the_keys_that_size_the_run_s_own_model(larger_model, advised):
    """A backbone has no hidden_sizes: the advice names only what the run's model config declares."""
    from nnfw.views.diagnosis import diagnose

    history = [{"epoch": epoch, "train/loss": 0.7 / epoch, "val/loss": 0.7 / epoch} for epoch in range(1, 6)]
    summary = {"status": "completed", "metrics": {"val/acc": 0.5}, "baselines": {"logistic": {"val/acc": 0.9}},
               "larger_model": larger_model}
    [finding] = diagnose(history, summary)
    assert advised in finding.advice
    assert ("hidden_sizes" in finding.advice) == any(o.startswith("model.hidden_sizes=") for o in larger_model)


@pytest.mark.parametrize(("experiment", "grown"), [("spirals", {"model.hidden_sizes"}),
                                                   ("digits_cnn", {"model.channels", "model.hidden_sizes"}),
                                                   ("charseq_lstm", {"model.hidden_size"}),
                                                   ("charseq_transformer", {"model.d_model"}),
                                                   ("vae_digits", {"model.hidden_sizes"}),
                                                   ("recommender_tutorial", {"model.embedding_size"}),
                                                   ("backbone_scratch", set())])
def test_the_larger_model_a_config_declares_passes_the_config_check(experiment, grown):
    """The advice runs as typed: each model's doubled sizes compose and keep its rules (a
    transformer's heads still divide its width)."""
    from omegaconf import OmegaConf

    from nnfw.config.checks import check
    from nnfw.config.declarations import larger

    cfg, _ = check([f"experiment={experiment}"])
    suggested = larger(cfg.model)
    keys = [override.split("=")[0].removeprefix("model.") for override in suggested]
    assert {f"model.{key}" for key in keys} == grown
    bigger, _ = check([f"experiment={experiment}", *suggested])
    before, after = (OmegaConf.to_container(c.model, resolve=True) for c in (cfg, bigger))
    doubled = {key: [2 * v for v in before[key]] if isinstance(before[key], list) else 2 * before[key] for key in keys}
    assert {key: after[key] for key in keys} == doubled


GAN_EPOCHS = {  # epoch: (modes covered, D(x), D(G(z)))
    "healthy": [(4, 0.7, 0.4), (7, 0.6, 0.45), (8, 0.55, 0.45)],
    "discriminator wins": [(4, 0.7, 0.4), (5, 0.9, 0.1), (5, 0.99, 0.01)],
    "mode collapse": [(4, 0.7, 0.4), (8, 0.6, 0.45), (2, 0.6, 0.4)],
}


@pytest.mark.parametrize("kind", list(GAN_EPOCHS))
def test_a_gan_is_judged_by_its_players_and_modes_not_by_its_losses(kind):
    from nnfw.views.diagnosis import diagnose

    history = [{"epoch": epoch, "train/loss": 1.2 + epoch, "val/loss": 1.0 + epoch, "train/g_loss": 0.8,
                "val/modes": modes, "train/d_real": real, "train/d_fake": fake}
               for epoch, (modes, real, fake) in enumerate(GAN_EPOCHS[kind])]  # losses that rise as GANs' may
    findings = diagnose(history, {"status": "completed", "metrics": {}})
    assert [finding.kind for finding in findings] == [kind]
    if kind == "healthy":
        assert "modes covered 8, D(x) 0.55, D(G(z)) 0.45" in findings[0].evidence
        assert "val loss" not in findings[0].evidence


def embedded_images(html: str) -> set[bytes]:
    return {base64.b64decode(data) for data in re.findall(r'src="data:image/[a-z+]+;base64,([^"]+)"', html)}


def assert_self_contained(html: str) -> None:
    assert not re.search(r"(src|href)=\"(?!data:)", html)
    assert "http://" not in html and "https://" not in html


@pytest.mark.slow
def test_report_of_a_run_inlines_every_picture_and_names_no_external_url(spirals, tmp_path, capsys):
    output = tmp_path / "report.html"
    assert cli("report", str(spirals), f"output={output}") == 0
    assert capsys.readouterr().out.strip() == str(output)
    html = output.read_text()
    assert_self_contained(html)
    pictures = list(spirals.glob("*.png"))
    assert {"learning_curves.png", "decision_boundary.png", "hidden_units.png"} <= {p.name for p in pictures}
    assert {p.read_bytes() for p in pictures} <= embedded_images(html)
    assert "healthy" in html and "logistic" in html


@pytest.mark.slow
def test_report_of_a_learning_rate_sweep_shows_every_job(tmp_path, capsys):
    sweep_dir = tmp_path / "sweep"
    assert cli("train", "-m", "trainer.enable_progress_bar=false", *QUICK, "data=moons", "data.n=200",
               "trainer.max_epochs=10", "optimizer.lr=0.0001,0.01,0.1,10", f"hydra.sweep.dir={sweep_dir}") == 0
    out = capsys.readouterr().out
    assert "config" not in out.splitlines()  # each job's config tree is in its directory, not on the terminal
    assert all((job / "config_tree.txt").is_file() for job in sweep_dir.iterdir() if job.name.isdigit())
    assert cli("report", str(sweep_dir)) == 0
    html = (sweep_dir / "report.html").read_text()
    assert_self_contained(html)
    embedded = embedded_images(html)
    jobs = sorted(p for p in sweep_dir.iterdir() if p.name.isdigit())
    assert len(jobs) == 4
    for job in jobs:
        assert {p.read_bytes() for p in job.glob("*.png")} <= embedded, job
    assert "against optimizer.lr" in html
    assert re.search(r"optimizer.lr: best 0.0?1 \([0-9.]+\); too small: 0.0001 ", html)
    table = html[html.index("<table>"):html.index("</table>")]
    assert "stalled" in table and "diverging" in table


def test_report_refuses_a_folder_without_runs(tmp_path, capsys):
    assert cli("report", str(tmp_path)) == 2
    assert "holds no run" in capsys.readouterr().err


# ----------------------------------------------------------------------------- baselines and real tables

def write_table(path: Path, X: np.ndarray, y: np.ndarray, names: list[str]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*names, "target"])
        writer.writerows([*row, target] for row, target in zip(X.tolist(), y.tolist()))
    return path


@pytest.mark.slow
def test_a_regression_on_large_targets_matches_ridge_and_predicts_in_the_data_units(train, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    prices = 364_000 + 90_000 * (X @ np.array([1.0, -0.5, 0.3, 0.0, 0.2])) + rng.normal(0, 5_000, 400)
    path = write_table(tmp_path / "prices.csv", X, prices, [f"x{i}" for i in range(5)])
    result = train("data=csv", f"data.path={path}", *QUICK)  # the default run, 100 epochs
    assert result.code == 0, result.err
    ridge = result.summary["baselines"]["ridge"]["test/rmse"]
    assert result.metrics["test/rmse"] <= 1.5 * ridge
    assert result.summary["baselines"]["mean"]["test/rmse"] > 5 * ridge

    output = tmp_path / "predicted.csv"
    assert cli("predict", f"run={result.run_dir}", f"input={path}", f"output={output}") == 0
    predicted = np.loadtxt(output, skiprows=1)
    assert abs(np.sqrt(np.mean((predicted - prices) ** 2)) - ridge) < ridge  # in dollars, not standardized

    exported = tmp_path / "model.pt"
    assert cli("export", f"run={result.run_dir}", "format=torchscript", f"output={exported}") == 0
    average_rows = torch.zeros(3, 5)  # standardized features: the training split's mean
    assert torch.jit.load(str(exported))(average_rows).mean().item() > 100_000  # in dollars


@pytest.mark.slow
def test_the_default_run_on_the_wine_table_is_as_good_as_logistic_regression(train, tmp_path):
    from sklearn.datasets import load_wine

    wine = load_wine()
    path = write_table(tmp_path / "wine.csv", wine.data, wine.target_names[wine.target], wine.feature_names)
    ours, theirs = [], []
    for seed in (0, 1, 2):
        result = train("data=csv", f"data.path={path}", f"seed={seed}", *QUICK)
        assert result.code == 0, result.err
        ours.append(result.metrics["test/acc"])
        theirs.append(result.summary["baselines"]["logistic"]["test/acc"])
    assert np.mean(ours) >= np.mean(theirs) - 0.01


def test_the_runs_table_of_a_wide_sweep_fits_80_columns(tmp_path, capsys):
    overrides = {f"model.option_{i}": [str(i), str(i + 1)] for i in range(12)}
    for job in range(2):
        summary = {"status": "completed", "objective": "val/loss", "metrics": {"val/loss": 0.5 - job / 10},
                   "overrides": [f"{key}={values[job]}" for key, values in overrides.items()],
                   "epochs": 3, "wall_time_s": 1.0}
        (tmp_path / str(job)).mkdir()
        (tmp_path / str(job) / "summary.json").write_text(json.dumps(summary))
    assert cli("runs", str(tmp_path)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert sum("completed" in line for line in lines) == 2  # words whole, not folded letter by letter
    assert cli("runs", str(tmp_path), "--wide", "--format", "csv") == 0
    assert capsys.readouterr().out.splitlines()[0].count("model.option_") == 12


@pytest.mark.slow
def test_a_transformer_draws_its_attention_heads_and_positions(train):
    result = train("data=charseq", "data.text='hello world hello there world is beautiful'", "data.seq_len=10",
                   "data.batch_size=4", "data.val_fraction=0.3", "model=transformer", "model.d_model=16", "model.num_heads=2",
                   "model.num_layers=1", "model.d_ff=32", "trainer.max_epochs=2", *QUICK)
    assert result.code == 0, result.err
    assert Image.open(result.run_dir / "attention.png").size == pixels(SIZES["attention"])


def test_attention_weights_are_causal_and_sum_to_one():
    from nnfw.models.transformer import CausalTransformer
    from nnfw.views.insight import last_layer_attention

    model = CausalTransformer(12, 12, context=8, d_model=16, num_heads=4, num_layers=2, d_ff=32).eval()
    with torch.no_grad():
        weights = last_layer_attention(model, torch.randint(0, 12, (1, 8)))
    assert weights.shape == (4, 8, 8)
    torch.testing.assert_close(weights.sum(-1), torch.ones(4, 8))
    assert torch.all(weights.triu(1) == 0)  # no position attends to a later one


def test_no_boundary_frames_while_fitting_with_drawings_0(train):
    """`callbacks.input_plane.drawings=0` is a valid choice (none while fitting), not a refused value."""
    result = train("experiment=xor", "trainer.max_epochs=100", "callbacks.input_plane.drawings=0")
    assert result.code == 0, result.err
    assert (result.run_dir / "decision_boundary.png").is_file()
