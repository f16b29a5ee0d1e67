"""A Hydra job around `train`: run directory, summary.json on success and on failure, exit codes."""

from __future__ import annotations

import logging
import math
import os
import sys
import time
from pathlib import Path

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from lightning.fabric.utilities.rank_zero import rank_zero_only
from omegaconf import DictConfig

from nnfw.errors import Interrupted, UserError
from nnfw.pipeline.diagnosis import diagnose
from nnfw.pipeline.history import read_history
from nnfw.pipeline.summary import clean_metrics, failed_summary, write_summary
from nnfw.pipeline.sweep import minimizing

log = logging.getLogger("nnfw.run")


def run_job(cfg: DictConfig) -> float:
    """Train one config; returns its objective's value read back from its summary (for sweepers).

    A job that failed, or has no value for its objective, returns the worst value there is
    (inf when the sweeper minimizes): the search goes on and steers away from it, whatever the
    sampler (Optuna refuses NaN, and ends a grid search on a None).
    """
    from nnfw.pipeline.train import train

    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    if rank_zero_only.rank != 0:  # another DDP process: it trains beside the first, which reports
        train(cfg, run_dir)
        return None
    started = time.perf_counter()
    try:
        summary = train(cfg, run_dir)
    except Interrupted as stop:
        resumable = run_dir / "checkpoints" / "interrupted.ckpt"
        write_summary(run_dir, failed_summary(stop, time.perf_counter() - started, status="interrupted",
                                              resume_from=str(resumable) if resumable.exists() else None,
                                              overrides=list(hydra_cfg.overrides.task)))
        hint = f"; resume with ckpt_path={resumable}" if resumable.exists() else ""
        print(f"nnfw: {stop}{hint}", file=sys.stderr)
        sys.exit(stop.exit_code)
    except Exception as error:
        exit_code = error.exit_code if isinstance(error, UserError) else 1
        log.error("failed: %s", error)
        write_summary(run_dir, failed_summary(error, time.perf_counter() - started, exit_code=exit_code,
                                              overrides=list(hydra_cfg.overrides.task), objective=objective(cfg)))
        if isinstance(error, UserError) and not os.environ.get("NNFW_DEBUG"):
            from nnfw.cli.main import report

            report(error)
            if not multirun:
                sys.exit(error.exit_code)
        elif not multirun:
            raise
        print(run_dir)
        return worst(hydra_cfg)  # a failed job does not stop the sweep; the sweep report lists it
    summary["metrics"] = clean_metrics(summary["metrics"])
    summary["wall_time_s"] = round(time.perf_counter() - started, 3)
    summary["overrides"] = list(hydra_cfg.overrides.task)
    summary["objective"] = objective(cfg)
    write_summary(run_dir, summary)
    tell_outcome(run_dir, summary)
    print(run_dir)
    value = summary["metrics"].get(summary["objective"])
    return value if isinstance(value, float) and math.isfinite(value) else worst(hydra_cfg)


def tell_outcome(run_dir: Path, summary: dict) -> None:
    """The metrics and baselines to train.log; the diagnosis there and on the terminal."""
    log.info("completed: %s", "  ".join(f"{k} {v:.4g}" for k, v in summary["metrics"].items() if isinstance(v, float)))
    for name, scores in summary.get("baselines", {}).items():
        log.info("baseline %s: %s", name, "  ".join(f"{k} {v:.4g}" for k, v in scores.items()))
    for finding in diagnose(read_history(run_dir), summary):
        print(f"diagnosis: {finding.kind}: {finding.evidence}\n  {finding.advice}")
        log.info("diagnosis: %s: %s; %s", finding.kind, finding.evidence, finding.advice)


def worst(hydra_cfg: DictConfig) -> float:
    """The worst objective value for this sweep's direction (minimize unless it says maximize)."""
    return -math.inf if minimizing(hydra_cfg.sweeper) is False else math.inf


def objective(cfg: DictConfig) -> str:
    """The metric a sweeper optimizes: `objective`, else the one checkpoints are chosen by."""
    monitor = ((cfg.get("callbacks") or {}).get("model_checkpoint") or {}).get("monitor")
    return cfg.get("objective") or monitor or "val/loss"
