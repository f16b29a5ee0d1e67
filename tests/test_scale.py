"""Scale-out: DDP over CPU processes, and what runs report about their speed."""

from __future__ import annotations

import json

import pytest
from conftest import QUIET, run_cli


@pytest.mark.slow
def test_ddp_cpu_trains_in_two_processes_into_one_run_directory(tmp_path):
    result = run_cli("train", "trainer=ddp_cpu", "data=moons", "trainer.max_epochs=4", *QUIET, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
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
