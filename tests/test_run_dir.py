"""`nnfw train` as a user runs it writes the run-directory contract."""

from __future__ import annotations

import json

import pytest
import torch
from conftest import REPO, run_cli
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
from tensorboard.backend.event_processing.event_file_loader import EventFileLoader


@pytest.mark.slow
def test_a_subprocess_run_writes_the_run_directory_contract(tmp_path):
    run_dir = tmp_path / "run"
    result = run_cli("train", "data=moons", "trainer.max_epochs=3", "trainer.enable_progress_bar=false",
                     f"hydra.run.dir={run_dir}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(run_dir)
    assert "config" in result.stdout and "optimizer" in result.stdout  # the config tree
    assert "val" in result.stdout and "acc" in result.stdout  # the results table

    assert (run_dir / ".hydra" / "config.yaml").is_file()
    assert (run_dir / ".hydra" / "overrides.yaml").is_file()
    assert (run_dir / "config_tree.txt").read_text().startswith("config")
    for name in ("best.ckpt", "last.ckpt"):
        assert (run_dir / "checkpoints" / name).is_file()

    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed"
    assert summary["task"] == "binary"
    assert summary["best_checkpoint"] == "checkpoints/best.ckpt"
    assert summary["epochs"] == 3
    assert summary["steps"] > 0 and summary["parameters"] > 0
    assert summary["samples_per_s"] > 0 and summary["wall_time_s"] > 0
    for name in ("train/loss", "train/acc", "val/loss", "val/acc", "val/auroc", "test/acc", "test/auroc"):
        assert 0 <= summary["metrics"][name] <= 1 or name.endswith("loss"), name

    events = EventAccumulator(str(run_dir / "tensorboard")).Reload()
    scalars = set(events.Tags()["scalars"])
    assert {"train/loss", "val/loss", "val/acc", "train/loss_step", "throughput/samples_per_s"} <= scalars
    assert any(tag.startswith("lr-") for tag in scalars)
    tags = {value.tag for path in (run_dir / "tensorboard").glob("events.out.tfevents.*")
            for event in EventFileLoader(str(path)).Load() for value in event.summary.value}
    assert "_hparams_/session_start_info" in tags  # the hparams tab, with the final metrics
    assert "_hparams_/experiment" not in tags  # TensorBoard builds it from all runs' sessions


@pytest.mark.slow
def test_checkpoint_rebuilds_model_and_data_and_reproduces_the_reported_test_accuracy(train):
    from nnfw.data.spec import DataSpec
    from nnfw.run.building import build
    from nnfw.run.train import build_model

    result = train("data=iris", "trainer.max_epochs=5")
    assert result.code == 0, result.err
    checkpoint = torch.load(result.run_dir / "checkpoints" / "best.ckpt", weights_only=True)
    stored = checkpoint["nnfw"]
    spec = stored["spec"]
    assert (spec["task"], spec["num_features"], spec["num_classes"]) == ("multiclass", 4, 3)

    datamodule = build("data", stored["config"]["data"])
    datamodule.setup("test")
    model = build_model(stored["config"]["model"], DataSpec(**spec))
    model.load_state_dict({k.removeprefix("model."): v for k, v in checkpoint["state_dict"].items()
                           if k.startswith("model.")})
    model.eval()
    features, targets = datamodule.tensors["test"]
    with torch.no_grad():
        accuracy = (model(features).argmax(-1) == targets).float().mean().item()
    assert accuracy == result.metrics["test/acc"]


DEFAULT_CALLBACKS = [line.split(":")[0] for line in (REPO / "conf" / "callbacks" / "default.yaml").read_text().splitlines()
                     if line and not line.startswith((" ", "#"))]


@pytest.mark.slow
@pytest.mark.parametrize("callback", DEFAULT_CALLBACKS)
def test_any_default_callback_can_be_dropped(train, callback):
    result = train("data=moons", "trainer.max_epochs=2", f"callbacks.{callback}=null")
    assert result.code == 0, result.err
    assert result.summary["status"] == "completed"
    assert (result.run_dir / "checkpoints" / "best.ckpt").exists() == (callback != "model_checkpoint")


#: a process that holds a run directory's lock as a run does (the kernel's flock, its process id in
#: the file) until its stdin closes: a run still going, without torch's start-up time
HOLDER = """
import fcntl, os, sys
descriptor = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(descriptor, fcntl.LOCK_EX)
os.write(descriptor, f"{os.getpid()}\\n".encode())
print("held", flush=True)
sys.stdin.read()
"""


def hold(run_dir):
    """A process holding `run_dir`'s lock, once it says so."""
    import subprocess
    import sys

    from nnfw.run.job import LOCK_FILE

    run_dir.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(run_dir / LOCK_FILE)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    return holder


def test_a_run_into_a_directory_another_run_holds_exits_2_and_touches_nothing(train, tmp_path):
    run_dir = tmp_path / "shared"
    holder = hold(run_dir)
    try:
        before = {p.name: p.read_bytes() for p in run_dir.iterdir()}
        result = train("data=xor", "trainer.max_steps=1", f"hydra.run.dir={run_dir}")
        assert result.code == 2, result.err
        assert f"nnfw: error: run directory {run_dir} is in use by another run (process {holder.pid})" in result.err
        assert "Traceback" not in result.err + result.out
        assert {p.name: p.read_bytes() for p in run_dir.iterdir()} == before  # the lock with the holder's id, alone
    finally:
        holder.communicate("")


def test_the_lock_of_a_run_that_was_killed_is_taken_over_with_a_notice(train, tmp_path):
    from nnfw.run.job import LOCK_FILE

    run_dir = tmp_path / "killed"
    holder = hold(run_dir)
    holder.kill()  # SIGKILL: no clean-up; the kernel releases the lock, the process id stays in the file
    holder.communicate()
    assert (run_dir / LOCK_FILE).read_text() == f"{holder.pid}\n"
    result = train("data=xor", "trainer.max_steps=1", f"hydra.run.dir={run_dir}")
    assert result.code == 0, result.err
    assert f"nnfw: taking over {run_dir / LOCK_FILE}: process {holder.pid}, which held it, has ended" in result.err
    assert result.summary["status"] == "completed"
    assert (run_dir / LOCK_FILE).read_text() == ""  # released by the run that ended


@pytest.mark.slow
def test_two_runs_started_at_once_into_one_directory_one_runs_and_the_other_is_refused(tmp_path):
    import subprocess
    import sys

    run_dir = tmp_path / "both"
    runs = {seed: subprocess.Popen([sys.executable, "-m", "nnfw", "train", "data=xor", "trainer.max_epochs=3",
                                    f"seed={seed}", "trainer.enable_progress_bar=false", f"hydra.run.dir={run_dir}"],
                                   cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for seed in (1, 2)}
    answers = {seed: (run.wait(timeout=600), run.communicate()[1]) for seed, run in runs.items()}
    assert sorted(code for code, _ in answers.values()) == [0, 2], answers
    winner = next(seed for seed, (code, _) in answers.items() if code == 0)
    refused = answers[3 - winner][1]
    assert "is in use by another run" in refused or "already holds a completed run" in refused, refused
    assert "Traceback" not in refused
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed" and f"seed={winner}" in summary["overrides"]
    recorded = (run_dir / ".hydra" / "overrides.yaml").read_text()  # Hydra's record is the winner's alone
    assert f"seed={winner}" in recorded and f"seed={3 - winner}" not in recorded


def test_a_run_that_finished_while_another_was_being_built_for_its_directory_is_not_overwritten(train, tmp_path,
                                                                                                monkeypatch):
    """The directory is checked again once its lock is taken: the run that held it until then may have completed."""
    from nnfw.run import job

    run_dir, built = tmp_path / "raced", job.prepare_run
    finished = json.dumps({"status": "completed"})

    def finished_meanwhile(cfg):
        prepared = built(cfg)
        run_dir.mkdir()
        (run_dir / "summary.json").write_text(finished)
        return prepared

    monkeypatch.setattr(job, "prepare_run", finished_meanwhile)
    result = train("data=xor", "trainer.max_steps=1", f"hydra.run.dir={run_dir}")
    assert result.code == 2, result.err
    assert f"run directory {run_dir} already holds a completed run" in result.err
    assert (run_dir / "summary.json").read_text() == finished and not (run_dir / ".hydra").exists()


def test_a_run_s_data_notices_are_not_written_to_the_train_log_of_the_run_before_it_in_the_process(train, tmp_path):
    """The data is read before the run's own train.log exists; a run before it in the same process
    (a test, a notebook, a script) left its log handler behind, whose directory may be gone."""
    import shutil

    table = tmp_path / "t.csv"
    table.write_text("x,y\n" + "".join(f"{i * 7 % 11},{'' if i % 5 == 0 else i % 2}\n" for i in range(40)))
    first = train("data=xor", "trainer.max_epochs=2")
    assert first.code == 0, first.err
    log_before = (first.run_dir / "train.log").read_text()
    second = train("data=csv", f"data.path={table}", "trainer.max_epochs=2")
    assert second.code == 0, second.err
    assert (first.run_dir / "train.log").read_text() == log_before  # "8 of 40 rows ... dropped" went elsewhere
    shutil.rmtree(first.run_dir)
    third = train("data=csv", f"data.path={table}", "trainer.max_epochs=2")
    assert third.code == 0, third.err
