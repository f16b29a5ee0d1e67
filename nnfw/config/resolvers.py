"""OmegaConf resolvers that nnfw's configs use; registered before any config is composed."""

from __future__ import annotations

import netrc
import os

from omegaconf import OmegaConf


def every(total: int, times: int) -> int:
    """The period that does something about `times` times in `total` (at least every 1).

    `check_val_every_n_epoch: ${nnfw.every:${trainer.max_epochs},100}` validates each epoch of a
    100-epoch run but every 50th of a 5000-epoch full-batch run, where validation, checkpoints
    and logging would otherwise cost more than the training itself.
    """
    return max(1, int(total) // int(times)) if int(total) > 0 else 1


def config_groups() -> str:
    """The user-facing groups and options, one `group: a, b` line each, for `nnfw train --help`
    (Hydra's own list would also show the `_`-prefixed bases that options build on)."""
    from nnfw.config import locate

    return "\n".join(f"{group}: {', '.join(options)}" for group, options in locate.groups().items())


def wandb_offline() -> bool:
    """Whether Weights & Biases runs offline: unless WANDB_MODE says otherwise, it does until the
    user has logged in (`wandb login` keeps the key in ~/.netrc) or set WANDB_API_KEY."""
    mode = os.environ.get("WANDB_MODE")
    if mode:
        return mode in ("offline", "dryrun", "disabled")
    if os.environ.get("WANDB_API_KEY"):
        return False
    try:
        return netrc.netrc().authenticators("api.wandb.ai") is None
    except (OSError, netrc.NetrcParseError):
        return True


def register() -> None:
    OmegaConf.register_new_resolver("nnfw.every", every, replace=True)
    OmegaConf.register_new_resolver("nnfw.config_groups", config_groups, replace=True)
    OmegaConf.register_new_resolver("nnfw.wandb_offline", wandb_offline, replace=True)
