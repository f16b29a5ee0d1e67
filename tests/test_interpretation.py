"""Interpreting a trained model (ROC and PR curves, per-class scores, residuals, top losses, permutation
importance), the learning-rate finder (`nnfw tune lr`, `optimizer.lr=auto`), and the report that
shows them, opened in headless Chromium."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import QUIET
from PIL import Image

from nnfw.views import figures, interpretation_figures, pictures

QUICK = ["logger=none", "callbacks.text_sample=null"]
#: the columns of the planted table: the target follows `signal` alone
PLANTED = ("noise_a", "noise_b", "signal", "noise_c", "noise_d")


def cli(*argv: str) -> int:
    from nnfw.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    return int(stop.value.code or 0)


def pixels(size: tuple[float, float]) -> tuple[int, int]:
    return round(size[0] * figures.DPI), round(size[1] * figures.DPI)


def write_table(path: Path, columns: dict[str, np.ndarray]) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(zip(*(values.tolist() for values in columns.values())))
    return path


def history_rates(run_dir: Path) -> set[float]:
    with (run_dir / "history.csv").open() as handle:
        return {float(row["lr"]) for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    """A binary table whose target is the sign of one column among four of noise, trained with
    the learning-rate finder's rate (optimizer.lr=auto)."""
    folder = tmp_path_factory.mktemp("planted")
    rng = np.random.default_rng(0)
    columns = {name: rng.normal(size=600).round(4) for name in PLANTED}
    columns["label"] = np.where(columns["signal"] + rng.normal(0, 0.3, 600) > 0, "yes", "no")
    path = write_table(folder / "planted.csv", columns)
    run_dir = folder / "run"
    assert cli("train", *QUIET, "data=csv", f"data.path={path}", "optimizer.lr=auto", "trainer.max_epochs=30",
               f"hydra.run.dir={run_dir}") == 0
    return run_dir


def summary_of(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text())


def evaluated_predictions(run_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """The evaluated checkpoint's probabilities on its test split, and the labels, computed apart from the run."""
    from nnfw.run.restore import restore

    restored = restore(run_dir / summary_of(run_dir)["evaluated_checkpoint"])
    restored.datamodule.setup("test")
    features, labels = restored.datamodule.tensors["test"]
    with torch.no_grad():
        scores = restored.task.predictions(restored.task(features))
    return scores.numpy(), labels.numpy()


# ----------------------------------------------------------------------------- binary: ROC and PR

@pytest.mark.slow
def test_roc_and_precision_recall_areas_match_scikit_learn_on_the_same_predictions(planted):
    from sklearn.metrics import average_precision_score, roc_auc_score

    scores, labels = evaluated_predictions(planted)
    metrics = summary_of(planted)["metrics"]
    assert 0.5 < metrics["test/auroc"] < 1  # a real curve, not a degenerate one
    assert metrics["test/auroc"] == pytest.approx(roc_auc_score(labels, scores), abs=1e-6)
    assert metrics["test/average_precision"] == pytest.approx(average_precision_score(labels, scores), abs=1e-6)
    assert Image.open(planted / "roc_pr.png").size == pixels(interpretation_figures.SIZES["roc_pr"])

    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(planted / "tensorboard"), size_guidance={"images": 0}).Reload()
    assert {"images/roc_pr", "images/feature_importance", "images/lr_finder"} <= set(events.Tags()["images"])


# ----------------------------------------------------------------------------- tables: permutation importance

@pytest.mark.slow
def test_permutation_importance_ranks_the_planted_column_first(planted):
    with (planted / "feature_importance.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0]["column"] == "signal"
    assert sorted(row["column"] for row in rows) == sorted(PLANTED)
    importance = {row["column"]: float(row["importance"]) for row in rows}
    assert importance["signal"] > 10 * max(abs(v) for column, v in importance.items() if column != "signal")
    assert Image.open(planted / "feature_importance.png").size == pixels(interpretation_figures.feature_importance_size(5))


def test_a_column_encoded_as_several_inputs_is_shuffled_as_one_and_counts_once():
    from nnfw.views.interpretation import column_groups, permutation_importance

    groups = column_groups(["age", "colour", "colour", "colour", "height"])  # colour: three one-hot inputs
    assert groups == {"age": [0], "colour": [1, 2, 3], "height": [4]}
    rng = np.random.default_rng(0)
    colour = np.eye(3)[rng.integers(0, 3, 200)]
    features = torch.as_tensor(np.column_stack([rng.normal(size=200), colour, rng.normal(size=200)]),
                               dtype=torch.float32)
    truth = features[:, 1:4] @ torch.tensor([0.0, 1.0, 3.0])  # the target follows the colour alone
    seen = []

    def losses(copies: torch.Tensor) -> torch.Tensor:  # (copies, rows, inputs) -> one loss each
        seen.append(copies[..., 1:4].sum(-1))  # each row keeps exactly one colour: shuffled together
        return ((copies[..., 1:4] @ torch.tensor([0.0, 1.0, 3.0]) - truth) ** 2).mean(-1)

    mean, spread = permutation_importance(losses, features, groups, repeats=4)
    assert mean[1] > 1 and mean[0] == mean[2] == 0 and spread.shape == (3,) and spread[1] > 0
    assert [len(copies) for copies in seen] == [1, 4, 4, 4]  # the rows as they are, then 4 shuffles of each column
    assert all(torch.equal(rows, torch.ones_like(rows)) for rows in seen)


# ----------------------------------------------------------------------------- the learning-rate finder

@pytest.mark.slow
def test_the_finder_suggests_a_rate_in_its_range_and_the_run_trains_with_it(planted):
    found = summary_of(planted)["lr_finder"]
    assert found["min_lr"] == 1e-6 and found["max_lr"] == 1.0
    assert 50 < found["steps"] <= 100  # 100, or fewer where the loss grew fourfold from its lowest
    assert found["min_lr"] <= found["suggested_lr"] <= found["max_lr"]
    record = json.loads((planted / "lr_finder.json").read_text())
    assert found["suggested_lr"] in record["lr"] and len(record["lr"]) == len(record["loss"]) == found["steps"]
    assert all(found["min_lr"] <= lr <= found["max_lr"] for lr in record["lr"])
    assert history_rates(planted) == {found["suggested_lr"]}  # every epoch's optimizer rate
    stored = torch.load(planted / "checkpoints" / "best.ckpt", weights_only=True)["nnfw"]["config"]
    assert stored["optimizer"]["lr"] == found["suggested_lr"]  # eval, predict and resuming read it
    assert (planted / "lr_finder.png").is_file()


@pytest.mark.slow
def test_a_run_with_the_rate_found_trains_exactly_as_the_run_that_searched_for_it(planted, tmp_path):
    rate = summary_of(planted)["lr_finder"]["suggested_lr"]
    data = [o for o in json.loads((planted / "summary.json").read_text())["overrides"] if o.startswith("data.")]
    run_dir = tmp_path / "explicit"
    assert cli("train", *QUIET, "data=csv", *data, f"optimizer.lr={rate!r}", "trainer.max_epochs=30",
               f"hydra.run.dir={run_dir}") == 0
    assert summary_of(run_dir)["metrics"] == summary_of(planted)["metrics"]


@pytest.mark.slow
def test_nnfw_tune_lr_prints_the_rate_and_how_to_train_with_it(tmp_path, capsys):
    run_dir = tmp_path / "tuned"
    assert cli("tune", "lr", "data=moons", "lr_finder.steps=60", "trainer.enable_progress_bar=false",
               f"hydra.run.dir={run_dir}") == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == str(run_dir)
    summary = summary_of(run_dir)
    rate = summary["lr_finder"]["suggested_lr"]
    assert 1e-6 <= rate <= 1 and summary["lr_finder"]["steps"] == 60
    assert f"optimizer.lr={rate:.3g}" in lines[-3]
    assert lines[-2] == f"train with it: nnfw train data=moons lr_finder.steps=60 trainer.enable_progress_bar=false " \
                        f"optimizer.lr={rate:.3g}"
    assert (run_dir / "lr_finder.png").is_file() and (run_dir / ".hydra" / "config.yaml").is_file()
    assert not (run_dir / "checkpoints").exists()  # nothing trained
    assert cli("report", str(run_dir)) == 0
    page = (run_dir / "report.html").read_text()
    assert "lr_finder.png" in page and f"optimizer.lr={rate:.4g}" in page and "diagnosis" not in page


def test_optimizer_lr_auto_passes_the_checks_and_any_other_word_is_refused():
    from nnfw.config.checks import check
    from nnfw.errors import UserError

    for optimizer in ("adam", "sgd", "adamw", "rmsprop", "adagrad"):
        cfg, _ = check([f"optimizer={optimizer}", "optimizer.lr=auto"])
        assert cfg.optimizer.lr == "auto"
    for value, problem in (("fast", "must be a number, or auto"), ("0", "must be > 0"), ("-1", "must be > 0")):
        with pytest.raises(UserError, match=rf"optimizer.lr {problem}.*got"):
            check([f"optimizer.lr={value}"])
    with pytest.raises(UserError, match="lr_finder.steps must be >= 2"):
        check(["lr_finder.steps=1"])


def test_a_task_that_steps_its_own_optimizer_refuses_auto_before_writing_anything(tmp_path, capsys):
    run_dir = tmp_path / "run"
    assert cli("train", *QUIET, *QUICK, "experiment=perceptron_xor", "optimizer.lr=auto",
               f"hydra.run.dir={run_dir}") == 2
    err = capsys.readouterr().err
    assert "optimizer.lr=auto" in err and "PerceptronRule" in err and "optimizer.lr=0.01" in err
    assert not run_dir.exists()
    assert cli("tune", "lr", "optimizer.lr=0.1") == 2
    assert "searches optimizer.lr itself" in capsys.readouterr().err


# ----------------------------------------------------------------------------- regression, classes, images

@pytest.mark.slow
def test_a_regression_draws_its_predictions_and_residuals_in_the_data_units(train, tmp_path, monkeypatch):
    from nnfw.views import interpretation

    drawn = {}
    original = interpretation_figures.predicted_vs_actual
    monkeypatch.setattr(interpretation.interpretation_figures, "predicted_vs_actual",
                        lambda actual, predicted: drawn.update(actual=actual, predicted=predicted)
                        or original(actual, predicted))
    rng = np.random.default_rng(0)
    columns = {f"x{i}": rng.normal(size=300) for i in range(3)}
    columns["price"] = 364_000 + 90_000 * columns["x0"] + rng.normal(0, 5_000, 300)
    result = train("data=csv", f"data.path={write_table(tmp_path / 'prices.csv', columns)}", "trainer.max_epochs=20",
                   *QUICK)
    assert result.code == 0, result.err
    assert Image.open(result.run_dir / "predicted_vs_actual.png").size == pixels(
        interpretation_figures.SIZES["predicted_vs_actual"])
    assert Image.open(result.run_dir / "residuals.png").size == pixels(interpretation_figures.SIZES["residuals"])
    actual, predicted = drawn["actual"].ravel(), drawn["predicted"].ravel()
    assert len(actual) == result.summary["data"]["splits"]["test"] and actual.mean() > 200_000  # dollars
    assert np.sqrt(np.mean((predicted - actual) ** 2)) == pytest.approx(result.metrics["test/rmse"], rel=1e-4)


@pytest.mark.slow
def test_a_multiclass_table_draws_its_per_class_scores_beside_a_test_confusion_matrix(train, monkeypatch):
    from nnfw.views import interpretation

    drawn = {}
    original = figures.confusion_matrix
    monkeypatch.setattr(interpretation.figures, "confusion_matrix",
                        lambda matrix, names, split: drawn.update(matrix=matrix, split=split)
                        or original(matrix, names, split))
    result = train("data=iris", "trainer.max_epochs=30", *QUICK)
    assert result.code == 0, result.err
    matrix = drawn["matrix"]
    assert drawn["split"] == "test" and matrix.sum() == result.summary["data"]["splits"]["test"]
    assert np.trace(matrix) / matrix.sum() == pytest.approx(result.metrics["test/acc"])
    assert Image.open(result.run_dir / "per_class.png").size == pixels(interpretation_figures.per_class_size(3))
    assert (result.run_dir / "feature_importance.csv").is_file()
    assert not (result.run_dir / "roc_pr.png").exists()


@pytest.mark.slow
def test_an_image_classifier_draws_its_top_losses_and_per_class_scores(train):
    result = train("data=digits", "model=cnn", "trainer.max_epochs=1", *QUICK)
    assert result.code == 0, result.err
    assert Image.open(result.run_dir / "top_losses.png").size == pictures.grid_size(32, 8, label=True, cell=64)
    assert Image.open(result.run_dir / "per_class.png").size == pixels(interpretation_figures.per_class_size(10))
    assert not (result.run_dir / "feature_importance.png").exists()  # pixels are no table's columns


# ----------------------------------------------------------------------------- the report, in a browser

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,4000")
#: appended to a copy of the page: once it has loaded, each image's decoded size and place on the page
PROBE = """<script>
window.addEventListener("load", () => {
  const shown = [...document.images].map(img => { const r = img.getBoundingClientRect();
    return {name: img.alt, width: img.naturalWidth, height: img.naturalHeight,
            box: [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height]}; });
  const out = document.createElement("pre"); out.id = "decoded"; out.textContent = JSON.stringify(shown);
  document.body.appendChild(out);
});
</script>"""


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Headless Chromium on `page`, with its own profile; .ci/run installs it."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    assert browser, "the report is checked in headless Chromium: apt-get install chromium (as .ci/run does)"
    ran = subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
                         capture_output=True, text=True, timeout=180, check=False)
    assert ran.returncode == 0, ran.stderr[-2000:]
    return ran


def decoded_images(page: Path, tmp_path: Path) -> dict[str, dict]:
    """Each image of `page` by name, as Chromium decoded and placed it."""
    probed = tmp_path / "probed.html"
    probed.write_text(page.read_text().replace("</body>", f"{PROBE}</body>"))
    dom = chromium(probed, tmp_path / "profile", "--dump-dom").stdout
    found = re.search(r'<pre id="decoded">(.*?)</pre>', dom, re.DOTALL)
    assert found, dom[-2000:]
    return {image["name"]: image for image in json.loads(html.unescape(found.group(1)))}


@pytest.mark.slow
def test_the_report_shows_every_picture_in_a_browser(planted, tmp_path):
    assert cli("report", str(planted)) == 0
    page = planted / "report.html"
    images = decoded_images(page, tmp_path)
    expected = {"learning_curves.png", "lr_finder.png", "roc_pr.png", "feature_importance.png"}
    assert expected <= set(images)
    for name in expected:  # decoded at the picture's own size
        assert (images[name]["width"], images[name]["height"]) == Image.open(planted / name).size, name

    shot = tmp_path / "report.png"
    chromium(page, tmp_path / "profile", f"--screenshot={shot}")
    screen = np.asarray(Image.open(shot).convert("L"), dtype=np.float32)
    assert screen.shape == (4000, 1280) and screen.std() > 20  # not a blank page
    for name in expected:  # each picture where the page placed it, as the file shows it
        left, top, width, height = (round(v) for v in images[name]["box"])
        assert top + height <= screen.shape[0], f"{name} is below the first 4000 pixels"
        region = screen[top + 1:top + height - 1, left + 1:left + width - 1]  # inside its 1-pixel border
        source = Image.open(planted / name).convert("L").resize(region.shape[::-1], Image.Resampling.BILINEAR)
        assert region.std() > 10, name
        assert np.abs(region - np.asarray(source, dtype=np.float32)).mean() < 12, name


@pytest.mark.slow
def test_the_reports_config_shows_no_declarations(planted):
    assert cli("report", str(planted)) == 0
    page = (planted / "report.html").read_text()
    config = page[page.index("<h2>config</h2>"):]
    stored = (planted / ".hydra" / "config.yaml").read_text()
    assert "_checks_" in stored and "_gives_" in stored  # the run's config holds them
    for key in ("_reads_", "_gives_", "_task_", "_checks_", "_partial_"):
        assert key not in config, key
    assert "_target_: torch.optim.Adam" in config and "lr: auto" in config
    assert "trained with <code>optimizer.lr=" in page
    tree = (planted / "config_tree.txt").read_text()
    assert "_checks_" not in tree and "_reads_" not in tree
