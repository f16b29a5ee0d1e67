"""After training: eval, predict, export, resume, init_from, `nnfw runs`, searches and TensorBoard."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from conftest import QUIET, REPO

QUICK = ["logger=none", "callbacks.text_sample=null"]


def cli(*argv: str) -> int:
    """`nnfw ARGV` in this process; its exit status."""
    from nnfw.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    return int(stop.value.code or 0)


@pytest.fixture(scope="module")
def iris(tmp_path_factory) -> Path:
    """A finished run on iris (standardized features, three classes) that the tests below read."""
    run_dir = tmp_path_factory.mktemp("iris") / "run"
    assert cli("train", *QUIET, "data=iris", "trainer.max_epochs=5", f"hydra.run.dir={run_dir}") == 0
    return run_dir


def summary(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text())


# ----------------------------------------------------------------------------- eval


@pytest.mark.slow
def test_eval_gives_the_test_and_val_metrics_the_training_run_reported(iris, tmp_path):
    assert cli("eval", f"run={iris}") == 0
    reported = summary(iris)["metrics"]
    evaluated = json.loads((iris / "eval.json").read_text())
    assert evaluated["split"] == "test" and evaluated["checkpoint"] == str(iris / "checkpoints" / "best.ckpt")
    assert evaluated["metrics"] == {k: v for k, v in reported.items() if k.startswith("test/")}

    output = tmp_path / "val.json"
    assert cli("eval", f"ckpt={iris / 'checkpoints' / 'best.ckpt'}", "split=val", f"output={output}") == 0
    assert json.loads(output.read_text())["metrics"] == {k: v for k, v in reported.items() if k.startswith("val/")}


# ----------------------------------------------------------------------------- predict


def test_predict_scales_new_rows_with_the_training_statistics_and_writes_class_probabilities(iris, tmp_path):
    from nnfw.run.restore import restore

    restored = restore(iris / "checkpoints" / "best.ckpt")
    restored.datamodule.setup("test")
    features = restored.datamodule.tensors["test"][0][:3]
    raw = features.numpy() * restored.datamodule.std + restored.datamodule.mean  # as a user has them
    names = list(restored.spec.feature_names)
    frame = pd.DataFrame(raw, columns=names)
    frame.insert(0, "id", ["a", "b", "c"])  # other columns are ignored
    source, output = tmp_path / "flowers.csv", tmp_path / "predictions.csv"
    frame[["id", *reversed(names)]].to_csv(source, index=False)

    assert cli("predict", f"run={iris}", f"input={source}", f"output={output}") == 0
    predicted = pd.read_csv(output)
    assert list(predicted.columns) == ["prediction", "p_setosa", "p_versicolor", "p_virginica"]
    assert len(predicted) == 3
    expected = restored.task.model(features).softmax(-1).detach().numpy()
    np.testing.assert_allclose(predicted.iloc[:, 1:].to_numpy(), expected, atol=1e-6)
    assert list(predicted["prediction"]) == [restored.spec.class_names[i] for i in expected.argmax(-1)]


@pytest.mark.slow
def test_predict_on_text_lines_and_on_a_regression(train, tmp_path):
    text = train("model=bag_of_embeddings", "data=text_classification", "trainer.max_epochs=2", *QUICK)
    assert text.code == 0, text.err
    lines = tmp_path / "reviews.txt"
    lines.write_text("great product, love it\nbroke after a day\n\nzzz qqq\n")
    output = tmp_path / "text.csv"
    assert cli("predict", f"run={text.run_dir}", f"input={lines}", f"output={output}") == 0
    predicted = pd.read_csv(output)
    assert list(predicted.columns) == ["prediction", "p_negative", "p_positive"] and len(predicted) == 4
    np.testing.assert_allclose(predicted[["p_negative", "p_positive"]].sum(axis=1), 1, atol=1e-6)

    values = train("data=regression", "model=linear", "trainer.max_epochs=2", *QUICK)
    assert values.code == 0, values.err
    source = tmp_path / "x.csv"
    source.write_text("x0,x1,x2\n0,0,0\n1,2,3\n")
    assert cli("predict", f"run={values.run_dir}", f"input={source}", f"output={output}") == 0
    predicted = pd.read_csv(output)
    assert list(predicted.columns) == ["prediction"] and len(predicted) == 2


@pytest.mark.slow
def test_predict_on_a_folder_of_images_names_each_file_and_matches_the_trained_model(train, tmp_path):
    from PIL import Image

    from nnfw.run.restore import restore

    result = train("data=shapes", "model=cnn", "trainer.max_epochs=3", *QUICK)
    assert result.code == 0, result.err
    restored = restore(result.run_dir / "checkpoints" / "best.ckpt")
    restored.datamodule.setup("test")
    # test images as files hold them: 8 bits in [0, 1]; the reader must scale them as training did
    pictures = (restored.datamodule.images("test")[:5].cpu().clamp(0, 1) * 255).round() / 255
    folder = tmp_path / "new"
    for index, picture in enumerate(pictures):
        (folder / ("sub" if index % 2 else "")).mkdir(parents=True, exist_ok=True)
        grey = (picture[0].numpy() * 255).round().astype(np.uint8)
        Image.fromarray(grey, mode="L").save(folder / ("sub" if index % 2 else "") / f"{index}.png")
    output = tmp_path / "predictions.csv"
    assert cli("predict", f"run={result.run_dir}", f"input={folder}", f"output={output}") == 0
    frame = pd.read_csv(output)
    assert len(frame) == 5
    assert list(frame.columns) == ["input", "prediction", *(f"p_{name}" for name in restored.spec.class_names)]
    assert {Path(name).name for name in frame["input"]} == {f"{index}.png" for index in range(5)}
    by_file = frame.set_index(frame["input"].map(lambda name: int(Path(name).stem))).sort_index()
    standardized = torch.as_tensor(restored.datamodule.transform(pictures.numpy()))
    with torch.no_grad():
        expected = restored.task.predictions(restored.task(standardized))
    np.testing.assert_allclose(by_file[f"p_{restored.spec.class_names[1]}"], expected.numpy(), atol=1e-5)


@pytest.mark.slow
def test_predict_refuses_wrong_columns_and_a_language_model_writing_nothing(iris, train, tmp_path, capsys):
    source, output = tmp_path / "wrong.csv", tmp_path / "out.csv"
    source.write_text("sepal length (cm),petal width (cm)\n5.1,0.2\n")
    assert cli("predict", f"run={iris}", f"input={source}", f"output={output}") == 2
    err = capsys.readouterr().err
    assert "lacks the feature column(s) sepal width (cm), petal length (cm)" in err
    assert "the model reads a CSV with a header and the columns" in err and "Traceback" not in err
    assert not output.exists()

    language = train("data=charseq", "data.text=hello world hello there", "data.seq_len=4", "data.val_fraction=0",
                     "model=lstm", "model.hidden_size=8", "model.embedding_size=4", "model.num_layers=1",
                     "trainer.max_epochs=1", *QUICK)
    assert language.code == 0, language.err
    assert cli("predict", f"run={language.run_dir}", f"input={source}", f"output={output}") == 2
    assert "nnfw predict does not read characters" in capsys.readouterr().err
    assert not output.exists()


# ----------------------------------------------------------------------------- export

TINY_LM = ["data=charseq", "data.text=hello world hello there world is beautiful", "data.seq_len=8",
           "data.val_fraction=0", "model=lstm", "model.hidden_size=16", "model.embedding_size=8"]
EXPORTED = {
    "mlp": ["data=moons", "model=mlp"],
    "lstm language model": TINY_LM,
    "lstm classifier": ["data=text_classification", "model=lstm_classifier", "data.max_len=12"],
    "cnn": ["data=digits", "model=cnn"],
}


def run_exported(path: Path, format: str, inputs: torch.Tensor) -> np.ndarray:
    """Outputs of an exported file, run by onnxruntime or torch.jit, without nnfw."""
    if format == "onnx":
        onnxruntime = pytest.importorskip("onnxruntime")
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return session.run(None, {"input": inputs.numpy()})[0]
    return torch.jit.load(str(path))(inputs).detach().numpy()


@pytest.mark.slow
@pytest.mark.parametrize("format", ["onnx", "torchscript"])
@pytest.mark.parametrize("model", list(EXPORTED))
def test_an_exported_model_reproduces_the_checkpoint_within_1e_5(train, tmp_path, model, format):
    if format == "onnx":
        pytest.importorskip("onnxscript")
    result = train(*EXPORTED[model], "trainer.max_epochs=1", *QUICK)
    assert result.code == 0, result.err
    output = tmp_path / f"model.{format}"
    assert cli("export", f"run={result.run_dir}", f"format={format}", f"output={output}") == 0

    from nnfw.run.restore import restore

    restored = restore(result.run_dir / "checkpoints" / "best.ckpt")
    restored.datamodule.setup("test")
    inputs = next(iter(restored.datamodule.test_dataloader()))[0]
    inputs = torch.cat([inputs] * 3)[:5]  # a batch size the export never saw
    with torch.no_grad():
        expected = restored.task.model(inputs).numpy()
    np.testing.assert_allclose(run_exported(output, format, inputs), expected, atol=1e-5, rtol=0)
    if model == "lstm language model":  # a language model also reads other lengths of text
        longer = torch.cat([inputs, inputs], dim=1)
        np.testing.assert_allclose(run_exported(output, format, longer),
                                   restored.task.model(longer).detach().numpy(), atol=1e-5, rtol=0)


def houses(folder: Path) -> Path:
    """House prices in the hundreds of thousands: float32 rounds such outputs in steps of about 0.03."""
    rng = np.random.default_rng(0)
    size, rooms = rng.uniform(40, 250, 200), rng.integers(1, 7, 200)
    price = 1400 * size + 9000 * rooms + 50000 + rng.normal(0, 5000, 200)
    path = folder / "houses.csv"
    pd.DataFrame({"size": size.round(1), "rooms": rooms, "price": price.round()}).to_csv(path, index=False)
    return path


LARGE_OUTPUTS = {
    "house prices": lambda folder: ["data=csv", f"data.path={houses(folder)}", "data.target=price", "model=linear",
                                    "optimizer=sgd", "optimizer.lr=0.1", "data.batch_size=full", "trainer.max_epochs=100"],
    "the README's forecaster": lambda folder: ["model=lstm_forecast", "data=timeseries", "trainer.max_epochs=2"],
}


@pytest.fixture(scope="module", params=list(LARGE_OUTPUTS))
def large_outputs(request, tmp_path_factory) -> tuple[Path, float]:
    """A run whose model's outputs are large numbers, and the largest of them on its test inputs."""
    from nnfw.run.restore import restore

    folder = tmp_path_factory.mktemp("large")
    assert cli("train", *QUIET, *LARGE_OUTPUTS[request.param](folder), *QUICK, f"hydra.run.dir={folder / 'run'}") == 0
    restored = restore(folder / "run" / "checkpoints" / "best.ckpt")
    restored.datamodule.setup("test")
    inputs = next(iter(restored.datamodule.test_dataloader()))[0]
    with torch.no_grad():  # what the exported file computes: predictions in the data's units
        largest = float(restored.task.exportable()(inputs).abs().max())
    return folder / "run", largest


@pytest.mark.slow
@pytest.mark.parametrize("format", ["onnx", "torchscript"])
def test_models_with_large_outputs_export_within_a_tolerance_relative_to_them(large_outputs, tmp_path, capsys, format):
    run_dir, largest = large_outputs
    assert largest > 100  # prices around 300,000; the stock price around 150
    output = tmp_path / f"model.{format}"
    assert cli("export", f"run={run_dir}", f"format={format}", f"output={output}") == 0
    checked = re.search(r"largest difference from the checkpoint's outputs: (\S+) \(allowed (\S+)\)",
                        capsys.readouterr().out)
    difference, allowed = float(checked.group(1)), float(checked.group(2))
    assert difference <= allowed
    assert allowed >= 256 * np.finfo(np.float32).eps * 100  # relative to outputs of 100 and more, not 1e-5
    assert output.is_file()


def test_an_export_that_does_not_match_exits_2_with_the_difference_and_writes_nothing(large_outputs, tmp_path,
                                                                                     capsys, monkeypatch):
    from nnfw.inference import export

    monkeypatch.setattr(export, "ROUNDING_STEPS", -1)  # no file can match: a mismatch, made on purpose
    output = tmp_path / "model.pt"
    assert cli("export", f"run={large_outputs[0]}", "format=torchscript", f"output={output}") == 2
    err = capsys.readouterr().err
    assert "the exported torchscript model differs from the checkpoint's by up to" in err
    assert "nothing was written" in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- resume and init_from


@pytest.mark.slow
def test_resume_auto_continues_a_killed_run_to_the_metrics_of_an_uninterrupted_one(train, tmp_path):
    run = ["data=moons", "trainer.max_epochs=4", "seed=2", *QUICK]
    uninterrupted = train(*run)
    assert uninterrupted.code == 0, uninterrupted.err

    killed = tmp_path / "killed"
    first = train(*run, "trainer.max_epochs=2", f"hydra.run.dir={killed}")
    assert first.code == 0, first.err
    (killed / "summary.json").unlink()  # as a run killed before it could write one leaves it
    resumed = train(*run, "resume=auto", f"hydra.run.dir={killed}")
    assert resumed.code == 0, resumed.err
    assert f"resume=auto: continuing from {killed / 'checkpoints' / 'last.ckpt'}" in resumed.out
    assert resumed.summary["epochs"] == uninterrupted.summary["epochs"]
    evaluated = {k: v for k, v in uninterrupted.metrics.items() if k.startswith(("val/", "test/"))}
    assert {k: resumed.metrics[k] for k in evaluated} == evaluated


@pytest.mark.slow
def test_resume_auto_starts_fresh_without_a_checkpoint_and_refuses_a_completed_run(train, tmp_path):
    fresh = train("data=xor", "trainer.max_epochs=1", "resume=auto", *QUICK)
    assert fresh.code == 0, fresh.err
    assert "resume=auto: no checkpoint in" in fresh.out and "starting a fresh run" in fresh.out
    before = {p: p.read_bytes() for p in fresh.run_dir.rglob("*") if p.is_file()}
    again = train("data=xor", "trainer.max_epochs=1", "resume=auto", f"hydra.run.dir={fresh.run_dir}", *QUICK)
    assert again.code == 2
    assert f"resume=auto: the run in {fresh.run_dir} has completed; there is nothing to resume" in again.err
    assert "Traceback" not in again.err
    assert {p: p.read_bytes() for p in fresh.run_dir.rglob("*") if p.is_file()} == before


def test_resume_auto_needs_the_run_directory(capsys):
    assert cli("train", "data=xor", "resume=auto") == 2
    assert "resume=auto needs the directory of the run to continue" in capsys.readouterr().err


@pytest.mark.slow
def test_init_from_starts_a_new_run_from_the_weights_and_refuses_another_model(iris, train):
    best = iris / "checkpoints" / "best.ckpt"
    warm = train("data=iris", "trainer.max_epochs=1", "optimizer=sgd", "optimizer.lr=1e-12", f"init_from={best}",
                 *QUICK)
    assert warm.code == 0, warm.err
    assert warm.summary["epochs"] == 1  # the epoch count starts again
    source = summary(iris)["metrics"]
    assert warm.metrics["test/acc"] == source["test/acc"]
    assert warm.metrics["test/loss"] == pytest.approx(source["test/loss"], abs=1e-6)

    other = train("data=iris", "model.hidden_sizes=[8,8]", "trainer.max_epochs=1", f"init_from={best}", *QUICK)
    assert other.code == 2
    assert f"init_from={best} does not fit this model (model.net.1.bias is (64,), not (8,))" in other.err


# ----------------------------------------------------------------------------- runs, sweeps, search


def fake_run(root: Path, name: str, overrides: list[str], **metrics: float) -> None:
    """A run directory as a finished (with metrics) or failed (without) run leaves it."""
    run = root / name
    run.mkdir(parents=True)
    outcome = {"status": "completed", "epochs": 3, "metrics": metrics} if metrics else {"status": "failed"}
    (run / "summary.json").write_text(json.dumps({"overrides": overrides, "objective": "val/loss",
                                                  "wall_time_s": 1.5, **outcome}))


@pytest.fixture
def runs_dir(tmp_path) -> Path:
    fake_run(tmp_path, "a", ["model=mlp", "optimizer.lr=0.1", "seed=1"], **{"val/loss": 0.3, "val/acc": 0.8})
    fake_run(tmp_path, "b", ["model=mlp", "optimizer.lr=0.01", "seed=1"], **{"val/loss": 0.2, "val/acc": 0.9})
    fake_run(tmp_path, "c", ["model=linear", "optimizer.lr=0.1", "seed=1"])
    return tmp_path


def test_runs_lists_the_overrides_that_differ_and_sorts_by_a_metric(runs_dir, capsys):
    assert cli("runs", str(runs_dir), "--sort", "val/acc", "--format", "csv") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["run,model,optimizer.lr,status,val/loss,val/acc,epochs,time s",
                     "b,mlp,0.01,completed,0.2,0.9,3,1.5",
                     "a,mlp,0.1,completed,0.3,0.8,3,1.5",
                     "c,linear,0.1,failed,,,,1.5"]
    assert cli("runs", str(runs_dir), "--format", "markdown") == 0
    markdown = capsys.readouterr().out.splitlines()
    assert markdown[0] == "| run | model | optimizer.lr | status | val/loss | epochs | time s |"
    assert markdown[1] == "| --- | --- | --- | --- | --- | --- | --- |" and len(markdown) == 5
    assert cli("runs", str(runs_dir)) == 0
    assert "linear" in capsys.readouterr().out


@pytest.mark.slow
def test_a_search_with_a_failing_trial_goes_on_and_reports_the_best(tmp_path, capsys):
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    sweep_dir = tmp_path / "search"
    code = cli("train", "-m", *QUIET, *QUICK, "hparams_search=regression", "optimizer=sgd", "data.n=64",
               "trainer.max_epochs=3", "optimizer.lr=choice(0.01,1e4)", "model.hidden_sizes=choice([8])",
               "regularization.weight_decay=choice(0.0)", f"hydra.sweep.dir={sweep_dir}")
    out = capsys.readouterr().out
    assert code == 0
    from nnfw.artifacts.runs import job_summaries

    jobs = dict(job_summaries(sweep_dir))
    assert sorted(s["status"] for s in jobs.values()) == ["completed", "failed"]
    failed = next(s for s in jobs.values() if s["status"] == "failed")
    assert failed["error_type"] == "TrainingDiverged" and failed["objective"] == "val/mse"
    best = next(name for name, s in jobs.items() if s["status"] == "completed")
    assert f"best: job {best} with val/mse = {jobs[best]['metrics']['val/mse']:.6g}" in out
    assert out.strip().splitlines()[-1] == str(sweep_dir)


@pytest.mark.slow
def test_tensorboard_shows_every_run_of_a_sweep_in_one_hparams_table(tmp_path):
    backend_context = pytest.importorskip("tensorboard.plugins.hparams.backend_context")
    from tensorboard import context
    from tensorboard.backend.event_processing import data_provider
    from tensorboard.backend.event_processing import plugin_event_multiplexer as multiplexer
    from tensorboard.plugins import base_plugin

    sweep_dir = tmp_path / "sweep"
    assert cli("train", "-m", *QUIET, "model=linear,mlp", "data=xor", "trainer.max_epochs=1",
               "callbacks.text_sample=null", f"hydra.sweep.dir={sweep_dir}") == 0
    events = multiplexer.EventMultiplexer()
    events.AddRunsFromDirectory(str(sweep_dir))
    events.Reload()
    provider = data_provider.MultiplexerDataProvider(events, str(sweep_dir))
    hparams = backend_context.Context(base_plugin.TBContext(logdir=str(sweep_dir), multiplexer=events,
                                                            data_provider=provider))
    request = context.RequestContext()
    sessions = hparams.hparams_metadata(request, "")
    experiment = hparams.experiment_from_metadata(request, "", True, sessions, [])
    assert sorted(sessions) == ["0/tensorboard", "1/tensorboard"]
    names = {info.name for info in experiment.hparam_infos}
    assert {"choice/model", "optimizer/lr", "model/hidden_sizes"} <= names  # hidden sizes: the MLP's only
    assert {"val/acc", "test/acc", "test/loss"} <= {info.name.tag for info in experiment.metric_infos}


def test_tensorboard_runs_on_the_folder_of_runs(tmp_path, monkeypatch):
    from nnfw.cli.tensorboard import command
    from nnfw.errors import UserError

    assert command([str(tmp_path), "--port", "6007"]) == [
        sys.executable, "-m", "tensorboard.main", "--logdir", str(tmp_path), "--port", "6007"]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "outputs").mkdir()
    assert command(["--port", "6007"])[3:5] == ["--logdir", "outputs"]
    with pytest.raises(UserError, match="no such directory"):
        command([str(tmp_path / "nope")])
    shutil.rmtree(tmp_path / "outputs")
    with pytest.raises(UserError, match="no such directory: outputs"):
        command([])


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def until(condition, what: str, timeout: float = 120) -> None:
    """Poll `condition` until it holds; fail, saying `what` did not happen, after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} within {timeout} s"
        time.sleep(0.1)


def as_from_a_terminal() -> None:
    """A child's signals as a shell gives them: Ctrl-C's neither ignored nor blocked, whatever the
    pytest-xdist worker that starts it has inherited or set."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_nnfw_tensorboard_stops_its_server(tmp_path, stop):
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    command = [sys.executable, "-m", "nnfw", "tensorboard", str(tmp_path), "--port", str(port), "--host", "127.0.0.1"]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=as_from_a_terminal)
    try:
        until(lambda: port_open(port) or process.poll() is not None, "TensorBoard did not serve")
        assert process.poll() is None, process.communicate()
        process.send_signal(stop)
        _, err = process.communicate(timeout=60)
        assert "Traceback" not in err
        until(lambda: not port_open(port), f"port {port} was still served after {stop.name}", timeout=30)
    finally:
        process.kill()
        process.wait()
