"""How many threads torch computes with: one for a tiny model, else the CPUs this process may
really use, shared fairly.

torch starts as many threads as the host has cores, whatever the container's CPU quota or the
process's affinity allow, and every job of a parallel sweep starts that many: eight jobs of eight
threads on eight cores spend their time switching threads, not computing. Here the count follows
the usable CPUs, divided among the sweep's parallel jobs, less the job's DataLoader workers.

A tiny model's operations (a truth table's batch of 4, an MLP of a few thousand weights) take
microseconds, less than it costs threads to hand work to each other: a second thread only makes
them wait, about 100 times longer when another process keeps the other core busy. Such a model
computes on one thread.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

if TYPE_CHECKING:
    from torch import nn

CGROUP = Path("/sys/fs/cgroup")


def quota_cpus(cgroup: Path = CGROUP) -> float | None:
    """The CPUs a cgroup quota allows (cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us` over its
    period), or None when there is no quota."""
    limit = cgroup / "cpu.max"
    if limit.is_file():
        quota, _, period = limit.read_text().strip().partition(" ")
        return None if quota == "max" else int(quota) / int(period or 100_000)
    quota_file, period_file = cgroup / "cpu" / "cpu.cfs_quota_us", cgroup / "cpu" / "cpu.cfs_period_us"
    if quota_file.is_file() and period_file.is_file():
        quota = int(quota_file.read_text())
        return None if quota <= 0 else quota / int(period_file.read_text())
    return None


def usable_cpus(cgroup: Path = CGROUP) -> int:
    """The CPUs this process may run on (its affinity), capped by its cgroup's quota; at least 1."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    quota = quota_cpus(cgroup)
    return max(1, min(cpus, math.floor(quota)) if quota else cpus)


def parallel_jobs(cpus: int) -> int:
    """How many jobs of this multirun run at once: joblib's `n_jobs` (negative counts back from
    the CPUs, as joblib does: -1 is all of them), or 1 for any other launcher."""
    if not HydraConfig.initialized():
        return 1
    launcher = HydraConfig.get().launcher
    if "joblib" not in str(launcher.get("_target_", "")):
        return 1
    n_jobs = int(launcher.get("n_jobs") or 1)
    return max(1, n_jobs if n_jobs > 0 else cpus + 1 + n_jobs)


def thread_budget(cpus: int, jobs: int, loader_workers: int) -> int:
    """Each job's share of the CPUs, less one for each of its DataLoader workers; at least 1."""
    return max(1, cpus // jobs - loader_workers)


def batch_rows(datamodule: Any) -> int | None:
    """The samples in one training batch (the whole training split for full-batch data), or None
    when the datamodule does not say."""
    size = getattr(datamodule, "batch_size", None)
    if size == "full":
        return int(datamodule.split_sizes()["train"])
    return size if isinstance(size, int) else None


def step_work(model: nn.Module, datamodule: Any) -> int | None:
    """Parameters x batch rows: about half the multiply-adds of a forward pass through dense
    layers, the size that decides whether a step is worth a second thread (None: unknown)."""
    rows = batch_rows(datamodule)
    return None if rows is None else rows * sum(p.numel() for p in model.parameters())


def chosen_threads(cfg: DictConfig, work: int | None = None) -> int | None:
    """The thread count this run should use, or None to leave torch's as it is.

    `threads=N` wins, then `OMP_NUM_THREADS` (which torch already follows; joblib's workers also
    inherit it, or get joblib's own share of the CPUs in it when it is unset), then one thread
    when a step's `work` (see `step_work`) is under `one_thread_below`.
    """
    if cfg.get("threads"):
        return int(cfg.threads)
    if os.environ.get("OMP_NUM_THREADS"):
        return None
    if work is not None and work < int(cfg.get("one_thread_below") or 0):
        return 1
    cpus = usable_cpus()
    return thread_budget(cpus, parallel_jobs(cpus), int(cfg.data.get("num_workers") or 0))


def set_threads(cfg: DictConfig, work: int | None = None) -> int:
    """Set torch's intra-op thread count for this run (see `chosen_threads`); returns the count used."""
    import torch

    threads = chosen_threads(cfg, work)
    if threads is not None and threads != torch.get_num_threads():
        torch.set_num_threads(threads)
    return torch.get_num_threads()
