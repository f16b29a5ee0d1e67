"""A built wheel (non-editable) finds its configs from an empty directory and trains."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import REPO

pytestmark = pytest.mark.slow


def test_wheel_install_trains_from_an_empty_directory(tmp_path):
    dist, target, empty = tmp_path / "dist", tmp_path / "site", tmp_path / "empty"
    empty.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(REPO)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("nnfw-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-c", "import nnfw, nnfw.conf; print(nnfw.__file__, nnfw.conf.__file__)"],
                           cwd=empty, env=env, capture_output=True, text=True, check=True)
    assert where.stdout.startswith(str(target)), where.stdout  # the wheel, not the checkout

    result = subprocess.run([sys.executable, "-m", "nnfw", "train", "data=xor", "trainer.max_epochs=2",
                             "trainer.enable_progress_bar=false"], cwd=empty, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    run_dir = empty / result.stdout.strip().splitlines()[-1]
    assert run_dir.is_relative_to(empty / "outputs")
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "completed"
