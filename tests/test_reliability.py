"""Hours of training are never lost and untrusted files never run code."""

from __future__ import annotations

import errno
import json
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from conftest import QUIET, REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnfw.errors import UserError

#: A run long enough to be stopped halfway: 30 epochs of 75 batches.
LONG_RUN = ["data=classification", "data.n=4000", "model.hidden_sizes=[32]", "trainer.max_epochs=30",
            "trainer.check_val_every_n_epoch=1", "seed=3"]


def start(args: list[str], run_dir: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "nnfw", "train", *QUIET, *args, f"hydra.run.dir={run_dir}"],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(path: Path, process: subprocess.Popen[str], timeout: float = 120) -> None:
    """Poll until `path` exists (the run has saved a checkpoint); fail if the run ends first."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, f"the run ended before {path.name} appeared: {process.stderr.read()}"
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


def stopped_by_sigterm(args: list[str], run_dir: Path) -> tuple[Path, str]:
    """Start `nnfw train ARGS`, send SIGTERM once it has saved a checkpoint; the checkpoint it
    left to resume from, and what it printed on stderr."""
    process = start(args, run_dir)
    wait_for(run_dir / "checkpoints" / "last.ckpt", process)
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, err
    return run_dir / "checkpoints" / "interrupted.ckpt", err


def resumed_in_place(args: list[str], checkpoint: Path, run_dir: Path) -> None:
    """`nnfw train ARGS` continued from `checkpoint` in its own run directory, as a user would."""
    from nnfw.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(["train", *QUIET, *args, f"ckpt_path={checkpoint}", f"hydra.run.dir={run_dir}"])
    assert stop.value.code == 0


@pytest.mark.slow
def test_a_nan_loss_stops_the_run_with_its_step_and_leaves_a_loadable_checkpoint(train):
    result = train("data=regression", "model=linear", "optimizer=sgd", "optimizer.lr=1e-3", "scheduler=exponential",
                   "scheduler.scheduler.gamma=10", "trainer.max_epochs=30", "trainer.check_val_every_n_epoch=1")
    assert result.code == 2
    assert "the training loss became NaN or infinite at step" in result.err
    assert "lower the learning rate" in result.err and "Traceback" not in result.err
    assert result.summary["status"] == "failed" and result.summary["error_type"] == "TrainingDiverged"
    checkpoint = torch.load(result.run_dir / "checkpoints" / "last.ckpt", weights_only=True)
    assert all(torch.isfinite(value).all() for value in checkpoint["state_dict"].values())
    assert not (result.run_dir / "checkpoints" / "interrupted.ckpt").exists()


@pytest.mark.slow
def test_sigterm_saves_a_checkpoint_from_which_the_run_ends_as_an_uninterrupted_one(train, tmp_path):
    interrupted_dir = tmp_path / "interrupted"
    resumable, err = stopped_by_sigterm(LONG_RUN, interrupted_dir)
    assert resumable.is_file()
    summary = json.loads((interrupted_dir / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["resume_from"] == str(resumable)
    told = err.split("continue it with:\n", 1)[1].splitlines()[0].strip()
    assert told == shlex.join(["nnfw", "train", *QUIET, *LONG_RUN, f"ckpt_path={resumable}",
                               f"hydra.run.dir={interrupted_dir}"])

    from nnfw.cli.main import main

    with pytest.raises(SystemExit) as stop:  # continued with the command it printed, as a user would
        main(shlex.split(told)[1:])
    assert stop.value.code == 0
    resumed = json.loads((interrupted_dir / "summary.json").read_text())
    uninterrupted = train(*LONG_RUN)
    assert uninterrupted.code == 0, uninterrupted.err
    assert resumed["status"] == "completed"
    assert resumed["epochs"] == uninterrupted.summary["epochs"] == 30
    evaluated = {k: v for k, v in uninterrupted.metrics.items() if k.startswith(("val/", "test/"))}
    assert {k: resumed["metrics"][k] for k in evaluated} == evaluated


@pytest.mark.slow
def test_a_sigkilled_run_resumes_from_its_last_checkpoint(train, tmp_path):
    killed_dir = tmp_path / "killed"
    process = start(LONG_RUN, killed_dir)
    last = killed_dir / "checkpoints" / "last.ckpt"
    wait_for(last, process)
    process.kill()
    process.communicate(timeout=60)
    torch.load(last, weights_only=True)  # whole, whenever the kill came
    from nnfw.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(["train", *QUIET, *LONG_RUN, f"ckpt_path={last}", f"hydra.run.dir={killed_dir}"])
    assert stop.value.code == 0
    resumed = json.loads((killed_dir / "summary.json").read_text())
    assert resumed["status"] == "completed" and resumed["epochs"] == 30


class Payload:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_a_checkpoint_with_a_malicious_pickle_is_refused_without_running_it(train, tmp_path):
    marker = tmp_path / "code-ran"
    evil = tmp_path / "evil.ckpt"
    torch.save({"state_dict": {}, "nnfw": Payload(marker)}, evil)
    result = train("data=xor", f"ckpt_path={evil}")
    assert result.code == 2
    assert "holds pickled Python objects (the first: getattr)" in result.err and "none was run" in result.err
    assert "Traceback" not in result.err
    assert not marker.exists()
    assert not result.run_dir.exists()


@pytest.fixture
def trained(train):
    """A finished small run whose checkpoint the tests below tamper with."""
    result = train("data=xor", "model=linear", "trainer.max_epochs=2")
    assert result.code == 0, result.err
    return result.run_dir / "checkpoints" / "last.ckpt"


@pytest.mark.slow
def test_a_checkpoint_naming_a_foreign_target_is_refused(train, trained, tmp_path):
    checkpoint = torch.load(trained, weights_only=True)
    checkpoint["nnfw"]["config"]["model"]["_target_"] = "os.system"
    foreign = tmp_path / "foreign.ckpt"
    torch.save(checkpoint, foreign)
    result = train("data=xor", "model=linear", f"ckpt_path={foreign}")
    assert result.code == 2
    assert "foreign _target_ 'os.system'" in result.err


@pytest.mark.slow
def test_a_users_own_model_trains_and_its_run_evaluates_its_checkpoints(train, tmp_path, monkeypatch):
    (tmp_path / "usernet.py").write_text(
        "from torch import nn\n"
        "class Net(nn.Sequential):\n"
        "    def __init__(self, in_features, out_features, init='zeros', init_std=0.01):\n"
        "        super().__init__(nn.Linear(in_features, 16), nn.Tanh(), nn.Linear(16, out_features))\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    result = train("data=moons", "model=linear", "model._target_=usernet.Net", "trainer.max_epochs=20")
    assert result.code == 0, result.err
    assert result.summary["evaluated_checkpoint"] == "checkpoints/best.ckpt"
    assert result.metrics["test/acc"] > 0.8
    # the same checkpoint read as an untrusted file: its foreign model is refused, not imported
    foreign = train("data=moons", "model=linear", f"ckpt_path={result.run_dir / 'checkpoints' / 'last.ckpt'}")
    assert foreign.code == 2
    assert "foreign _target_ 'usernet.Net'" in foreign.err


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_corrupt_checkpoint_exits_2_and_stays_as_it_was(train, trained, tmp_path, damage):
    data = trained.read_bytes()
    broken = tmp_path / "broken.ckpt"
    broken.write_bytes({"truncated": data[: len(data) // 2], "garbage": b"not a checkpoint\n" * 128, "empty": b""}[damage])
    before = broken.read_bytes()
    result = train("data=xor", "model=linear", f"ckpt_path={broken}")
    assert result.code == 2
    expected = "is truncated or damaged" if damage == "truncated" else "is not a checkpoint"
    assert expected in result.err and "Traceback" not in result.err
    assert broken.read_bytes() == before


@pytest.mark.slow
def test_a_checkpoint_of_another_model_does_not_fit(train, trained):
    result = train("data=xor", "model=mlp", f"ckpt_path={trained}")
    assert result.code == 2
    assert "does not fit this model" in result.err


def test_a_missing_checkpoint_is_reported_before_training(train, tmp_path):
    result = train("data=xor", f"ckpt_path={tmp_path / 'nope.ckpt'}")
    assert result.code == 2
    assert "ckpt_path names a file that does not exist" in result.err
    assert not result.run_dir.exists()


def test_checkpoints_are_written_whole_or_not_at_all(tmp_path, monkeypatch):
    from nnfw.artifacts.checkpoints import AtomicCheckpointIO

    target = tmp_path / "last.ckpt"
    io = AtomicCheckpointIO()
    io.save_checkpoint({"step": 1}, target)
    good = target.read_bytes()

    def crash(obj, file, *args, **kwargs):
        file.write(b"half a checkpoint")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(UserError, match=f"cannot write the checkpoint {target}: No space left on device"):
        io.save_checkpoint({"step": 2}, target)
    assert target.read_bytes() == good
    assert sorted(tmp_path.iterdir()) == [target]


def test_a_checkpoint_of_the_step_just_saved_beside_it_is_that_file_not_a_second_write(tmp_path, monkeypatch):
    from nnfw.artifacts.checkpoints import AtomicCheckpointIO

    io, writes = AtomicCheckpointIO(), []
    real_save = torch.save
    monkeypatch.setattr(torch, "save", lambda obj, file, *a, **k: (writes.append(file), real_save(obj, file, *a, **k)))
    step_3 = {"epoch": 0, "global_step": 3, "state_dict": {"w": torch.ones(2)}, "optimizer_states": []}
    io.save_checkpoint(step_3, tmp_path / "best.ckpt")
    io.save_checkpoint(step_3, tmp_path / "last.ckpt")  # best and last after a validation that improved
    assert len(writes) == 1 and (tmp_path / "last.ckpt").samefile(tmp_path / "best.ckpt")
    io.save_checkpoint({**step_3, "global_step": 4}, tmp_path / "last.ckpt")  # a later step: its own file
    weights_only = {k: v for k, v in step_3.items() if k != "optimizer_states"}
    io.save_checkpoint({**weights_only, "global_step": 4}, tmp_path / "weights.ckpt")  # other contents
    assert len(writes) == 3
    assert not (tmp_path / "last.ckpt").samefile(tmp_path / "best.ckpt")
    assert torch.load(tmp_path / "best.ckpt", weights_only=True)["global_step"] == 3
    assert torch.load(tmp_path / "last.ckpt", weights_only=True)["global_step"] == 4


@pytest.mark.parametrize(("every_s", "max_steps", "written"), [
    (10, -1, [2, 8, 14, 16]),  # the first validation, then 10 s apart (4 s an epoch), and the last
    (0, -1, [2, 4, 6, 8, 10, 12, 14, 16]),  # every validation
    (100, 5, [2, 5]),  # training ends between validations: its final weights when it ends
])
def test_last_checkpoint_writes_the_first_and_last_validation_and_every_every_s_between(
        tmp_path, monkeypatch, every_s, max_steps, written):
    import lightning.pytorch as pl
    from lightning.pytorch.demos.boring_classes import BoringModel

    from nnfw.artifacts import saving

    class Clock(pl.Callback):  # 4 s of training per epoch
        now = 0.0

        def on_train_epoch_start(self, trainer, pl_module):
            Clock.now = 4.0 * trainer.current_epoch

    class Counted(saving.LastCheckpoint):
        def save(self, trainer):
            super().save(trainer)
            steps.append(trainer.global_step)

    steps: list[int] = []
    monkeypatch.setattr(saving.time, "monotonic", lambda: Clock.now)
    last = Counted(every_s=every_s, dirpath=tmp_path, filename="last")
    trainer = pl.Trainer(max_epochs=8, max_steps=max_steps, limit_train_batches=2, limit_val_batches=1,
                         callbacks=[Clock(), last], logger=False, enable_progress_bar=False,
                         enable_model_summary=False, default_root_dir=tmp_path)
    trainer.fit(BoringModel())
    assert steps == written
    assert torch.load(tmp_path / "last.ckpt", weights_only=False)["global_step"] == written[-1]


@pytest.mark.slow
def test_last_ckpt_is_the_best_file_when_the_final_validation_improved_and_resumes(train):
    first = train("data=xor", "trainer.max_epochs=20", "trainer.check_val_every_n_epoch=10")
    best, last = (first.run_dir / "checkpoints" / name for name in ("best.ckpt", "last.ckpt"))
    assert torch.load(best, weights_only=True)["global_step"] == 20  # the loss fell to the end
    assert last.samefile(best)
    resumed = train("data=xor", "trainer.max_epochs=30", "trainer.check_val_every_n_epoch=10", f"ckpt_path={last}")
    assert resumed.code == 0
    assert json.loads((resumed.run_dir / "summary.json").read_text())["epochs"] == 30


CSV_CELL = st.one_of(st.integers(-5, 5).map(str), st.floats(allow_nan=True, allow_infinity=True).map(str),
                     st.text(alphabet="ab,\"\n ", max_size=3), st.just(""))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.lists(st.text(alphabet="abc", min_size=1, max_size=3), min_size=1, max_size=4),
       rows=st.lists(st.lists(CSV_CELL, min_size=0, max_size=5), max_size=8))
def test_any_csv_content_loads_or_fails_with_a_clear_error(tmp_path, header, rows):
    from nnfw.data.csv import read_csv
    from nnfw.data.table import Table
    from nnfw.errors import UserError

    path = tmp_path / "random.csv"
    path.write_text("\n".join([",".join(header), *(",".join(row) for row in rows)]))
    try:
        table = read_csv(str(path))
    except UserError as err:
        assert str(err) and str(path) in str(err) or "column" in str(err) or "target" in str(err)
    else:
        assert isinstance(table, Table) and len(table.X) == len(table.y) > 0
