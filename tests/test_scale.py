"""Scale-out: DDP over CPU processes, and what runs report about their speed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import QUIET, run_cli
from omegaconf import OmegaConf
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def hparams_sessions(run_dir: Path) -> int:
    """How many times the run's event files record its hyperparameters (TensorBoard's session start)."""
    from tensorboard.backend.event_processing.event_file_loader import EventFileLoader

    return sum(value.tag == "_hparams_/session_start_info"
               for path in (run_dir / "tensorboard").rglob("events.out.tfevents.*")
               for event in EventFileLoader(str(path)).Load() for value in event.summary.value)


@pytest.mark.slow
def test_ddp_cpu_trains_in_two_processes_into_one_run_directory(tmp_path):
    result = run_cli("train", "trainer=ddp_cpu", "data=moons", "trainer.max_epochs=4", *QUIET, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    both = result.stdout + result.stderr  # the second process writes to the same terminal
    assert "Traceback" not in both and "Error" not in both, both
    summaries = list(tmp_path.rglob("summary.json"))
    assert len(summaries) == 1
    run_dir = summaries[0].parent
    assert result.stdout.strip().splitlines()[-1] == str(run_dir)
    summary = json.loads(summaries[0].read_text())
    assert summary["status"] == "completed"
    assert summary["processes"] == 2
    # each process trains on its half of the 300 training rows: 5 batches of 32 an epoch, not 10
    assert summary["steps"] == 4 * 5
    assert summary["metrics"]["test/acc"] > 0.8
    assert (run_dir / "checkpoints" / "best.ckpt").is_file()
    assert hparams_sessions(run_dir) == 1


@pytest.mark.slow
def test_compile_leaves_recurrent_layers_alone_and_compiles_the_rest():
    from nnfw.models.recurrent import RecurrentLM
    from nnfw.run.speed import compile_model

    def compiled(module) -> bool:
        return hasattr(module.forward, "_torchdynamo_orig_callable")

    model = compile_model(RecurrentLM(in_features=10, out_features=10, cell="lstm"))
    assert not compiled(model) and not compiled(model.rnn)
    assert compiled(model.embedding) and compiled(model.head)


@pytest.mark.slow
def test_a_compiled_model_trains_and_its_checkpoint_loads_into_a_plain_model(train):
    import torch
    from torch._dynamo.utils import counters

    from nnfw.run.restore import restore

    compiled_before = counters["frames"]["ok"]
    result = train("data=moons", "model.compile=true", "trainer.max_epochs=3")
    assert result.code == 0, result.err
    assert counters["frames"]["ok"] > compiled_before  # torch.compile did compile the model
    restored = restore(result.run_dir / "checkpoints" / "best.ckpt")
    model, datamodule = restored.task.model, restored.datamodule
    assert not hasattr(model.forward, "_torchdynamo_orig_callable")
    datamodule.setup("test")
    features, targets = datamodule.tensors["test"]
    with torch.no_grad():
        accuracy = ((model(features).squeeze(-1) > 0).float() == targets).float().mean().item()
    assert accuracy == pytest.approx(result.metrics["test/acc"], abs=1e-6)


@pytest.mark.slow
def test_channels_last_trains_a_cnn_whose_checkpoint_loads_into_a_plain_model(train):
    import torch

    from nnfw.run.restore import restore

    result = train("model=cnn", "data=digits", "model.channels_last=true", "trainer.max_epochs=2")
    assert result.code == 0, result.err
    assert result.metrics["test/acc"] > 0.5
    weights = torch.load(result.run_dir / "checkpoints" / "best.ckpt", weights_only=True)["state_dict"]
    conv = next(tensor for tensor in weights.values() if tensor.ndim == 4 and tensor.shape[1] > 1)
    assert conv.is_contiguous(memory_format=torch.channels_last) and not conv.is_contiguous()
    model = restore(result.run_dir / "checkpoints" / "best.ckpt").task.model
    assert next(p for p in model.parameters() if p.ndim == 4 and p.shape[1] > 1).is_contiguous()  # plain NCHW


#: a plateau schedule that halves the rate at every validation without improvement
PLATEAU = ["scheduler=plateau", "scheduler.scheduler.patience=0", "scheduler.scheduler.factor=0.5"]

FUSED_SETUPS = {
    "constant rate": [],
    "exponential decay and clipping": ["scheduler=exponential", "regularization.gradient_clip.value=0.5"],
    "plateau": PLATEAU,
}


@pytest.mark.slow
@pytest.mark.parametrize("setup", list(FUSED_SETUPS))
def test_fused_full_batch_epochs_train_exactly_as_one_epoch_per_step(train, setup):
    import torch

    runs = {}
    for fuse in (1, 10):
        result = train("experiment=spirals_tutorial", "trainer.max_epochs=200", "trainer.check_val_every_n_epoch=20",
                       f"fuse_epochs={fuse}", *FUSED_SETUPS[setup])
        assert result.code == 0, result.err
        stored = torch.load(result.run_dir / "checkpoints" / "last.ckpt", weights_only=True)
        assert stored["nnfw"]["epochs_per_step"] == fuse
        assert stored["global_step"] == 200  # the last checkpoint holds the final weights
        events = EventAccumulator(str(result.run_dir / "tensorboard")).Reload()
        runs[fuse] = {**result.summary, "val_steps": [event.step for event in events.Scalars("val/loss")]}
    assert (runs[10]["epochs"], runs[10]["steps"]) == (runs[1]["epochs"], runs[1]["steps"]) == (200, 200)
    assert runs[10]["metrics"] == pytest.approx(runs[1]["metrics"], abs=1e-6)
    # every 20 epochs, then the final evaluation: curves read in real steps either way
    assert runs[10]["val_steps"] == runs[1]["val_steps"], (runs[10]["val_steps"], runs[1]["val_steps"])
    assert runs[1]["val_steps"][:10] == [*range(19, 200, 20)]


BLOCK_SETUPS = {
    "cosine over epochs": [],
    "one-cycle over steps and clipping": ["scheduler=onecycle", "regularization.gradient_clip.value=0.5"],
    "plateau": PLATEAU,
}


@pytest.mark.slow
@pytest.mark.parametrize("setup", list(BLOCK_SETUPS))
def test_fused_mini_batches_train_exactly_as_one_batch_per_step(train, setup):
    """Blocks of 4 of an epoch's 10 batches (the last one shorter): the same optimizer steps,
    validations, logged values at the same steps, metrics and checkpoints as Lightning's loop."""
    import torch

    runs = {}
    for fuse in (1, 4):
        result = train("experiment=spirals", "trainer.max_epochs=6", "trainer.check_val_every_n_epoch=2",
                       "trainer.log_every_n_steps=3", f"fuse_steps={fuse}", *BLOCK_SETUPS[setup])
        assert result.code == 0, result.err
        stored = torch.load(result.run_dir / "checkpoints" / "last.ckpt", weights_only=True)
        events = EventAccumulator(str(result.run_dir / "tensorboard")).Reload()
        logged = {tag: [(e.step, round(e.value, 6)) for e in events.Scalars(tag)]
                  for tag in events.Tags()["scalars"] if not tag.startswith("throughput/")}  # timings differ
        runs[fuse] = {**result.summary, "stored": stored, "logged": logged}
    fused, plain = runs[4], runs[1]
    assert (fused["epochs"], fused["steps"]) == (plain["epochs"], plain["steps"]) == (6, 60)
    assert fused["metrics"] == pytest.approx(plain["metrics"], abs=1e-6)
    assert fused["logged"] == plain["logged"]
    assert len(plain["logged"]["train/loss_step"]) >= 10 and "lr-Adam" in plain["logged"]
    assert [step for step, _ in plain["logged"]["val/loss"][:3]] == [19, 39, 59]  # every 2 epochs of 10 steps
    for key in ("global_step", "epoch"):
        assert fused["stored"][key] == plain["stored"][key]
    for name, weights in plain["stored"]["state_dict"].items():
        assert torch.equal(fused["stored"]["state_dict"][name], weights), name
    assert fused["stored"]["lr_schedulers"] == plain["stored"]["lr_schedulers"]
    fused_state, plain_state = (run["stored"]["optimizer_states"][0]["state"] for run in (fused, plain))
    assert all(torch.equal(fused_state[k]["exp_avg"], plain_state[k]["exp_avg"]) for k in plain_state)


@pytest.mark.slow
def test_evaluating_in_larger_batches_changes_neither_training_nor_metrics(train):
    """Validation and test read `data.eval_batch_size` rows per batch (1024 by default), not the
    training batch's 32: the same weights and, to rounding, the same metrics."""
    import torch

    runs = {}
    for size in (32, 1024):
        result = train("experiment=spirals", "trainer.max_epochs=4", f"data.eval_batch_size={size}")
        assert result.code == 0, result.err
        runs[size] = (result.metrics, torch.load(result.run_dir / "checkpoints" / "last.ckpt", weights_only=True))
    (small_metrics, small), (large_metrics, large) = runs[32], runs[1024]
    assert large_metrics == pytest.approx(small_metrics, abs=1e-6)
    assert small_metrics.keys() >= {"val/loss", "test/acc"}
    for name, weights in small["state_dict"].items():
        assert torch.equal(large["state_dict"][name], weights), name


@pytest.mark.slow
def test_resuming_with_another_number_of_fused_epochs_is_refused(train):
    first = train("experiment=spirals_tutorial", "trainer.max_epochs=40", "trainer.check_val_every_n_epoch=20",
                  "fuse_epochs=10")
    assert first.code == 0, first.err
    resumed = train("experiment=spirals_tutorial", "trainer.max_epochs=80", "trainer.check_val_every_n_epoch=20",
                    "fuse_epochs=1", f"ckpt_path={first.run_dir / 'checkpoints' / 'last.ckpt'}")
    assert resumed.code == 2
    assert "trained 10 full-batch epoch(s) per step, this run 1" in resumed.err
    assert "fuse_epochs=10" in resumed.err


@pytest.mark.slow
def test_a_single_run_composes_its_config_once_and_runs_hydras_composition(train, monkeypatch):
    """The check's composition is the one that runs (Hydra's entry point would compose the command
    line twice more), and what the run records of it is what Hydra's own run records."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    compositions = []
    original = ConfigLoaderImpl.load_configuration

    def counted(self, *args, **kwargs):
        compositions.append(kwargs.get("overrides"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(ConfigLoaderImpl, "load_configuration", counted)
    overrides = ["data=xor", "trainer.max_epochs=2", "model.hidden_sizes=[4, 4]"]
    result = train(*overrides)
    assert result.code == 0
    assert len(compositions) == 1
    hydra_record = OmegaConf.load(result.run_dir / ".hydra" / "hydra.yaml").hydra
    assert [o for o in hydra_record.overrides.task if o in overrides] == overrides  # as typed, in order
    assert "hydra.mode=RUN" in hydra_record.overrides.hydra
    assert hydra_record.job.name == "train" and hydra_record.mode == "RUN"
    assert (result.run_dir / "train.log").is_file()  # Hydra's job logging, named after the job


@pytest.mark.parametrize(("precision", "fused"), [("32-true", True), ("bf16-mixed", None)])
def test_adam_runs_fused_and_under_mixed_precision_unfused_so_that_gradients_clip(train, precision, fused):
    """nnfw's Adam asks for torch's fused kernel; under mixed precision, where Lightning refuses to
    clip the gradients of an optimizer that unscales them itself, it runs torch's default one."""
    import torch

    result = train("data=moons", "trainer.max_epochs=2", "regularization.gradient_clip.value=1",
                   f"trainer.precision={precision}")
    assert result.code == 0, result.err
    stored = torch.load(result.run_dir / "checkpoints" / "last.ckpt", weights_only=True)
    assert stored["optimizer_states"][0]["param_groups"][0]["fused"] is fused
