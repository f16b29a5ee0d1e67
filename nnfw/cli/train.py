"""`nnfw train`: check the command line, then run the checked config, or hand sweeps and --cfg to Hydra."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hydra
from hydra.core.global_hydra import GlobalHydra
from hydra.types import HydraContext, RunMode
from omegaconf import DictConfig

from nnfw.artifacts.runs import job_summaries
from nnfw.config import locate, resolvers, resume
from nnfw.config.checks import check
from nnfw.config.overrides import SEARCHPATH, given_searchpath, parse, searchpath_with
from nnfw.errors import UserError
from nnfw.privates import hydra_args_parser, hydra_callbacks, hydra_run_and_report
from nnfw.run.sweep import FINISHED, exit_status

resolvers.register()


def job(cfg: DictConfig) -> float:
    """One training job of a sweep (or of Hydra's own entry point): Hydra's task function."""
    from nnfw.run.job import run_job  # torch and Lightning load only from here on

    return run_job(cfg)


_hydra_entry = hydra.main(version_base="1.3", config_path=locate.config_path_for_hydra(), config_name="train")(job)


def flags_of(argv: list[str], overrides: list[str]) -> list[str]:
    """The flags of `argv`, without its overrides: these go after them, so that
    `nnfw train model=mlp -m a=1,2` works as users expect."""
    flags = list(argv)
    for override in overrides:
        flags.remove(override)
    return flags


def program(informational: bool) -> str:
    """What `sys.argv[0]` says while Hydra runs.

    Hydra's help shows it, so there it reads "nnfw train". A run keeps the script that started
    nnfw: Lightning's DDP launcher starts the other processes by running that script again with
    the same overrides, and `nnfw.cli.main` hands such a process to `train`.
    """
    return "nnfw train" if informational else sys.argv[0]


def runs_checked_config(args: argparse.Namespace, cfg: DictConfig) -> bool:
    """Whether the command runs one job on the config the check composed, with nothing
    Hydra's entry point would add: no -m, --cfg, extra config directory or debug output."""
    return not (args.multirun or args.cfg or args.config_path or args.config_dir or args.experimental_rerun
                or cfg.hydra.mode == RunMode.MULTIRUN or cfg.hydra.verbose)


def run_composed(cfg: DictConfig, config_name: str, task_function: Callable[[DictConfig, Any], Any] | None = None) -> None:
    """Run `job` on `cfg` as `Hydra.run` runs the config it composes, errors reported alike; or
    `task_function(job's config, its prepared parts)` instead of training (`nnfw tune lr`).

    `hydra.main` would compose the command line twice more (to read its mode, then to run it),
    each about 0.13 s: as long as a small full-batch model's whole training.
    """
    from hydra.core.utils import configure_log, run_job

    from nnfw.run.job import Prepared, create_run_dir, prepare_run  # torch and Lightning load from here on
    from nnfw.run.job import run_job as run_prepared

    task_function = task_function or run_prepared
    if cfg.hydra.mode is None:  # what Hydra's entry point adds to the command line it runs
        cfg.hydra.mode = RunMode.RUN
        cfg.hydra.overrides.hydra.append("hydra.mode=RUN")
    configure_log(cfg.hydra.hydra_logging, cfg.hydra.verbose)
    callbacks = hydra_callbacks(cfg)
    context = HydraContext(config_loader=GlobalHydra.instance().config_loader(), callbacks=callbacks)

    def run_once(prepared: Prepared) -> Any:
        callbacks.on_run_start(config=cfg, config_name=config_name)
        ran = run_job(task_function=lambda job_cfg: task_function(job_cfg, prepared), config=cfg,
                      job_dir_key="hydra.run.dir", job_subdir_key=None, hydra_context=context)
        callbacks.on_run_end(config=cfg, config_name=config_name, job_return=ran)
        return ran.return_value  # raises the job's error, for run_and_report to print

    try:
        prepared = prepare_run(cfg)  # what the libraries refuse is reported before anything is written
        create_run_dir(Path(cfg.hydra.runtime.output_dir))
        hydra_run_and_report(lambda: run_once(prepared))
    finally:
        GlobalHydra.instance().clear()


def with_config_dir(overrides: list[str], config_dir: str | None) -> list[str]:
    """The overrides as the check sees them: `--config-dir DIR` is one more entry of
    hydra.searchpath, so that options of the user's own folder are checked as nnfw's are."""
    if not config_dir:
        return overrides
    given = [o for o in overrides if o.startswith(f"{SEARCHPATH}=")]
    searchpath = searchpath_with(given_searchpath(parse(given)), config_dir)
    entries = ",".join(f"'{entry}'" for entry in searchpath)
    return [*(o for o in overrides if o not in given), f"{SEARCHPATH}=[{entries}]"]


def run(argv: list[str]) -> int:
    """Check `argv` (exit 2 on bad input), then run the checked config, or let Hydra run or sweep it."""
    args = hydra_args_parser().parse_intermixed_args(argv)
    informational = args.help or args.hydra_help or args.info or args.shell_completion
    if args.multirun and (args.cfg or args.info):  # Hydra would answer with a traceback
        raise UserError("-m cannot be combined with --cfg or --info",
                        "show one job's config without -m, e.g. nnfw train --cfg job optimizer.lr=0.01")
    config_name = args.config_name or "train"
    checked, overrides = None, args.overrides
    if not informational:
        resolved = resume.resolve(args.overrides, args.multirun)
        checked_from = with_config_dir(resolved, args.config_dir)
        checked, composed_from = check(checked_from, config_name, multirun=args.multirun)
        as_composed = dict(zip(checked_from, composed_from, strict=True))  # trainer.NAME=... as +trainer.NAME=...
        overrides = [as_composed.get(o, o) for o in resolved]
    sys.argv = [program(informational), *flags_of(argv, args.overrides), *overrides]
    if checked is not None and runs_checked_config(args, checked):
        run_composed(checked, config_name)
        return 0
    GlobalHydra.instance().clear()  # the check's; hydra.main initializes its own
    FINISHED.clear()
    _hydra_entry()
    if args.multirun and "sweep_dir" in FINISHED:
        return exit_status(job_summaries(FINISHED["sweep_dir"]), FINISHED["search"])
    return 0
