"""The private APIs of Hydra and Lightning that nnfw cannot do without, in one place.

Everything else nnfw does with Lightning goes through its public API (callbacks, `Checkpoint`,
`Trainer.save_checkpoint`, the progress bar's public attributes). Each function here has no
public equivalent, and says why. tests/test_privates.py fails when an installed version renames,
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


def step_uncounted(optimizer: Any) -> None:
    """Step a LightningOptimizer through Lightning (precision plugin, strategy) without counting
    it in `trainer.global_step`: manual optimization counts every optimizer's steps, and a GAN's
    `trainer.max_steps` and logged steps count its generator's alone. No option of Lightning's
    chooses which optimizer counts."""
    before, after = optimizer._on_before_step, optimizer._on_after_step
    optimizer._on_before_step = optimizer._on_after_step = lambda: None
    try:
        optimizer.step()
    finally:
        optimizer._on_before_step, optimizer._on_after_step = before, after


def stop_refreshing_at_once(progress: Any) -> None:
    """Tell the refresh thread of Lightning's rich progress display to stop, and leave it to end
    on its own rather than be waited for.

    Lightning's `_RefreshThread` sleeps 1/refresh_per_second between looks at its stop flag (a
    second at refresh_rate=1), and its `CustomProgress.stop` joins it: fit, validate and test each
    waited up to that second, about 1.4 s of a tiny run. The thread is a daemon and only ever
    refreshes the display; after its sleep it sees the flag and ends. Rich's `Live` keeps the
    thread in `_refresh_thread`, which `stop` joins when set.
    """
    thread = progress.live._refresh_thread
    if thread is not None:
        thread.stop()
        progress.live._refresh_thread = None


def skip_needless_moves_of_logged_values() -> None:
    """Make `self.log` skip moving a value's accumulator to the device it is on already.

    On every call, Lightning's `_ResultMetric.to` walks the whole accumulator (a torchmetrics
    Metric) and deep-copies its metadata to move it to the logged value's device: about 0.2 ms a
    value on a CPU, as much as a small model's optimizer step, and nnfw logs up to ten values at
    every validation. The move is skipped only when every tensor the accumulator holds is on the
    requested device already; any other call (another device, a dtype, a wrapped Metric) moves as
    before. Installed once per process, before a Trainer runs.
    """
    import torch
    from lightning.pytorch.trainer.connectors.logger_connector.result import _ResultMetric

    move = _ResultMetric.to
    if getattr(move, "skips_needless_moves", False):
        return

    def on_device(values: dict[str, Any], device: torch.device) -> bool:
        pending = [values]
        while pending:  # the containers Lightning's move walks; most are empty
            container = pending.pop()
            for value in container.values() if isinstance(container, dict) else container:
                if isinstance(value, torch.Tensor):
                    if value.device != device:
                        return False
                elif isinstance(value, torch.nn.Module):  # a wrapped Metric: let Lightning move it
                    return False
                elif isinstance(value, (dict, list, tuple)) and value:
                    pending.append(value)
        return True

    def to(self: Any, *args: Any, **kwargs: Any) -> Any:
        if (len(args) == 1 and not kwargs and isinstance(args[0], (str, torch.device)) and self.is_tensor
                and on_device(self.__dict__, torch.device(args[0]))):
            return self
        return move(self, *args, **kwargs)

    to.skips_needless_moves = True  # type: ignore[attr-defined]
    _ResultMetric.to = to
