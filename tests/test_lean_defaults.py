"""A default run is lean: only the callbacks that serve its task are built, the config it prints is
the groups chosen and the values changed, and its model summary counts FLOPs on a real sample."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from nnfw.config.overrides import compose
from nnfw.run.train import served_callbacks
from nnfw.views.console import config_summary


@pytest.mark.parametrize("overrides, task, served, left_out", [
    (["experiment=xor"], "binary", {"input_plane", "roc_pr", "feature_importance", "learning_curves"},
     {"text_sample", "per_class", "image_pictures", "top_losses", "sample_quality", "recommender_pictures"}),
    (["data=digits", "model=cnn"], "multiclass", {"image_pictures", "per_class", "top_losses"},
     {"input_plane", "feature_importance", "roc_pr", "text_sample"}),
    (["model=lstm", "data=charseq"], "language_model", {"text_sample", "attention_maps", "diagnostics"},
     {"input_plane", "roc_pr", "feature_importance", "generative_pictures"}),
])
def test_a_run_builds_only_the_callbacks_that_serve_its_task_and_input(overrides, task, served, left_out):
    built = set(served_callbacks(compose(overrides, "train"), task))
    assert served <= built
    assert not left_out & built


def test_a_task_of_the_users_own_builds_every_callback_configured():
    cfg = compose(["experiment=xor"], "train")
    assert set(served_callbacks(cfg, "mypackage.MyTask")) == {k for k, v in cfg.callbacks.items() if v}


def test_the_short_config_names_the_groups_chosen_and_the_values_changed_only():
    choices = {"debug": None, "experiment": "xor", "hydra/launcher": "basic", "paths": "default",
               "optimizer": "sgd", "model": "mlp", "data": "xor"}
    shown = config_summary(choices, ["experiment=xor", "optimizer.lr=0.3", "+trainer.max_steps=9"], Path("RUN/config_tree.txt"))
    lines = shown.splitlines()
    assert lines[0].endswith("experiment=xor  data=xor  model=mlp  optimizer=sgd")
    assert lines[1].endswith("optimizer.lr=0.3  +trainer.max_steps=9")
    assert "RUN/config_tree.txt" in lines[2] and "print_config=full" in lines[2]


@pytest.mark.slow
def test_a_default_run_prints_a_short_config_and_a_summary_with_counted_flops(tmp_path):
    result = run_cli("train", "experiment=xor", "trainer.max_epochs=50", "optimizer.lr=0.5", "logger=none",
                     "trainer.enable_progress_bar=false", f"hydra.run.dir={tmp_path}", env={"COLUMNS": "200"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "config: experiment=xor  data=xor  model=mlp  optimizer=sgd" in out
    assert "changed: trainer.max_epochs=50  optimizer.lr=0.5" in out
    assert "init_std" not in out  # the tree is in config_tree.txt
    assert "init_std" in (tmp_path / "config_tree.txt").read_text()
    assert "Total FLOPs: 24" in out  # 2-4-1 on one sample: 2 x (2 x 4 + 4 x 1) multiply-adds
    full = run_cli("train", "experiment=xor", "trainer.max_epochs=50", "print_config=full", "logger=none",
                   "trainer.enable_progress_bar=false", f"hydra.run.dir={tmp_path / 'full'}")
    assert "init_std" in full.stdout


@pytest.mark.parametrize("flops, shown", [(0, False), (24, True)])
def test_the_model_summary_shows_flops_only_where_they_were_counted(capsys, flops, shown):
    """torch counts matrix products and convolutions: a model of embedding lookups, or one without
    an example input, counts 0, which the summary leaves out rather than print."""
    from nnfw.run.callbacks import ModelSummary

    data = [(" ", ["0"]), ("Name", ["model"]), ("Type", ["MLP"]), ("Params", ["49"]),
            ("Mode", ["train"]), ("FLOPs", [str(flops)]), ("In sizes", ["[1, 2]"]), ("Out sizes", ["[1]"])]
    ModelSummary.summarize(data, 49, 49, 0.0002, {"train": 1, "eval": 0}, flops)
    out = capsys.readouterr().out
    assert "MLP" in out and "Total params: 49" in out and "[1, 2]" in out
    assert ("FLOPs" in out) is shown and ("Total FLOPs: 24" in out) is shown
