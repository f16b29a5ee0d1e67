"""Experiment trackers: MLflow and Weights & Biases (optional extras), and several loggers at once."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

QUICK = ("experiment=xor", "trainer.max_epochs=20")


@pytest.mark.slow
def test_mlflow_records_a_run_that_its_own_client_reads_back(train, tmp_path: Path) -> None:
    """logger=many: TensorBoard, metrics.csv and a local MLflow store, each with the final metrics."""
    pytest.importorskip("mlflow")
    from mlflow.tracking import MlflowClient

    result = train(*QUICK, "logger=many", f"paths.output_root={tmp_path / 'outputs'}")
    assert result.code == 0, result.err
    client = MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'outputs' / 'mlflow.db'}")
    (run,) = client.search_runs([client.get_experiment_by_name("nnfw").experiment_id])
    assert run.info.status == "FINISHED" and run.info.run_name == "mlp_xor"
    assert run.data.metrics["test/acc"] == pytest.approx(result.metrics["test/acc"])
    assert run.data.params["optimizer/lr"] == "0.4" and run.data.params["choice/data"] == "xor"
    assert run.data.tags["run_dir"] == str(result.run_dir)
    assert any((result.run_dir / "tensorboard").glob("events.out.tfevents.*"))
    assert "test/acc" in (result.run_dir / "csv" / "metrics.csv").read_text()


@pytest.mark.slow
def test_wandb_runs_offline_beside_tensorboard(train, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("wandb")
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_SILENT", "true")
    result = train(*QUICK, "logger=[tensorboard,wandb]")
    assert result.code == 0, result.err
    (offline_run,) = (result.run_dir / "wandb").glob("offline-run-*")
    assert any(offline_run.glob("*.wandb"))
    assert any((result.run_dir / "tensorboard").glob("events.out.tfevents.*"))


def test_a_tracker_that_is_not_installed_names_its_extra(train, monkeypatch: pytest.MonkeyPatch) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "wandb" else find_spec(name, *a))
    result = train("logger=wandb")
    assert result.code == 2
    assert "logger wandb needs wandb, which is not installed" in result.err and "nnfw[wandb]" in result.err


def test_an_unknown_logger_in_a_list_is_named(train) -> None:
    result = train("logger=[tensorboard,mlflw]")
    assert result.code == 2 and "unknown logger 'mlflw'" in result.err and "did you mean 'mlflow'" in result.err
