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
