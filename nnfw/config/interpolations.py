"""Every `${...}` of a composed config resolves, and OmegaConf's errors read as one line (torch-free).

A dangling interpolation (`optimizer.lr='${nonexistent.key}'`), a resolver that fails
(`${oc.env:UNSET}`) or one that is unknown is found when the config is checked, not when the run
resolves it: `${hydra:...}` resolves then as in the run, from the config's own Hydra node.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from omegaconf import DictConfig, OmegaConf, open_dict, read_write
from omegaconf.errors import OmegaConfBaseException

from nnfw.errors import UserError

#: Hydra's keys that a run resolves: where it writes
RUN_DIRS = ("hydra.run.dir", "hydra.sweep.dir")


def unresolvable(err: OmegaConfBaseException, key: str | None = None) -> UserError:
    """OmegaConf's error as a UserError naming the key whose value did not resolve."""
    where = getattr(err, "full_key", None) or key or "the config"
    reason = str(getattr(err, "msg", None) or err).strip().splitlines()
    raw = reason[0] if reason else type(err).__name__
    return UserError(f"{where}: cannot resolve its value: {raw}",
                     "an interpolation ${a.b} names a key of the config (`nnfw train --cfg job` shows them), "
                     "${oc.env:NAME} a set environment variable")


@contextlib.contextmanager
def resolving(cfg: DictConfig, multirun: bool = False) -> Iterator[None]:
    """`${hydra:...}` resolves within `cfg` as in its run (its own Hydra node, the run directory as
    `hydra:runtime.output_dir`); afterwards all is as it was."""
    from hydra.core.hydra_config import HydraConfig

    instance = HydraConfig.instance()
    previous = instance.cfg
    runtime = cfg.hydra.runtime
    had_output_dir = not OmegaConf.is_missing(runtime, "output_dir")
    try:
        instance.set_config(cfg)
        run_dir = resolved(cfg, RUN_DIRS[1] if multirun else RUN_DIRS[0])
        with read_write(runtime), open_dict(runtime):
            if not had_output_dir:
                runtime.output_dir = os.path.abspath(str(run_dir))
        instance.set_config(cfg)
        yield
    finally:
        with read_write(runtime), open_dict(runtime):
            if not had_output_dir:
                runtime.output_dir = "???"
        OmegaConf.set_readonly(cfg.hydra, None)
        instance.cfg = previous


def resolved(cfg: DictConfig, key: str) -> object:
    """`cfg`'s value at `key`, resolved; a UserError naming it when it does not resolve."""
    try:
        return OmegaConf.select(cfg, key, throw_on_resolution_failure=True)
    except OmegaConfBaseException as err:
        raise unresolvable(err, key) from err


def check_interpolations(cfg: DictConfig, multirun: bool = False) -> None:
    """Every value of `cfg` (Hydra's aside, but for where the run writes) resolves."""
    for key in RUN_DIRS[1:] if multirun else RUN_DIRS[:1]:
        resolved(cfg, key)
    for key in cfg:
        if key == "hydra":
            continue
        try:
            value = cfg[key]
            if OmegaConf.is_config(value):
                OmegaConf.to_container(value, resolve=True)
        except OmegaConfBaseException as err:
            raise unresolvable(err, str(key)) from err
