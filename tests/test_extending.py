"""A user's own model plugs in from the user's own package and config folder, with no edit to nnfw."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import run_cli

MODEL = '''
from torch import nn


class TinyNet(nn.Module):
    """One hidden layer of tanh units: a user's own architecture."""

    def __init__(self, in_features: int, out_features: int, hidden: int = 16) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(in_features, hidden), nn.Tanh(), nn.Linear(hidden, out_features))

    def forward(self, x):
        return self.layers(x)
'''

CONFIG = """# A user's model: what it builds, what it reads, its own settings.
_target_: usernets.TinyNet
_reads_: [features]
hidden: 32
"""


@pytest.fixture
def user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package `usernets` on the path and a config folder with conf/model/tiny.yaml."""
    (tmp_path / "usernets").mkdir()
    (tmp_path / "usernets" / "__init__.py").write_text(MODEL)
    (tmp_path / "conf" / "model").mkdir(parents=True)
    (tmp_path / "conf" / "model" / "tiny.yaml").write_text(CONFIG)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    return tmp_path / "conf"


@pytest.mark.parametrize("where", ["--config-dir", "hydra.searchpath"])
def test_nnfw_list_shows_a_model_of_the_users_config_folder(user_config, where):
    extra = ["--config-dir", str(user_config)] if where == "--config-dir" else [f"hydra.searchpath=[file://{user_config}]"]
    listed = run_cli("list", "model", *extra)
    assert listed.returncode == 0, listed.stderr
    assert "tiny" in listed.stdout.split(":", 1)[1].replace(",", " ").split()
    assert "tiny" not in run_cli("list", "model").stdout  # only where the folder is given


def test_a_users_model_on_data_it_does_not_read_is_refused_naming_it(user_config):
    result = run_cli("train", f"hydra.searchpath=[file://{user_config}]", "model=tiny", "data=charseq")
    assert result.returncode == 2
    assert "model=tiny reads features, but data=charseq gives characters" in result.stderr
    assert "Traceback" not in result.stderr


def test_models_that_fit_a_dataset_include_the_users_own(user_config):
    result = run_cli("train", f"hydra.searchpath=[file://{user_config}]", "model=lstm", "data=moons")
    assert result.returncode == 2
    assert "tiny" in result.stderr.split("models for features:", 1)[1]


@pytest.mark.slow
def test_a_users_model_trains_from_its_config_folder(train, user_config):
    result = train(f"hydra.searchpath=[file://{user_config}]", "model=tiny", "data=moons", "trainer.max_epochs=30")
    assert result.code == 0, result.err
    assert result.metrics["test/acc"] >= 0.85
    assert result.summary["parameters"] == 2 * 32 + 32 + 32 + 1  # built with the data's sizes and its own hidden=32


def test_a_users_component_names_rules_for_its_own_keys_and_no_other_rule_reaches_them(user_config):
    (user_config / "model" / "tiny.yaml").write_text(CONFIG + "activation: swish\n_checks_:\n  hidden: positive_int\n")
    searchpath = f"hydra.searchpath=[file://{user_config}]"
    refused = run_cli("train", searchpath, "model=tiny", "model.hidden=0", "--cfg", "job")
    assert refused.returncode == 2 and "model.hidden must be >= 1 (got 0)" in refused.stderr
    # nnfw's mlp checks its `activation`; the same key of another component is that component's business
    accepted = run_cli("train", searchpath, "model=tiny", "--cfg", "job")
    assert accepted.returncode == 0, accepted.stderr
    assert "activation: swish" in accepted.stdout
    assert "model.activation must be one of" in run_cli("train", "model.activation=swish", "--cfg", "job").stderr


def test_a_users_plain_module_that_cannot_read_the_batches_exits_2_naming_them(train, user_config):
    """A model that declares no _reads_ is not refused before torch loads; its first batch tells."""
    (user_config / "model" / "plain.yaml").write_text("_target_: usernets.TinyNet\nhidden: 8\n")
    result = train(f"hydra.searchpath=[file://{user_config}]", "model=plain", "data=charseq", "data.seq_len=16",
                   "data.batch_size=4", "trainer.max_steps=2")
    assert result.code == 2, result.err
    assert result.err.startswith("nnfw: error: model=plain (usernets.TinyNet) fails on its first training batch: "
                                 "RuntimeError: mat1 and mat2 must have the same dtype")
    assert "data=charseq gives characters, batches of (inputs, targets) (int64 (4, 16), int64 (4, 16))" in result.err
    assert "a model for this data declares _reads_: [characters]" in result.err
    assert "Traceback" not in result.err + result.out
    assert result.summary["status"] == "failed"  # the run had started: its directory keeps the record


FAILS_LATER = '''

class FailsLater(TinyNet):
    """TinyNet whose training breaks at its 40th batch: a bug that shows only once training is under way."""

    calls = 0

    def forward(self, x):
        FailsLater.calls += self.training
        if FailsLater.calls == 40:
            raise RuntimeError("the user's model broke mid-run")
        return super().forward(x)
'''


def test_a_failure_later_in_training_keeps_its_traceback_in_train_log_and_the_checkpoints(train, user_config,
                                                                                         monkeypatch):
    package = user_config.parent / "laterfails"  # a package of its own: `usernets` may be imported already
    package.mkdir()
    (package / "__init__.py").write_text(MODEL + FAILS_LATER)
    monkeypatch.delitem(sys.modules, "laterfails", raising=False)
    (user_config / "model" / "later.yaml").write_text(CONFIG.replace("usernets.TinyNet", "laterfails.FailsLater"))
    result = train(f"hydra.searchpath=[file://{user_config}]", "model=later", "data=moons", "data.batch_size=32",
                   "trainer.max_epochs=20")
    assert result.code == 1, result.err
    log = result.run_dir / "train.log"
    assert result.err.startswith("nnfw: error: the run failed: RuntimeError: the user's model broke mid-run\n"
                                 f"  its traceback is in {log}")
    assert "Traceback" not in result.err + result.out
    assert "Traceback" in log.read_text() and 'raise RuntimeError("the user\'s model broke mid-run")' in log.read_text()
    summary = result.summary
    assert summary["status"] == "failed" and "broke mid-run" in summary["error"]
    assert (result.run_dir / "checkpoints" / "best.ckpt").is_file()  # written by the validations before it
