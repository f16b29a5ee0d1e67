"""Checks a command line before anything heavy is imported: the entry point of nnfw.config.

Every problem becomes a `UserError` that names the culprit and the fix (the choices,
the nearest match), so that a typo costs a second, not a Lightning start-up and a traceback.
Each job has its module: reading and composing overrides (overrides), keys and types (keys),
interpolations (interpolations), values and rules (values), every component's arguments against
its signature (arguments), the machine and installation (environment), which data fits which
model (compat).
"""

from __future__ import annotations

import copy
from typing import Any

from omegaconf import DictConfig

from nnfw.config.arguments import check_arguments
from nnfw.config.compat import check_compatible
from nnfw.config.environment import check_distributed, check_logger_extras, check_run_dir, check_search_plugin
from nnfw.config.interpolations import check_interpolations, resolving
from nnfw.config.keys import check_groups, check_keys, trainer_arguments_added
from nnfw.config.overrides import assigned, compose, expanded, given_searchpath, parse, shapes_composition
from nnfw.config.values import check_missing, check_rules
from nnfw.errors import UserError


def check(overrides: list[str], config_name: str = "train",
          multirun: bool = False) -> tuple[DictConfig, list[str]]:
    """Check a command line's overrides; return the first composed config and the overrides
    Hydra composes it from (see `trainer_arguments_added`), or raise UserError.

    For a single run, that config is Hydra's composition of the whole command line, ready to run.
    """
    from hydra.errors import HydraException
    from hydra.types import RunMode
    from omegaconf.errors import OmegaConfBaseException

    parsed = parse(overrides)
    searchpath = given_searchpath(parsed)
    group_choices = [o.input_line for o in parsed if not o.is_sweep_override() and shapes_composition(o, searchpath)]
    try:
        base, composed = compose(group_choices, config_name), True
    except (HydraException, OmegaConfBaseException, ValueError, TypeError):  # check_groups names the culprit
        base, composed = compose([], config_name), False
    check_groups(parsed, base)
    check_search_plugin(parsed)
    check_keys(parsed, base)
    added = trainer_arguments_added(overrides, parsed, base)
    if added != overrides:
        overrides, parsed = added, parse(added)
    first = None
    combos = expanded(parsed)
    for index, combo in enumerate(combos):
        try:
            cfg = None
            if composed:  # the last combination may have `base` itself: a single run is spared a copy
                cfg = assigned(base if index == len(combos) - 1 else copy.deepcopy(base), group_choices, combo)
            if cfg is None:
                cfg = compose(combo, config_name)
        except (HydraException, OmegaConfBaseException, ValueError, TypeError) as err:
            raise UserError(f"cannot compose the config from {' '.join(combo) or 'the defaults'}",
                            str(err).strip().splitlines()[0]) from err
        check_compatible(cfg)  # before the values: another model's keys may copy keys this data lacks
        check_values(cfg, multirun or cfg.hydra.mode == RunMode.MULTIRUN, overrides if first is None else None)
        check_logger_extras(cfg)
        if multirun:
            check_distributed(cfg, overrides)
        first = first if first is not None else cfg
    assert first is not None
    if not multirun and first.hydra.mode != RunMode.MULTIRUN:
        check_single_run(parsed)
    return first, overrides



def check_values(cfg: DictConfig, multirun: bool, overrides: list[str] | None = None) -> None:
    """Every value of a composed config: set, resolvable, within its rules, fitting its component's
    signature; with the command line's `overrides`, its run directory too, before the paths in it.
    A rule names a bad value better than the interpolation it breaks
    (`trainer.max_epochs=ten` breaks `${nnfw.every:${trainer.max_epochs},100}`), so rules come first."""
    from omegaconf.errors import OmegaConfBaseException

    check_missing(cfg)
    with resolving(cfg, multirun=multirun):
        try:
            check_rules(cfg)
        except OmegaConfBaseException:
            check_interpolations(cfg, multirun=multirun)  # names the value that does not resolve
            raise
        check_interpolations(cfg, multirun=multirun)
        if overrides is not None:
            check_run_dir(cfg, overrides)
        check_arguments(cfg)



def check_single_run(parsed: list[Any]) -> None:
    """A command line without -m runs one job: a sweep in it is a forgotten -m or an unquoted value."""
    sweeps = [o.input_line for o in parsed if o.is_sweep_override()]
    if sweeps:
        raise UserError(f"{sweeps[0]} is a sweep, which needs -m (one job per value)",
                        "add -m, or give one value (a list is written [a,b], a string with commas 'a,b')")

