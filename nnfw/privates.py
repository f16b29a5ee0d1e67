"""The private APIs of Hydra, Lightning and torch that nnfw cannot do without, in one place.

Each has no public equivalent. tests/test_privates.py fails when an installed version renames,
removes or changes one of them, so that an upgrade is refused loudly instead of running nnfw
slower or counting wrong; pyproject.toml bounds the versions to the ones that were tested.
Imports are lazy: the command line is checked before torch or Lightning load.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any


def hydra_args_parser() -> argparse.ArgumentParser:
    """The parser of `hydra.main`'s command line (-m, --cfg, --help, -sc ...), which `nnfw train` reads too."""
    from hydra._internal.utils import get_args_parser

    return get_args_parser()


def hydra_callbacks(cfg: Any) -> Any:
    """The `hydra.callbacks` of a composed config, as `Hydra.run` calls them around a job."""
    from hydra._internal.callbacks import Callbacks

    return Callbacks(cfg)


def hydra_run_and_report(function: Callable[[], Any]) -> Any:
    """Run `function`, reporting its error as a Hydra application does (HYDRA_FULL_ERROR for the rest)."""
    from hydra._internal.utils import run_and_report

    return run_and_report(function)


def count_stepped_batches(trainer: Any, extra: int) -> None:
    """Add `extra` to the count of stepped batches at which Lightning's loggers place values,
    for a fused block of epochs that Lightning sees as one step."""
    trainer.fit_loop.epoch_loop._batches_that_stepped += extra


def step_counted(optimizer: Any) -> None:
    """Step the torch optimizer inside a LightningOptimizer, counted in `trainer.global_step`
    as Lightning's manual optimization counts it, without its hooks and wrappers."""
    optimizer._on_before_step()
    optimizer.optimizer.step()
    optimizer._on_after_step()


def tensorboard_file_writer(logger: Any) -> Any:
    """The event file writer of a TensorBoardLogger's SummaryWriter, for an hparams session summary."""
    return logger.experiment._get_file_writer()
