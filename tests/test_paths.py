"""Paths on the command line expand `~` and environment variables, in every key naming a file or folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from image_files import write_image_folder

from nnfw.config.paths import expand_paths


def test_path_keys_expand_and_other_keys_stay_as_typed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/ada")
    monkeypatch.setenv("DATA", "/srv/data")
    typed = ["data.path=~/x.csv", "hydra.run.dir=$HOME/runs/1", "-m", "hydra.sweep.dir=~/a", "ckpt_path=${DATA}/c.ckpt",
             "init_from=~/w.ckpt", "paths.output_root=~/out", "run=~/r", "data.root=$DATA,~/b",
             "optimizer.lr=0.1", "tag=~/x", "data.path='~/quoted'"]
    assert expand_paths(typed) == [
        "data.path=/home/ada/x.csv", "hydra.run.dir=/home/ada/runs/1", "-m", "hydra.sweep.dir=/home/ada/a",
        "ckpt_path=/srv/data/c.ckpt", "init_from=/home/ada/w.ckpt", "paths.output_root=/home/ada/out", "run=/home/ada/r",
        "data.root=/srv/data,/home/ada/b", "optimizer.lr=0.1", "tag=~/x", "data.path='~/quoted'"]


@pytest.mark.slow
def test_an_image_folder_under_home_and_a_run_dir_in_a_variable(train, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """As typed in a shell, which leaves `~` after `=` alone: data.path=~/pets hydra.run.dir=$RUNS/pets."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("RUNS", str(tmp_path / "runs"))
    write_image_folder(tmp_path / "pets", classes=("cat", "dog"))
    result = train("model=cnn", "data=image_folder", "data.path=~/pets", "data.size=8", "debug=fast",
                   "hydra.run.dir=$RUNS/pets")
    assert result.code == 0, result.err
    summary = json.loads((tmp_path / "runs" / "pets" / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["data"]["class_names"] == ["cat", "dog"]
