"""A user's own model plugs in from the user's own package and config folder, with no edit to nnfw."""

from __future__ import annotations

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
