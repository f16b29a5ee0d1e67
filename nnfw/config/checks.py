"""Checks a command line's overrides before anything heavy is imported.

Every problem becomes a `UserError` that names the culprit and the fix (the choices,
the nearest match), so that a typo costs a second, not a Lightning start-up and a traceback.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from nnfw.config import declarations, locate, resolvers, rules
from nnfw.config.compat import check_compatible
from nnfw.data.layout import check_image_files
from nnfw.errors import UserError, suggestion

# How many single-value combinations of a sweep are composed to check it.
MAX_CHECKED_COMBINATIONS = 64


# ----------------------------------------------------------------------------- overrides


def parse(overrides: list[str]) -> list[Any]:
    """Parse overrides with Hydra's own grammar, turning syntax errors into UserErrors."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    parser = OverridesParser.create()
    parsed = []
    for text in overrides:
        try:
            parsed.extend(parser.parse_overrides([text]))
        except HydraException as err:
            raise UserError(
                f"cannot read the override '{text}'",
                "write overrides as key=value, e.g. optimizer.lr=0.01 or model=mlp "
                "(quote values with spaces or brackets)",
            ) from err
    return parsed


def expanded(parsed: list[Any]) -> list[list[str]]:
    """Single-valued override lists that together cover every value of every sweep.

    A sweep `a=1,2 b=x,y` is checked as [a=1 b=x], [a=2 b=x], [a=1 b=y]: every value once,
    without composing the whole product.
    """
    fixed: list[str] = []
    sweeps: list[tuple[str, list[str]]] = []
    for override in parsed:
        key = override.get_key_element()
        if override.is_sweep_override():
            if not override.is_choice_sweep():
                continue  # ranges and intervals are the search's business
            values = [str(v) for v in override.sweep_string_iterator()]
            sweeps.append((key, values))
        else:
            fixed.append(override.input_line)  # as typed, which is how Hydra records a run's overrides
    combos = [fixed + [f"{k}={vals[0]}" for k, vals in sweeps]]
    for index, (key, values) in enumerate(sweeps):
        for value in values[1:]:
            combo = [f"{k}={vals[0]}" for k, vals in sweeps]
            combo[index] = f"{key}={value}"
            combos.append(fixed + combo)
    return combos[:MAX_CHECKED_COMBINATIONS]


def compose(overrides: list[str], config_name: str) -> DictConfig:
    """Compose the config as Hydra's entry point composes it for a run of command `config_name`.

    Hydra stays initialized with it, so that `nnfw train` can run the config it checked
    (`nnfw.cli.train.run_composed`). Its job is named after the command, as `hydra.main`
    names it after the command's module.
    """
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    resolvers.register()
    GlobalHydra.instance().clear()
    initialize_config_dir(str(locate.config_dir()), version_base="1.3", job_name=config_name)
    return hydra_compose(config_name, overrides=overrides, return_hydra_config=True)


#: the Hydra key that adds config folders (a user's own models, data, ...) to nnfw's
SEARCHPATH = "hydra.searchpath"


def given_searchpath(parsed: list[Any]) -> list[str]:
    """The `hydra.searchpath` a command line sets, as a list of entries."""
    values = [o.value() for o in parsed if o.get_key_element() == SEARCHPATH and not o.is_sweep_override()]
    return [str(entry) for entry in (values[-1] if values and isinstance(values[-1], list) else [])]


def searchpath_with(searchpath: list[str], config_dir: str | None) -> list[str]:
    """`searchpath` with Hydra's `--config-dir DIR` added, as Hydra's entry point adds it."""
    if not config_dir:
        return searchpath
    return [*searchpath, f"file://{Path(config_dir).expanduser().absolute()}"]


def shapes_composition(override: Any, searchpath: list[str] | tuple[()] = ()) -> bool:
    """`group=option` (and only that: no +, ~ or @package), which composition itself resolves,
    or `hydra.searchpath=[...]`, which says where composition finds options."""
    key = override.get_key_element()
    if key == SEARCHPATH:
        return True
    return "." not in key and locate.is_group(key, searchpath)


def assigned(base: DictConfig, base_choices: list[str], combo: list[str]) -> DictConfig | None:
    """Hydra's composition of `combo`, made from `base` (composed from `base_choices`, and changed
    in place): the rest of `combo` applied as Hydra applies `key=value` after composing, and
    recorded as Hydra records a command line. This saves a composition (about 0.13 s).
    None, `base` untouched, when `combo` chooses other groups or holds more than plain
    assignments (+key, ~key, key@package)."""
    from hydra.core.override_parser.types import OverrideType

    parsed = parse(combo)
    searchpath = given_searchpath(parsed)
    if [o.input_line for o in parsed if shapes_composition(o, searchpath)] != base_choices:
        return None
    rest = [o for o in parsed if not shapes_composition(o, searchpath)]
    if any(o.type != OverrideType.CHANGE or o.package is not None or "/" in o.key_or_group for o in rest):
        return None
    for override in rest:
        OmegaConf.update(base, override.key_or_group, override.value(), merge=True)
    record_overrides(base, parsed)
    return base


def record_overrides(cfg: DictConfig, parsed: list[Any]) -> None:
    """Write a command line's overrides into `cfg.hydra` as Hydra's composition does
    (`overrides.task`, `overrides.hydra` and `job.override_dirname`, from which runs are named)."""
    from hydra._internal.config_loader_impl import get_overrides_dirname

    task = [o for o in parsed if not o.is_hydra_override()]
    cfg.hydra.overrides.task = [o.input_line for o in task]
    cfg.hydra.overrides.hydra = [o.input_line for o in parsed if o.is_hydra_override()]
    naming = cfg.hydra.job.config.override_dirname
    cfg.hydra.job.override_dirname = get_overrides_dirname(
        task, exclude_keys=list(naming.exclude_keys), item_sep=naming.item_sep, kv_sep=naming.kv_sep)


def check_groups(parsed: list[Any], base: DictConfig) -> None:
    """Every `group=option` names an existing group and option (nnfw's, or of the search path)."""
    all_groups = locate.groups(list(base.hydra.searchpath))
    for override in parsed:
        key = override.get_key_element().lstrip("+~")
        if key.startswith("hydra") or "." in key or "@" in key:
            continue
        if key in all_groups:
            values = (
                [str(v) for v in override.sweep_string_iterator()]
                if override.is_choice_sweep()
                else [override.get_value_element_as_str()]
            )
            for value in values:
                if value not in all_groups[key] and value != "null":
                    raise UserError(
                        f"unknown {key} '{value}'",
                        suggestion(value, all_groups[key], f"choices for {key}"),
                    )
        elif key not in base:
            raise UserError(
                f"unknown config group or key '{key}'",
                suggestion(key, {*all_groups, *(str(k) for k in base if k != "hydra")}, "choices"),
            )


def check_keys(parsed: list[Any], base: DictConfig) -> None:
    """Every `a.b.c=value` names a key that exists and gets a value of its type."""
    searchpath = list(base.hydra.searchpath) if "hydra" in base else []
    ruled = {*RUN_RULES, *component_rules(base)}
    for override in parsed:
        key = override.get_key_element()
        if locate.is_group(key, searchpath) or key.startswith(("+", "~")):
            continue
        if override.is_sweep_override() and not override.is_choice_sweep():
            continue  # ranges and intervals are the search's business
        parent_key, _, leaf = key.rpartition(".")
        parent = OmegaConf.select(base, parent_key, default=None) if parent_key else base
        if not isinstance(parent, DictConfig) or leaf not in parent.keys():
            siblings = [f"{parent_key}.{k}" for k in parent.keys() if not str(k).startswith("_")] \
                if isinstance(parent, DictConfig) else []
            raise UserError(
                f"unknown key '{key}'",
                suggestion(key, siblings, f"keys of {parent_key}")
                or f"'{parent_key}' has no keys; prefix with + to add one: +{key}=...",
            )
        if key in ruled:
            continue  # checked with its rule on the composed config
        node = parent._get_node(leaf)
        if node is None or node._is_none() or OmegaConf.is_interpolation(parent, leaf):
            continue
        default = OmegaConf.to_container(node) if isinstance(node, (DictConfig, ListConfig)) else node._value()
        for given in override.value().list if override.is_choice_sweep() else [override.value()]:
            check_type(key, default, given)


def check_type(key: str, default: Any, given: Any) -> None:
    """A value given on the command line has the type of the default it replaces."""
    if given is None or isinstance(default, str):
        return
    if isinstance(default, bool):
        ok = isinstance(given, bool)
        expected = "true or false"
    elif isinstance(default, (int, float)):
        ok = isinstance(given, (int, float)) and not isinstance(given, bool)
        if isinstance(default, int) and isinstance(given, float):
            ok = False
        expected = "an integer" if isinstance(default, int) else "a number"
    elif isinstance(default, (list, tuple)):
        ok = isinstance(given, (list, tuple))
        expected = "a list, e.g. [64,64]"
    elif isinstance(default, dict):
        ok = isinstance(given, dict)
        expected = "a mapping, e.g. {a:1}"
    else:
        return
    if not ok:
        raise UserError(f"{key} must be {expected}, got '{given}'", f"e.g. {key}={default}")


# ----------------------------------------------------------------------------- rules

#: Rules for the run's own keys (train.yaml's, the regularization knobs, and the checkpoint
#: commands' options); a component's keys have rules in its own config, under `_checks_`.
RUN_RULES: dict[str, rules.Rule] = {
    "seed": rules.number(0, integer=True),
    "regularization.dropout": rules.NAMED["fraction"],
    "regularization.weight_decay": rules.NAMED["nonnegative"],
    "regularization.l1": rules.NAMED["nonnegative"],
    "regularization.batchnorm": rules.flag,
    "regularization.early_stopping.patience": rules.NAMED["positive_int"],
    "regularization.early_stopping.min_delta": rules.NAMED["nonnegative"],
    "regularization.gradient_clip.value": rules.optional(rules.NAMED["positive"]),
    "regularization.gradient_clip.algorithm": rules.one_of(("norm", "value")),
    "ckpt_path": rules.existing_path,
    "init_from": rules.existing_path,
    "model.compile": rules.flag,
    "model.channels_last": rules.flag,
    "fuse_epochs": rules.NAMED["positive_int"],
    "resume": rules.optional(rules.one_of(("auto",))),
    "trainer.max_epochs": rules.max_epochs,
    # the checkpoint commands' options (conf/eval.yaml, predict.yaml, export.yaml)
    "split": rules.one_of(("test", "val")),
    "format": rules.one_of(("onnx", "torchscript")),
    "batch_size": rules.NAMED["positive_int"],
    "accelerator": rules.optional(rules.one_of(("cpu", "gpu", "mps", "auto"))),
    "input": rules.existing_path,
}

#: The sections built from components that may name rules for their keys.
COMPONENTS = ("model", "data", "optimizer")


def component_rules(cfg: DictConfig) -> dict[str, rules.Rule]:
    """`section.key` -> rule, for the keys each chosen component names under `_checks_`."""
    found = {}
    for section in COMPONENTS:
        node = cfg.get(section)
        named = node.get(declarations.CHECKS) if isinstance(node, DictConfig) else None
        for key, spec in (named or {}).items():
            found[f"{section}.{key}"] = rules.named(spec)
    return found


def missing_values(node: DictConfig, prefix: str = "") -> list[str]:
    """Keys left at `???` (required), found without resolving interpolations."""
    found = []
    for key in node.keys():
        if key == "hydra":
            continue
        path = f"{prefix}{key}"
        if OmegaConf.is_missing(node, key):
            found.append(path)
        elif not OmegaConf.is_interpolation(node, key) and isinstance(node._get_node(key), DictConfig):
            found.extend(missing_values(node._get_node(key), f"{path}."))
    return found


def check_rules(cfg: DictConfig) -> None:
    """Every required value is set, and every rule holds: the run's own (RUN_RULES) and those the
    chosen components name for their keys (`_checks_`, see nnfw.config.rules)."""
    for key in missing_values(cfg):
        raise UserError(f"{key} must be set", f"add {key}=... to the command line")
    for key, rule in {**RUN_RULES, **component_rules(cfg)}.items():
        parent_key, _, leaf = key.rpartition(".")
        parent = OmegaConf.select(cfg, parent_key) if parent_key else cfg
        if not isinstance(parent, DictConfig) or leaf not in parent.keys() or OmegaConf.is_interpolation(parent, leaf):
            continue  # absent here, or a copy of a value checked where it is set
        value = OmegaConf.select(cfg, key)
        if isinstance(value, (DictConfig, ListConfig)):
            value = OmegaConf.to_object(value)
        problem = rule(value)
        if problem:
            raise UserError(f"{key} {problem} (got {value!r})")
    fractions = (cfg.get("data") or {})
    if fractions.get("val_fraction", 0) + fractions.get("test_fraction", 0) >= 1:
        raise UserError(
            "data.val_fraction + data.test_fraction must leave some training data, "
            f"got {fractions.val_fraction} + {fractions.test_fraction}"
        )
    check_image_files(cfg.get("data") or {})


def check_run_dir(cfg: DictConfig, overrides: list[str]) -> None:
    """The run directory can be created, and an explicit one holding a finished run is never reused."""
    given = {o.split("=", 1)[0]: o.split("=", 1)[1] for o in overrides if o.startswith(("hydra.run.dir=", "hydra.sweep.dir="))}
    summary = Path(given.get("hydra.run.dir", "")) / "summary.json"
    if "hydra.run.dir" in given and summary.is_file():
        status = json.loads(summary.read_text() or "{}").get("status")
        if status == "completed" or not cfg.get("ckpt_path"):
            raise UserError(f"run directory {given['hydra.run.dir']} already holds a {status} run",
                            "choose a new hydra.run.dir (an unfinished run may be continued there with ckpt_path=...)")
    written = given or {"paths.output_root": str(cfg.paths.output_root)}  # explicit directories win
    for key, value in written.items():
        ancestor = Path(value).expanduser().absolute()
        while not ancestor.exists():
            ancestor = ancestor.parent
        if not ancestor.is_dir() or not os.access(ancestor, os.W_OK | os.X_OK):
            raise UserError(f"cannot write the run directory under {value}: {ancestor} is not a writable directory",
                            f"choose another {key}")


def check_distributed(cfg: DictConfig, overrides: list[str]) -> None:
    """DDP that starts its own processes cannot run as a job of a local multirun.

    Lightning starts the other processes by running the command line again: inside a
    multirun, each of them would start the whole sweep. On a cluster, the submitit launcher
    gives each job its own processes, which Lightning finds through SLURM.
    """
    strategy, devices = cfg.trainer.get("strategy"), cfg.trainer.get("devices")
    if not (isinstance(strategy, str) and strategy.startswith("ddp")) or devices in (1, "1"):
        return
    if "hydra/launcher=submitit_slurm" not in overrides:
        raise UserError(
            f"trainer.strategy={strategy} cannot run as a job of a multirun: each DDP process would start the sweep again",
            "train each configuration with its own `nnfw train`, or sweep on SLURM with hydra/launcher=submitit_slurm",
        )
#: the Hydra plugin every hparams_search option runs on
SEARCH_PLUGIN = "hydra_plugins.hydra_optuna_sweeper"


def check_search_plugin(parsed: list[Any]) -> None:
    """`hparams_search=...` needs the Optuna sweeper, an optional extra: say so rather than fail to compose."""
    import importlib.util

    searches = [o for o in parsed if o.get_key_element() == "hparams_search" and o.value() is not None]
    if searches and importlib.util.find_spec(SEARCH_PLUGIN) is None:
        raise UserError(f"{searches[0].input_line} needs Hydra's Optuna sweeper, which is not installed",
                        "pip install 'nnfw[search]' (hydra-optuna-sweeper)")


# ----------------------------------------------------------------------------- entry


def check(overrides: list[str], config_name: str = "train", multirun: bool = False) -> DictConfig:
    """Check a command line's overrides; return the first composed config or raise UserError.

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
    except (HydraException, OmegaConfBaseException):
        base, composed = compose([], config_name), False
    check_groups(parsed, base)
    check_search_plugin(parsed)
    check_keys(parsed, base)
    first = None
    combos = expanded(parsed)
    for index, combo in enumerate(combos):
        try:
            cfg = None
            if composed:  # the last combination may have `base` itself: a single run is spared a copy
                cfg = assigned(base if index == len(combos) - 1 else copy.deepcopy(base), group_choices, combo)
            if cfg is None:
                cfg = compose(combo, config_name)
        except (HydraException, OmegaConfBaseException) as err:
            raise UserError(f"cannot compose the config from {' '.join(combo) or 'the defaults'}",
                            str(err).strip().splitlines()[0]) from err
        check_rules(cfg)
        check_compatible(cfg)
        if multirun:
            check_distributed(cfg, overrides)
        first = first if first is not None else cfg
    assert first is not None
    check_run_dir(first, overrides)
    if not multirun and first.hydra.mode != RunMode.MULTIRUN:
        check_single_run(parsed)
    return first


def check_single_run(parsed: list[Any]) -> None:
    """A command line without -m runs one job: a sweep in it is a forgotten -m or an unquoted value."""
    sweeps = [o.input_line for o in parsed if o.is_sweep_override()]
    if sweeps:
        raise UserError(f"{sweeps[0]} is a sweep, which needs -m (one job per value)",
                        "add -m, or give one value (a list is written [a,b], a string with commas 'a,b')")
