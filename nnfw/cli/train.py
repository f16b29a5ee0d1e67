"""`nnfw train`: check the command line, then hand it to Hydra, which runs the pipeline."""

from __future__ import annotations

import sys

import hydra
from hydra._internal.utils import get_args_parser
from omegaconf import DictConfig

from nnfw.config import locate, resolvers, resume
from nnfw.config.checks import check
from nnfw.errors import UserError
from nnfw.pipeline.runs import job_summaries
from nnfw.pipeline.sweep import FINISHED, exit_status

resolvers.register()


@hydra.main(version_base="1.3", config_path=locate.config_path_for_hydra(), config_name="train")
def _hydra_entry(cfg: DictConfig) -> float:
    from nnfw.pipeline.run import run_job  # torch and Lightning load only from here on

    return run_job(cfg)


def flags_first(argv: list[str], overrides: list[str]) -> list[str]:
    """Move overrides after the flags, so `nnfw train model=mlp -m a=1,2` works as users expect."""
    flags = list(argv)
    for override in overrides:
        flags.remove(override)
    return [*flags, *overrides]


def program(informational: bool) -> str:
    """What `sys.argv[0]` says while Hydra runs.

    Hydra's help shows it, so there it reads "nnfw train". A run keeps the script that started
    nnfw: Lightning's DDP launcher starts the other processes by running that script again with
    the same overrides, and `nnfw.cli.main` hands such a process to `train`.
    """
    return "nnfw train" if informational else sys.argv[0]


def run(argv: list[str]) -> int:
    """Check `argv` (exit 2 on bad input), then let Hydra run or sweep the train config."""
    args = get_args_parser().parse_intermixed_args(argv)
    informational = args.help or args.hydra_help or args.info or args.shell_completion
    if args.multirun and (args.cfg or args.info):  # Hydra would answer with a traceback
        raise UserError("-m cannot be combined with --cfg or --info",
                        "show one job's config without -m, e.g. nnfw train --cfg job optimizer.lr=0.01")
    if not informational:
        resolved = resume.resolve(args.overrides, args.multirun)
        argv, args.overrides = [*argv, *resolved[len(args.overrides):]], resolved
        check(args.overrides, args.config_name or "train", multirun=args.multirun)
    sys.argv = [program(informational), *flags_first(argv, args.overrides)]
    FINISHED.clear()
    _hydra_entry()
    if args.multirun and "sweep_dir" in FINISHED:
        return exit_status(job_summaries(FINISHED["sweep_dir"]), FINISHED["search"])
    return 0
