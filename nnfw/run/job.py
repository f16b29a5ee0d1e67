"""A Hydra job around `train`: its parts built before its run directory exists, the run directory,
summary.json on success and on failure, exit codes."""

from __future__ import annotations

import contextlib
import copy
import logging
import math
import os
import shlex
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from lightning.fabric.utilities.rank_zero import rank_zero_only
from omegaconf import DictConfig, open_dict, read_write

from nnfw.artifacts.history import read_history
from nnfw.artifacts.summary import completed_summary, failed_summary, write_summary
from nnfw.config.declarations import larger
from nnfw.config.interpolations import resolved
from nnfw.errors import Interrupted, UserError, report
from nnfw.run.sweep import minimizing
from nnfw.run.train import Prepared, prepare, train
from nnfw.views.diagnosis import diagnose

log = logging.getLogger("nnfw.run")


def prepare_run(cfg: DictConfig) -> Prepared:
    """The parts of the single run `cfg` (Hydra's composition, `hydra` node included) describes,
    built before its run directory exists: what Hydra's `run_job` sets up for a job's config
    (its output directory's name, HydraConfig) is set up here the same way first."""
    HydraConfig.instance().set_config(cfg)  # the run directory's name reads the choices from it
    with read_write(cfg.hydra.runtime), open_dict(cfg.hydra.runtime):
        cfg.hydra.runtime.output_dir = os.path.abspath(str(resolved(cfg, "hydra.run.dir")))
    HydraConfig.instance().set_config(cfg)
    job_cfg = copy.deepcopy(cfg)
    with read_write(job_cfg), open_dict(job_cfg):
        del job_cfg["hydra"]
    return prepare(job_cfg)


def create_run_dir(path: Path) -> None:
    """Create the run directory and check a file can be written in it; if not, a UserError
    naming it, and the directories this made removed again."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".nnfw-write-check"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        for created in missing:
            if created.is_dir():
                created.rmdir()
        raise UserError(f"cannot write the run directory {path}: {err.strerror or err}",
                        "choose another hydra.run.dir (or paths.output_root), on a writable disk with free space") from err


#: the file in a run directory that the run holding it locks (fcntl.flock), with its process id
LOCK_FILE = ".nnfw.lock"
#: the run directories this process holds: a single run takes its lock before Hydra writes .hydra/,
#: and keeps it through the job
_HELD: set[Path] = set()


@contextlib.contextmanager
def holding(run_dir: Path) -> Iterator[None]:
    """`run_dir`, locked for this run's life: another `nnfw train` into it is refused while this
    one runs (UserError), and nothing of either is touched. The lock is the kernel's, so a run
    killed outright releases it; its process id, left in the file, says so to the next run, which
    takes it over. DDP's other processes run in the first one's directory, unlocked."""
    import fcntl

    run_dir = run_dir.absolute()
    if rank_zero_only.rank != 0 or run_dir in _HELD:
        yield
        return
    descriptor = os.open(run_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as err:
        holder = os.pread(descriptor, 32, 0).decode(errors="replace").strip() or "unknown"
        os.close(descriptor)
        raise UserError(f"run directory {run_dir} is in use by another run (process {holder})",
                        "wait for it to end, or choose another hydra.run.dir") from err
    left = os.pread(descriptor, 32, 0).decode(errors="replace").strip()
    if left and left != str(os.getpid()):
        print(f"nnfw: taking over {run_dir / LOCK_FILE}: process {left}, which held it, has ended", file=sys.stderr)
    os.ftruncate(descriptor, 0)
    os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
    _HELD.add(run_dir)
    try:
        yield
    finally:
        _HELD.discard(run_dir)
        os.ftruncate(descriptor, 0)  # an empty lock file: released, not abandoned
        os.close(descriptor)


def run_job(cfg: DictConfig, prepared: Prepared | None = None) -> float:
    """Train one config (its parts already `prepared`, for a single run); returns its objective's
    value read back from its summary (for sweepers).

    A job that failed, or has no value for its objective, returns the worst value there is
    (inf when the sweeper minimizes): the search goes on and steers away from it, whatever the
    sampler (Optuna refuses NaN, and ends a grid search on a None).
    """
    hydra_cfg = HydraConfig.get()
    run_dir = Path(hydra_cfg.runtime.output_dir)
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    if rank_zero_only.rank != 0:  # another DDP process: it trains beside the first, which reports
        train(prepared or prepare(cfg), run_dir)
        return None
    started = prepared.started if prepared else time.perf_counter()
    overrides = list(hydra_cfg.overrides.task)
    try:
        with holding(run_dir):
            return finish(cfg, prepared, run_dir, started, overrides, multirun, hydra_cfg)
    except UserError as refused:  # the directory is another run's: nothing of it is touched
        if multirun and not os.environ.get("NNFW_DEBUG"):
            report(refused)
            return worst(hydra_cfg)
        raise


def finish(cfg: DictConfig, prepared: Prepared | None, run_dir: Path, started: float, overrides: list[str],
           multirun: bool, hydra_cfg: DictConfig) -> float:
    """Train, and write the summary of the run however it ends (see `run_job`)."""
    try:
        fitted = train(prepared or prepare(cfg), run_dir)
        summary = completed_summary(fitted, time.perf_counter() - started, overrides=overrides, objective=objective(cfg),
                                    larger_model=larger(cfg.get("model")))
        write_summary(run_dir, summary)
    except Interrupted as stop:
        resumable = run_dir / "checkpoints" / "interrupted.ckpt"
        record_failure(run_dir, failed_summary(stop, time.perf_counter() - started, status="interrupted",
                                               resume_from=str(resumable) if resumable.exists() else None,
                                               overrides=overrides))
        hint = f"; continue it with:\n  {continue_command(overrides, resumable, run_dir)}" if resumable.exists() else ""
        print(f"nnfw: {stop}{hint}", file=sys.stderr)
        sys.exit(stop.exit_code)
    except Exception as error:
        exit_code = error.exit_code if isinstance(error, UserError) else 1
        log.error("failed: %s", error, exc_info=not isinstance(error, UserError))  # a bug's traceback: train.log
        record_failure(run_dir, failed_summary(error, time.perf_counter() - started, exit_code=exit_code,
                                               overrides=overrides, objective=objective(cfg)))
        if os.environ.get("NNFW_DEBUG") and not multirun:
            raise
        if isinstance(error, UserError):
            report(error)
        else:
            tell_failure(error, run_dir)
        if not multirun:
            sys.exit(exit_code)
        print(run_dir)
        return worst(hydra_cfg)  # a failed job does not stop the sweep; the sweep report lists it
    tell_outcome(run_dir, summary)
    print(run_dir)
    value = summary["metrics"].get(summary["objective"])
    return value if isinstance(value, float) and math.isfinite(value) else worst(hydra_cfg)


def tell_outcome(run_dir: Path, summary: dict[str, Any]) -> None:
    """The metrics and baselines to train.log; the diagnosis there and on the terminal."""
    log.info("completed: %s", "  ".join(f"{k} {v:.4g}" for k, v in summary["metrics"].items() if isinstance(v, float)))
    for name, scores in summary.get("baselines", {}).items():
        log.info("baseline %s: %s", name, "  ".join(f"{k} {v:.4g}" for k, v in scores.items()))
    if summary.get("baselines_sample"):
        log.info("%s", summary["baselines_sample"]["note"])
    for finding in diagnose(read_history(run_dir), summary):
        print(f"diagnosis: {finding.kind}: {finding.evidence}\n  {finding.advice}")
        log.info("diagnosis: %s: %s; %s", finding.kind, finding.evidence, finding.advice)


def log_file() -> Path | None:
    """The run's log file (Hydra's job log, RUN_DIR/train.log), if the run has one."""
    handlers = [*log.handlers, *logging.getLogger().handlers]
    return next((Path(h.baseFilename) for h in handlers if isinstance(h, logging.FileHandler)), None)


def tell_failure(error: Exception, run_dir: Path) -> None:
    """A run that failed once started, not for bad input: one line on the terminal, the traceback in
    the run's log file (on the terminal too where there is none, so that it is not lost)."""
    written = log_file()
    reason = (str(error).strip().splitlines() or [""])[0]
    print(f"nnfw: error: the run failed: {type(error).__name__}: {reason}", file=sys.stderr)
    if written is not None and written.is_file():
        print(f"  its traceback is in {written}; summary.json in {run_dir} records the failure "
              "(NNFW_DEBUG=1 shows the traceback here)", file=sys.stderr)
    else:
        traceback.print_exception(error, file=sys.stderr)


def record_failure(run_dir: Path, summary: dict[str, Any]) -> None:
    """summary.json of a run that did not complete, if it can be written: the error that ended
    the run (a full disk, say) is what the user is told either way."""
    with contextlib.suppress(UserError):
        write_summary(run_dir, summary)


def continue_command(overrides: list[str], checkpoint: Path, run_dir: Path) -> str:
    """The command line that continues an interrupted run where it stopped, in its own directory."""
    replaced = ("ckpt_path=", "resume=", "hydra.run.dir=")
    kept = [o for o in overrides if not o.startswith(replaced)]
    return shlex.join(["nnfw", "train", *kept, f"ckpt_path={checkpoint}", f"hydra.run.dir={run_dir}"])


def worst(hydra_cfg: DictConfig) -> float:
    """The worst objective value for this sweep's direction (minimize unless it says maximize)."""
    return -math.inf if minimizing(hydra_cfg.sweeper) is False else math.inf


def objective(cfg: DictConfig) -> str:
    """The metric a sweeper optimizes: `objective`, else the one checkpoints are chosen by."""
    monitor = ((cfg.get("callbacks") or {}).get("model_checkpoint") or {}).get("monitor")
    return cfg.get("objective") or monitor or "val/loss"
