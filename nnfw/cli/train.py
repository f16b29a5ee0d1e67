"""`nnfw train`: check the command line, then hand it to Hydra, which runs the pipeline."""

from __future__ import annotations

import sys

import hydra
from hydra._internal.utils import get_args_parser
from omegaconf import DictConfig

from nnfw.config import locate, resolvers
from nnfw.config.checks import check

resolvers.register()


@hydra.main(version_base="1.3", config_path=locate.config_path_for_hydra(), config_name="train")
def _hydra_entry(cfg: DictConfig) -> float | None:
    from nnfw.pipeline.run import run_job  # torch and Lightning load only from here on

    return run_job(cfg)


def flags_first(argv: list[str], overrides: list[str]) -> list[str]:
    """Move overrides after the flags, so `nnfw train model=mlp -m a=1,2` works as users expect."""
    flags = list(argv)
    for override in overrides:
        flags.remove(override)
    return [*flags, *overrides]


def run(argv: list[str]) -> int:
    """Check `argv` (exit 2 on bad input), then let Hydra run or sweep the train config."""
    args = get_args_parser().parse_intermixed_args(argv)
    informational = args.help or args.hydra_help or args.info or args.shell_completion
    if not informational:
        check(args.overrides, args.config_name or "train")
    sys.argv = ["nnfw train", *flags_first(argv, args.overrides)]
    from nnfw.pipeline.run import FAILED_JOBS, RUN_DIRS

    FAILED_JOBS.clear()
    RUN_DIRS.clear()
    _hydra_entry()
    return report_sweep() if args.multirun else 0


def report_sweep() -> int:
    """After a multirun: which jobs failed, then the sweep directory as the last line."""
    from nnfw.errors import UserError
    from nnfw.pipeline.run import FAILED_JOBS, RUN_DIRS

    for overrides, error in FAILED_JOBS:
        print(f"job failed ({overrides}): {error}", file=sys.stderr)
    if RUN_DIRS:
        print(RUN_DIRS[0].parent)
    if not FAILED_JOBS:
        return 0
    return UserError.exit_code if all(isinstance(e, UserError) for _, e in FAILED_JOBS) else 1
