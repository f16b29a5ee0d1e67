"""Every argument of Lightning's Trainer can be set as trainer.NAME=VALUE, and the run obeys it."""

from __future__ import annotations

import inspect

import pytest
from conftest import REPO
from omegaconf import OmegaConf

from nnfw.config.trainer_arguments import TRAINER_ARGUMENTS, kinds_of


def test_the_table_matches_the_installed_trainer() -> None:
    """An upgrade of Lightning that adds, removes or retypes a Trainer argument fails here:
    update TRAINER_ARGUMENTS in nnfw/config/trainer_arguments.py to what this test prints."""
    import lightning.pytorch as pl

    parameters = inspect.signature(pl.Trainer.__init__).parameters
    installed = {name: kinds_of(p.annotation) for name, p in parameters.items() if name != "self"}
    # sets: typing caches Union[int, float] and Union[float, int] as one, in either order
    assert {n: set(k) for n, k in TRAINER_ARGUMENTS.items()} == {n: set(k) for n, k in installed.items()}, \
        "\n".join(f'    "{n}": {k!r},' for n, k in installed.items())


@pytest.fixture
def trainers(monkeypatch: pytest.MonkeyPatch) -> list:
    """The Trainers the runs of a test build."""
    from nnfw.run import train as pipeline

    built: list = []
    build = pipeline.build_trainer
    monkeypatch.setattr(pipeline, "build_trainer", lambda *a, **k: built.append(build(*a, **k)) or built[-1])
    return built


@pytest.mark.slow
def test_trainer_arguments_absent_from_the_config_are_obeyed(train, trainers) -> None:
    from lightning.pytorch.profilers import SimpleProfiler

    absent = {"max_steps": "7", "min_steps": "3", "val_check_interval": "2", "limit_test_batches": "1",
              "limit_predict_batches": "1", "profiler": "simple", "detect_anomaly": "true",
              "inference_mode": "false", "reload_dataloaders_every_n_epochs": "1", "enable_autolog_hparams": "false"}
    default = OmegaConf.load(REPO / "conf" / "trainer" / "default.yaml")
    assert not set(absent) & set(default), "choose arguments conf/trainer/default.yaml does not set"
    result = train("data=spirals", "data.batch_size=16", *(f"trainer.{k}={v}" for k, v in absent.items()))
    assert result.code == 0, result.err
    trainer = trainers[0]
    assert result.summary["steps"] == trainer.global_step == 7
    assert trainer.fit_loop.min_steps == 3
    assert trainer.val_check_batch == 2
    assert trainer.num_test_batches == [1]
    assert trainer.limit_predict_batches == 1
    assert isinstance(trainer.profiler, SimpleProfiler) and "Profiler Report" in result.out + result.err
    assert trainer._detect_anomaly is True
    assert trainer.test_loop.inference_mode is False
    assert trainer.reload_dataloaders_every_n_epochs == 1
    assert trainer.enable_autolog_hparams is False
    assert "+trainer.max_steps=7" in (result.run_dir / ".hydra" / "overrides.yaml").read_text()


@pytest.mark.slow
def test_max_steps_stops_full_batch_training_after_exactly_that_many_steps(train) -> None:
    """Full-batch data trains several epochs per Lightning step (fuse_epochs): not past max_steps."""
    result = train("experiment=xor", "trainer.max_steps=7")
    assert result.code == 0, result.err
    assert result.summary["steps"] == 7 and result.summary["epochs"] == 7


TRAINER_ARGUMENT_MISTAKES = [
    ("trainer.max_step=3", ["unknown key 'trainer.max_step'", "did you mean 'trainer.max_steps'?"]),
    ("trainer.val_check_interva=0.5", ["did you mean 'trainer.val_check_interval'?"]),
    ("trainer.max_steps=many", ["trainer.max_steps must be an integer, got 'many'"]),
    ("trainer.detect_anomaly=3", ["trainer.detect_anomaly must be true or false"]),
    ("trainer.logger=false", ["trainer.logger is set by nnfw", "logger=OPTION"]),
    ("optimizer.amsgrad=true", ["unknown key 'optimizer.amsgrad'", "+optimizer.amsgrad=VALUE"]),
    ("callbacks.my_callback=x", ["unknown key 'callbacks.my_callback'", "+callbacks.my_callback={_target_:CLASS}"]),
]


@pytest.mark.parametrize(("override", "words"), TRAINER_ARGUMENT_MISTAKES)
def test_bad_trainer_arguments_are_refused_before_torch_loads(fresh_answers, override: str, words: list[str]) -> None:
    table = [o for o, _ in TRAINER_ARGUMENT_MISTAKES]
    result = fresh_answers([["train", o] for o in table])[table.index(override)]
    assert result.code == 2
    for word in words:
        assert word in result.err
    assert "torch" not in result.imported and "Traceback" not in result.err


def test_run_tables_name_an_added_trainer_argument_as_typed() -> None:
    from nnfw.artifacts.runs import overrides_of

    summary = {"overrides": ["+trainer.max_steps=3", "model=mlp", "hydra.run.dir=x"]}
    assert overrides_of(summary) == {"trainer.max_steps": "3", "model": "mlp"}
