"""torch's thread count: one for a tiny model, else the usable CPUs, shared among parallel sweep
jobs; explicit choices win."""

from __future__ import annotations

import json
import os

import pytest
from conftest import QUIET, run_cli
from omegaconf import OmegaConf

from nnfw.run.threads import chosen_threads, quota_cpus, thread_budget, usable_cpus


@pytest.mark.parametrize("files, cpus", [
    ({"cpu.max": "max 100000\n"}, None),
    ({"cpu.max": "150000 100000\n"}, 1.5),
    ({"cpu/cpu.cfs_quota_us": "400000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 4.0),
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
    ({}, None),
])
def test_the_cgroup_quota_is_read_from_v2_and_v1_files(tmp_path, files, cpus):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert quota_cpus(tmp_path) == cpus


def test_a_quota_caps_the_usable_cpus_at_one_at_least(tmp_path):
    (tmp_path / "cpu.max").write_text("50000 100000\n")
    assert usable_cpus(tmp_path) == 1
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert usable_cpus(tmp_path) == len(os.sched_getaffinity(0))


@pytest.mark.parametrize("cpus, jobs, workers, threads", [(8, 1, 0, 8), (8, 2, 0, 4), (8, 2, 2, 2), (8, 3, 0, 2),
                                                          (2, 4, 0, 1), (4, 1, 8, 1)])
def test_each_parallel_job_gets_its_share_of_the_cpus_less_its_loader_workers(cpus, jobs, workers, threads):
    assert thread_budget(cpus, jobs, workers) == threads


@pytest.mark.slow
def test_each_job_of_a_parallel_joblib_sweep_gets_its_share_of_the_cpus(tmp_path, monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    sweep_dir = tmp_path / "sweep"
    result = run_cli("train", "-m", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", "data=xor,and",
                     "debug=fast", "one_thread_below=0", *QUIET, f"hydra.sweep.dir={sweep_dir}")
    assert result.returncode == 0, result.stderr
    threads = [json.loads((sweep_dir / str(job) / "summary.json").read_text())["threads"] for job in (0, 1)]
    assert threads == [max(1, usable_cpus() // 2)] * 2


@pytest.mark.parametrize("work, threads", [(68, 1), (9_999_999, 1), (10_000_000, None), (None, None)])
def test_a_step_under_one_thread_below_computes_on_one_thread(monkeypatch, work, threads):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    cfg = OmegaConf.create({"threads": None, "one_thread_below": 10_000_000, "data": {}})
    assert chosen_threads(cfg, work) == (threads or usable_cpus())


def test_an_explicit_thread_count_wins_over_the_tiny_model_rule(monkeypatch):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert chosen_threads(OmegaConf.create({"threads": 2, "one_thread_below": 10_000_000}), 68) == 2
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert chosen_threads(OmegaConf.create({"threads": None, "one_thread_below": 10_000_000}), 68) is None


@pytest.mark.slow
@pytest.mark.parametrize("setting, env, threads", [
    (["one_thread_below=0"], {}, usable_cpus()),
    ([], {}, 1),  # 17 weights x 4 rows: a truth table's step is too small to share
    ([], {"OMP_NUM_THREADS": "1"}, 1),
    (["threads=1"], {}, 1),
])
def test_a_single_run_uses_the_usable_cpus_unless_told_otherwise(tmp_path, monkeypatch, setting, env, threads):
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    result = run_cli("train", "data=xor", "debug=fast", *QUIET, *setting, f"hydra.run.dir={tmp_path}",
                     env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "summary.json").read_text())["threads"] == threads
